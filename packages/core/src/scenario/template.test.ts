import { describe, expect, it } from 'vitest';
import { checkTemplateNames, isLiteral, parseTemplate, scanTemplate } from './template.js';

describe('parseTemplate', () => {
  it('splits text and expressions', () => {
    expect(parseTemplate('/api/orders/{{orderId}}/pay')).toEqual([
      { kind: 'text', text: '/api/orders/' },
      { kind: 'var', name: 'orderId', src: '{{orderId}}' },
      { kind: 'text', text: '/pay' },
    ]);
    expect(parseTemplate('plain')).toEqual([{ kind: 'text', text: 'plain' }]);
    expect(parseTemplate('')).toEqual([]);
    expect(isLiteral(parseTemplate('a } b }} c'))).toBe(true);
  });
  it('knows feeders, built-ins and helpers', () => {
    expect(parseTemplate('{{ users.id }}')).toEqual([{ kind: 'feeder', feeder: 'users', column: 'id', src: '{{ users.id }}' }]);
    const kinds = parseTemplate('{{run.id}}{{journey.index}}{{vu.id}}{{seq}}{{now}}').map((p) => (p.kind === 'builtin' ? p.name : p.kind));
    expect(kinds).toEqual(['run.id', 'journey.index', 'vu.id', 'seq', 'now']);
    expect(parseTemplate('{{random.int 1 100}}')).toEqual([{ kind: 'randomInt', min: 1, max: 100, src: '{{random.int 1 100}}' }]);
    expect(parseTemplate('{{random.int -5 5}}')[0]).toMatchObject({ min: -5, max: 5 });
    expect(parseTemplate('{{random.uuid}}')[0]).toMatchObject({ kind: 'randomUuid' });
    expect(parseTemplate('{{random.pick a b "c d"}}')[0]).toMatchObject({ kind: 'randomPick', choices: ['a', 'b', 'c d'] });
  });
  it('reports every malformed expression', () => {
    const { problems } = scanTemplate('{{}} {{random.int 1}} {{random.int 5 1}} {{random.foo}} {{run.idd}} {{a b}} {{random.pick}} {{x');
    expect(problems.map((p) => p.code)).toEqual(['BAD_TEMPLATE', 'BAD_TEMPLATE', 'BAD_TEMPLATE', 'UNKNOWN_HELPER', 'UNKNOWN_VARIABLE', 'UNKNOWN_HELPER', 'BAD_TEMPLATE', 'BAD_TEMPLATE']);
    expect(problems[3]!.message).toContain('random.int');
    expect(problems[4]!.message).toContain('did you mean `run.id`');
    expect(problems[0]!.offset).toBe(0);
    expect(() => parseTemplate('{{random.nope}}')).toThrowError(expect.objectContaining({ code: 'BAD_TEMPLATE' }) as Error);
  });
  it('checks names against a scope', () => {
    const scope = { vars: new Set(['orderId']), laterVars: new Set(['payId']), feeders: new Map([['users', ['id', 'name']]]), closedModel: false };
    const names = (s: string): string[] => checkTemplateNames(parseTemplate(s), scope).map((p) => p.code);
    expect(names('{{orderId}} {{users.id}} {{run.id}}')).toEqual([]);
    expect(names('{{orderID}}')).toEqual(['UNKNOWN_VARIABLE']);
    expect(names('{{payId}}')).toEqual(['UNKNOWN_VARIABLE']);
    expect(names('{{users.email}}')).toEqual(['UNKNOWN_COLUMN']);
    expect(names('{{user.id}}')).toEqual(['UNKNOWN_VARIABLE']);
    expect(names('{{vu.id}}')).toEqual(['UNKNOWN_VARIABLE']);
    expect(checkTemplateNames(parseTemplate('{{payId}}'), scope)[0]!.message).toContain('later step');
    expect(checkTemplateNames(parseTemplate('{{orderID}}'), scope)[0]!.message).toContain('did you mean `orderId`');
    expect(checkTemplateNames(parseTemplate('{{users}}'), scope)[0]!.message).toContain('{{users.id}}');
    expect(checkTemplateNames(parseTemplate('{{vu.id}}'), { ...scope, closedModel: true })).toEqual([]);
  });
});
