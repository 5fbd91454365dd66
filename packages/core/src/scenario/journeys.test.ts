import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import type { Plan } from '../plan.js';
import { parseScenario } from './load.js';

const HEAD = 'name: j\ntargets: { gw: "http://127.0.0.1:1" }\nload: { rate: 1, duration: 1s }\ndata: { users: { list: [{ id: 1, name: a }] }, skus: { list: [S1, S2] } }\n';

function plan(body: string, head = HEAD): Plan {
  return parseScenario(head + body, 'j.yaml');
}
function problems(body: string, head = HEAD): { code: string; at: string; message: string }[] {
  try {
    parseScenario(head + body, 'j.yaml');
  } catch (err) {
    if (err instanceof UserError) return err.problems.map((p) => ({ code: p.code, at: `${p.pos?.line}:${p.pos?.col}`, message: p.message }));
    throw err;
  }
  return [];
}

describe('requests', () => {
  it('become one-step journeys named after the request, with defaults', () => {
    const p = plan('requests:\n  - { name: home, weight: 3, url: / }\n  - { url: "api/items?x=1", method: post }\n');
    expect(p.journeys.map((j) => [j.name, j.weight, j.steps.length])).toEqual([
      ['home', 3, 1],
      ['POST /api/items', 1, 1],
    ]);
    expect(p.journeys[0]!.steps[0]).toMatchObject({ name: 'home', target: 'gw', method: 'GET', path: '/', headers: {}, captures: [], checks: [], shed: [], stopOnFailure: true, thinkTimeMs: { minMs: 0, maxMs: 0 } });
    expect(p.journeys[1]!.steps[0]!.path).toBe('/api/items?x=1');
  });
  it('turn json: into a JSON body with a content type, body: into text', () => {
    const p = plan('requests:\n  - { name: a, url: /, json: { n: 1, ok: true, s: "{{skus.value}}", list: [1, null] } }\n  - { name: b, url: /, body: "x={{run.id}}", headers: { Content-Type: text/plain } }\n');
    const [a, b] = p.journeys.map((j) => j.steps[0]!);
    expect(JSON.parse(a!.body!)).toEqual({ n: 1, ok: true, s: '{{skus.value}}', list: [1, null] });
    expect(a!.bodyKind).toBe('json');
    expect(a!.headers).toEqual({ 'content-type': 'application/json' });
    expect(b).toMatchObject({ body: 'x={{run.id}}', bodyKind: 'text', headers: { 'Content-Type': 'text/plain' } });
  });
  it('reads checks and shed statuses', () => {
    const p = plan(
      'requests:\n  - name: a\n    url: /\n    shed: 429\n    check: { status: [200, "3xx"], json: { "$.a[0]": 1, "$.b": { exists: false } }, header: { ETag: { exists: true }, x-v: "2" }, contains: [ok, yes] }\n',
    );
    const s = p.journeys[0]!.steps[0]!;
    expect(s.shed).toEqual([429]);
    expect(s.checks[0]).toMatchObject({ kind: 'status' });
    expect((s.checks[0] as { oneOf: number[] }).oneOf).toHaveLength(101);
    expect(s.checks.slice(1)).toEqual([
      { kind: 'json', path: '$.a[0]', equals: 1 },
      { kind: 'json', path: '$.b', exists: false },
      { kind: 'header', name: 'etag', exists: true },
      { kind: 'header', name: 'x-v', equals: '2' },
      { kind: 'bodyContains', text: 'ok' },
      { kind: 'bodyContains', text: 'yes' },
    ]);
  });
  it('refuses a JSON check equal to an infinite or NaN number, in both forms (the plan reaches the workers as JSON)', () => {
    const ps = problems('requests:\n  - { name: a, url: /, check: { json: { "$.a": .inf, "$.b": { equals: .nan }, "$.c": 1.5 } } }\n');
    expect(ps.map((p) => [p.code, p.at])).toEqual([
      ['BAD_VALUE', '6:48'],
      ['BAD_VALUE', '6:71'],
    ]);
    expect(ps[0]!.message).toContain('is not a value a check can be equal to');
    expect(plan('requests:\n  - { name: a, url: /, check: { json: { "$.c": 1.5, "$.d": null } } }\n').journeys[0]!.steps[0]!.checks).toEqual([
      { kind: 'json', path: '$.c', equals: 1.5 },
      { kind: 'json', path: '$.d', equals: null },
    ]);
  });

  it('refuses what a request cannot have, with hints', () => {
    const ps = problems('requests:\n  - { name: a, url: /, capture: { x: $.x } }\n');
    expect(ps).toEqual([expect.objectContaining({ code: 'UNKNOWN_KEY', at: '6:24', message: expect.stringContaining('journey') as string })]);
  });
});

