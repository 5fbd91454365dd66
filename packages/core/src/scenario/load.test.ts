import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, UserError } from '../errors.js';
import { MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_SCENARIO_BYTES } from './limits.js';
import { loadScenario, parseScenario } from './load.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

function fail(text: string, file = 'test.yaml'): UserError {
  try {
    parseScenario(text, file);
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected the scenario to be refused');
}

describe('loadScenario', () => {
  it('loads every fixture into a JSON-safe plan', () => {
    for (const f of ['double11.yaml', 'smoke.yaml', 'flash-sale.yaml', 'closed.yaml']) {
      const plan = loadScenario(join(FIXTURES, f));
      expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
      expect(plan.source).toBe(join(FIXTURES, f));
    }
  });

  it('normalizes the full example', () => {
    const plan = loadScenario(join(FIXTURES, 'double11.yaml'));
    expect(plan.name).toBe('double11');
    expect(plan.journeys.map((j) => [j.name, j.weight])).toEqual([
      ['home', 3],
      ['browse', 60],
      ['checkout', 15],
    ]);
    const checkout = plan.journeys[2]!;
    expect(checkout.vars).toEqual({ sku: '{{skus.value}}' });
    const create = checkout.steps[1]!;
    expect(create.captures).toEqual([
      { as: 'orderId', from: 'json', path: '$.id' },
      { as: 'etag', from: 'header', name: 'etag' },
    ]);
    expect(create.shed).toEqual([429]);
    expect(create.thinkTimeMs).toEqual({ minMs: 200, maxMs: 200 });
    expect(checkout.steps[0]!.thinkTimeMs).toEqual({ minMs: 1000, maxMs: 1000 });
    expect(create.headers['content-type']).toBe('application/json');
    expect(JSON.parse(checkout.steps[0]!.body!)).toEqual({ userId: '{{users.id}}', sku: '{{sku}}', qty: 1 });
    expect(plan.data.users!.source).toEqual({ kind: 'csv', file: join(FIXTURES, 'users.csv'), columns: ['id', 'name', 'token'] });
    expect(plan.capacity.links['order.create']).toMatchObject({ baseline: 10_000 });
    expect(plan.capacity.links['order.create']!.rps).toBeUndefined();
    expect(plan.shadow).toEqual({ enabled: true, secretEnv: 'PEAKDRILL_SHADOW_SECRET', coverageFloor: 1, preflightRequests: 3 });
    expect(plan.abort).toHaveLength(5);
    expect(plan.isolation[0]).toMatchObject({ kind: 'http', path: '$.leaked.total', expect: { equals: 0 } });
    expect(plan.invariants[0]!.expect).toEqual({ equalsFigure: 'journeys.checkout.completed' });
    expect(create.pos).toMatchObject({ line: 44, col: 9 });
  });

  it('says SCENARIO_NOT_FOUND for a missing file and SCENARIO_EMPTY for an empty one', () => {
    expect(() => loadScenario(join(FIXTURES, 'nope.yaml'))).toThrowError(expect.objectContaining({ code: 'SCENARIO_NOT_FOUND', exitCode: 2 }) as Error);
    expect(() => loadScenario(FIXTURES)).toThrowError(expect.objectContaining({ code: 'SCENARIO_NOT_FOUND' }) as Error);
    for (const text of ['', '   \n\n', '# only a comment\n', '---\n', '~\n']) {
      expect(fail(text).code).toBe('SCENARIO_EMPTY');
    }
  });

  it('reports every problem of the acceptance example, positioned, sorted', () => {
    const err = fail(
      ['name: broken', 'targets:', '  api: "not a url"', 'load:', '  model: open', '  stages:', '    - { duration: -5s, rate: 1e12 }', '  bogusKey: 3', ''].join('\n'),
      'broken.yaml',
    );
    expect(err.code).toBe('SCENARIO_INVALID');
    const lines = err.problems.map(formatProblem);
    expect(lines).toEqual([
      expect.stringMatching(/^broken\.yaml:1:1: .*requests.*\[MISSING_KEY\]$/),
      expect.stringMatching(/^broken\.yaml:3:8: targets\.api: "not a url" is not a URL.*\[BAD_URL\]$/),
      expect.stringMatching(/^broken\.yaml:7:19: .*-5s.* negative.*\[BAD_DURATION\]$/),
      expect.stringMatching(/^broken\.yaml:7:30: .*1,000,000,000,000 req\/s.*\[BAD_RATE\]$/),
      expect.stringMatching(/^broken\.yaml:8:3: unknown key `bogusKey` in load.*\[UNKNOWN_KEY\]$/),
    ]);
  });

  it('positions YAML syntax errors', () => {
    const err = fail('name: x\ntargets: { a: "http://127.0.0.1"\nload: [\n', 'bad.yaml');
    expect(err.code).toBe('SCENARIO_INVALID');
    expect(err.problems.length).toBeGreaterThan(0);
    for (const p of err.problems) {
      expect(p.code).toBe('YAML_SYNTAX');
      expect(p.pos?.file).toBe('bad.yaml');
    }
    const dup = fail('name: a\nname: b\n');
    expect(dup.problems[0]).toMatchObject({ code: 'YAML_SYNTAX', message: 'YAML: key `name` appears twice in the same mapping', pos: { line: 2, col: 1 } });
    const tab = fail('name: x\n\ttargets: {}\n');
    expect(tab.problems[0]!.code).toBe('YAML_SYNTAX');
  });

  it('refuses a file that is not a mapping', () => {
    expect(fail('- a\n- b\n').problems[0]!.code).toBe('WRONG_TYPE');
    expect(fail('just text\n').problems[0]!.code).toBe('WRONG_TYPE');
  });

  it('suggests the right key for typos and misplaced keys', () => {
    const err = fail('name: x\ntargts: { a: "http://127.0.0.1" }\nrate: 5\nload: { rate: 1, duration: 1s }\nrequests: [{ url: / }]\n');
    const msgs = err.problems.map((p) => p.message);
    expect(msgs.some((m) => m.includes('did you mean `targets`'))).toBe(true);
    expect(msgs.some((m) => m.includes('`rate` belongs under `load:`'))).toBe(true);
  });

  it('resolves relative CSV paths against the scenario folder and checks the columns templates use', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-scn-'));
    writeFileSync(join(dir, 'users.csv'), 'id,name\n1,a\n');
    const base = (csv: string, tpl: string): string =>
      [
        'name: csv',
        'targets: { api: "http://127.0.0.1:1" }',
        'load: { rate: 1, duration: 1s }',
        `data: { users: { csv: ${csv} } }`,
        'journeys:',
        '  - name: j',
        '    steps:',
        `      - { name: s, url: "/u/${tpl}" }`,
        '',
      ].join('\n');
    writeFileSync(join(dir, 'ok.yaml'), base('users.csv', '{{users.id}}'));
    expect(loadScenario(join(dir, 'ok.yaml')).data.users!.source).toMatchObject({ columns: ['id', 'name'] });

    writeFileSync(join(dir, 'missing.yaml'), base('nobody.csv', '{{users.id}}'));
    const e1 = (() => {
      try {
        loadScenario(join(dir, 'missing.yaml'));
      } catch (err) {
        return err as UserError;
      }
      throw new Error('expected failure');
    })();
    expect(e1.problems).toEqual([expect.objectContaining({ code: 'CSV_NOT_FOUND', pos: { file: join(dir, 'missing.yaml'), line: 4, col: 23 } })]);

    writeFileSync(join(dir, 'column.yaml'), base('users.csv', '{{users.email}}'));
    let e2: UserError | undefined;
    try {
      loadScenario(join(dir, 'column.yaml'));
    } catch (err) {
      e2 = err as UserError;
    }
    expect(e2?.problems).toEqual([expect.objectContaining({ code: 'UNKNOWN_COLUMN', pos: expect.objectContaining({ line: 8, col: 29 }) as unknown })]);
    expect(e2?.problems[0]!.message).toContain('columns: id, name');
  });

  it('never throws anything but a UserError on binary garbage', () => {
    for (const text of ['\u0000\u0001\u0002', '\uFFFF: [', '{{{{', ']]]', '&a [*a]', '*x', '!!binary AAAA', 'a: !!int x']) {
      expect(() => parseScenario(text, 'g.yaml')).toThrowError(UserError);
    }
  });

  it('survives deep nesting', () => {
    const deep = 'name: x\njson: ' + '['.repeat(5000) + ']'.repeat(5000) + '\n';
    expect(() => parseScenario(deep, 'deep.yaml')).toThrowError(UserError);
  });

  const scenario = (requests: string[], head: string[] = []): string =>
    [...head, 'name: bomb', 'targets: { a: "http://127.0.0.1" }', 'load: { rate: 1, duration: 1s }', 'requests:', ...requests, ''].join('\n');

  it('refuses an alias bomb of many values (node visits), at the alias', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...['b', 'c', 'd', 'e'].map((l, i) => `${l}: &${l} [${Array(10).fill(`*${'abcd'[i]}`).join(', ')}]`)];
    const bomb = scenario([`  - url: /`, `    json: { ${levels.join(', ')}, x: [${Array(10).fill('*e').join(', ')}] }`]);
    const t0 = Date.now();
    const err = fail(bomb, 'bomb.yaml');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err.code).toBe('SCENARIO_INVALID');
    expect(err.problems).toEqual([expect.objectContaining({ code: 'TOO_LARGE', pos: expect.objectContaining({ file: 'bomb.yaml', line: 6 }) as unknown })]);
  });

  it('refuses an alias bomb of few aliases of one big text (bytes), at the alias that crosses the bound', () => {
    // 250 aliases of one 100 KB string: 250 node visits (far below the visit bound), 25 MB of body.
    const big = 'y'.repeat(100_000);
    const bomb = scenario([`  - url: /`, `    json: { s: &s "${big}", x: [${Array(250).fill('*s').join(', ')}] }`]);
    const err = fail(bomb, 'bytes.yaml');
    expect(err.code).toBe('SCENARIO_INVALID');
    expect(err.problems).toEqual([expect.objectContaining({ code: 'EXPANSION_TOO_LARGE', pos: expect.objectContaining({ file: 'bytes.yaml', line: 6 }) as unknown })]);
    expect(err.problems[0]!.pos!.col).toBeGreaterThan(big.length);
  });

  it('caps a request body and its headers, positioned', () => {
    const body = fail(scenario(['  - url: /', `    body: "${'b'.repeat(MAX_BODY_BYTES + 1)}"`]), 'body.yaml');
    expect(body.problems).toEqual([expect.objectContaining({ code: 'BODY_TOO_LARGE', pos: { file: 'body.yaml', line: 6, col: 11 } })]);
    const json = fail(scenario(['  - url: /', `    json: { a: "${'b'.repeat(MAX_BODY_BYTES / 2)}", b: "${'b'.repeat(MAX_BODY_BYTES / 2)}" }`]), 'json.yaml');
    expect(json.problems).toEqual([expect.objectContaining({ code: 'BODY_TOO_LARGE', pos: { file: 'json.yaml', line: 6, col: 11 } })]);
    expect(() => parseScenario(scenario(['  - url: /', `    body: "${'b'.repeat(MAX_BODY_BYTES)}"`]), 'ok.yaml')).not.toThrow();

    const half = 'h'.repeat(MAX_HEADER_BYTES / 2);
    const own = fail(scenario(['  - url: /', `    headers: { x-a: "${half}", x-b: "${half}" }`]), 'headers.yaml');
    expect(own.problems).toEqual([expect.objectContaining({ code: 'HEADERS_TOO_LARGE', pos: { file: 'headers.yaml', line: 6, col: 14 } })]);
    // http.headers are sent with every step: together with a step's own they count as one set.
    const both = fail(scenario(['  - url: /', `    headers: { x-b: "${half}" }`], ['http:', `  headers: { x-a: "${half}" }`]), 'both.yaml');
    expect(both.problems).toEqual([expect.objectContaining({ code: 'HEADERS_TOO_LARGE', pos: { file: 'both.yaml', line: 8, col: 14 } })]);
    const base = fail(scenario(['  - url: /'], ['http:', `  headers: { x-a: "${half}", x-b: "${half}" }`]), 'base.yaml');
    expect(base.problems).toEqual([expect.objectContaining({ code: 'HEADERS_TOO_LARGE', pos: { file: 'base.yaml', line: 2, col: 12 } })]);
  });

  it('refuses a file over the size limit from its size, without reading it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-big-'));
    const file = join(dir, 'big.yaml');
    // A sparse file: a read of it would allocate its whole size; stat refuses it first.
    writeFileSync(file, '');
    truncateSync(file, 64 * MAX_SCENARIO_BYTES);
    const before = process.memoryUsage().arrayBuffers;
    let err: UserError | undefined;
    try {
      loadScenario(file);
    } catch (e) {
      err = e as UserError;
    }
    expect(err?.code).toBe('SCENARIO_INVALID');
    expect(err?.problems).toEqual([expect.objectContaining({ code: 'TOO_LARGE', pos: { file, line: 1, col: 1 } })]);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(MAX_SCENARIO_BYTES);
  });
});

describe('docs/scenario.md', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../../../docs/scenario.md'), 'utf8');

  it('shows the double11 fixture, verbatim, as its complete example', () => {
    const m = /<!-- complete-example -->\n```yaml\n([\s\S]*?)```/.exec(doc);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(readFileSync(join(FIXTURES, 'double11.yaml'), 'utf8'));
  });

  it('has only examples that validate (or are fragments of one)', () => {
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((b) => b[1]!);
    const whole = blocks.filter((b) => /^name: /m.test(b) && /^targets:/m.test(b) && !b.includes('<origin'));
    expect(whole.length).toBeGreaterThanOrEqual(2);
    for (const b of whole) expect(() => parseScenario(b, join(FIXTURES, 'doc.yaml'))).not.toThrow();
  });
});