describe('journeys', () => {
  it('read steps with captures, vars, think times', () => {
    const p = plan(
      [
        'journeys:',
        '  - name: checkout',
        '    weight: 15',
        '    think: 1s',
        '    vars: { sku: "{{skus.value}}", label: "{{sku}}-{{seq}}" }',
        '    steps:',
        '      - { name: order.create, method: POST, url: /orders, json: { sku: "{{sku}}" }, capture: { orderId: "$.id", etag: "header:ETag" } }',
        '      - { name: pay, method: POST, url: "/orders/{{orderId}}/pay", headers: { if-match: "{{etag}}" }, think: { min: 0s, max: 2s }, stopOnFailure: false }',
        '',
      ].join('\n'),
    );
    const j = p.journeys[0]!;
    expect(j).toMatchObject({ name: 'checkout', weight: 15, vars: { sku: '{{skus.value}}', label: '{{sku}}-{{seq}}' } });
    expect(j.steps[0]!.captures).toEqual([
      { as: 'orderId', from: 'json', path: '$.id' },
      { as: 'etag', from: 'header', name: 'etag' },
    ]);
    expect(j.steps[0]!.thinkTimeMs).toEqual({ minMs: 1000, maxMs: 1000 });
    expect(j.steps[1]).toMatchObject({ stopOnFailure: false, thinkTimeMs: { minMs: 0, maxMs: 2000 } });
  });

  it('rejects a variable used before the step that captures it, with its position', () => {
    const ps = problems(
      ['journeys:', '  - name: j', '    steps:', '      - { name: a, url: "/x/{{orderId}}" }', '      - { name: b, url: /y, capture: { orderId: $.id } }', ''].join('\n'),
    );
    expect(ps).toEqual([expect.objectContaining({ code: 'UNKNOWN_VARIABLE', at: '8:29', message: expect.stringContaining('later step') as string })]);
  });

  it('rejects unknown variables, feeders, columns and helpers — each positioned inside its string', () => {
    const ps = problems(
      [
        'journeys:',
        '  - name: j',
        '    steps:',
        '      - name: a',
        '        url: "/x/{{ordrId}}/{{random.nope}}"',
        '        headers: { h: "{{user.id}}" }',
        '        json: { n: "{{users.mail}}" }',
        '        capture: { ordrId: $.id }',
        '',
      ].join('\n'),
    );
    expect(ps.map((p) => [p.code, p.at])).toEqual([
      ['UNKNOWN_VARIABLE', '9:18'],
      ['UNKNOWN_HELPER', '9:29'],
      ['UNKNOWN_VARIABLE', '10:24'],
      ['UNKNOWN_COLUMN', '11:21'],
    ]);
    expect(ps[2]!.message).toContain('did you mean `users`');
  });

  it('rejects bad JSON paths, duplicate links, unknown targets, a missing target among several', () => {
    const head = 'name: j\ntargets: { gw: "http://127.0.0.1:1", other: "http://127.0.0.1:2" }\nload: { rate: 1, duration: 1s }\n';
    const ps = problems(
      [
        'journeys:',
        '  - name: j',
        '    steps:',
        '      - { name: a, target: gw, url: /, capture: { x: "$.a[*]" }, check: { json: { "a.b": 1 } } }',
        '      - { name: a, target: gww, url: / }',
        '      - { name: c, url: / }',
        '',
      ].join('\n'),
      head,
    );
    expect(ps.map((p) => [p.code, p.at])).toEqual([
      ['BAD_JSON_PATH', '7:54'],
      ['BAD_JSON_PATH', '7:83'],
      ['DUPLICATE_LINK', '8:17'],
      ['UNKNOWN_TARGET', '8:28'],
      ['MISSING_KEY', '9:9'],
    ]);
  });

  it('refuses wrong types everywhere with a what-to-write message', () => {
    const ps = problems(
      ['journeys:', '  - name: j', '    weight: 0', '    steps:', '      - { name: a, url: [x], method: "G E T", shed: [99], stopOnFailure: maybe, think: -1s }', ''].join('\n'),
    );
    expect(ps.map((p) => p.code).sort()).toEqual(['BAD_DURATION', 'BAD_VALUE', 'OUT_OF_RANGE', 'OUT_OF_RANGE', 'WRONG_TYPE', 'WRONG_TYPE'].sort());
  });

  it('needs requests or journeys, and steps in a journey', () => {
    expect(problems('')).toEqual([expect.objectContaining({ code: 'MISSING_KEY', at: '1:1' })]);
    expect(problems('journeys: [{ name: x, steps: [] }]\n')).toEqual([expect.objectContaining({ code: 'EMPTY_VALUE' })]);
    expect(problems('journeys: [{ name: x }]\n')).toEqual([expect.objectContaining({ code: 'MISSING_KEY' })]);
  });

  it('allows vu.id only in the closed model', () => {
    expect(problems('requests: [{ url: "/{{vu.id}}" }]\n')[0]).toMatchObject({ code: 'UNKNOWN_VARIABLE' });
    const closed = HEAD.replace('load: { rate: 1, duration: 1s }', 'load: { model: closed, vus: 1, duration: 1s }');
    expect(plan('requests: [{ url: "/{{vu.id}}" }]\n', closed).journeys).toHaveLength(1);
  });
});
