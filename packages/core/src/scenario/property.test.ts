// Property: whatever a person (or a fuzzer) writes, parseScenario returns a valid Plan or
// throws a UserError whose problems are positioned — never another exception, never a hang.
// Valid scenarios are mutated structurally (deleted keys, wrong types, huge numbers, random
// unicode, deep nesting) and textually (garbage bytes, cut and duplicated slices).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { UserError } from '../errors.js';
import type { Plan } from '../plan.js';
import { parseJsonPath } from './jsonpath.js';
import { parseScenario } from './load.js';
import { parseTemplate } from './template.js';
import { MAX_DURATION_MS, MAX_RATE } from './units.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const SEEDS = ['double11.yaml', 'smoke.yaml', 'flash-sale.yaml', 'closed.yaml'].map((f) => readFileSync(join(FIXTURES, f), 'utf8'));
// The fixtures refer to users.csv next to them: parse as if the file lived there.
const FILE = join(FIXTURES, 'prop.yaml');
/** One parse may take this long at most (a generous bound: typical is well under 10 ms). */
const MAX_MS = 2000;

function checkPlan(plan: Plan): void {
  expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  expect(plan.name).toMatch(/^[A-Za-z0-9._-]+$/);
  expect(plan.journeys.length).toBeGreaterThan(0);
  expect(plan.load.stages.length).toBeGreaterThan(0);
  let total = 0;
  for (const s of plan.load.stages) {
    expect(Number.isFinite(s.durationMs) && s.durationMs > 0).toBe(true);
    expect(Number.isFinite(s.target) && s.target >= 0 && s.target <= MAX_RATE * 10).toBe(true);
    total += s.durationMs;
  }
  expect(total).toBeLessThanOrEqual(MAX_DURATION_MS);
  if (plan.load.model === 'open') expect(plan.load.stages.every((s) => s.target <= MAX_RATE)).toBe(true);
  const links = new Set<string>();
  for (const j of plan.journeys) {
    expect(j.weight).toBeGreaterThan(0);
    expect(j.steps.length).toBeGreaterThan(0);
    for (const s of j.steps) {
      expect(links.has(s.name)).toBe(false);
      links.add(s.name);
      expect(Object.hasOwn(plan.targets, s.target)).toBe(true);
      parseTemplate(s.path);
      for (const v of Object.values(s.headers)) parseTemplate(v);
      if (s.body !== undefined) parseTemplate(s.body);
      for (const c of s.captures) if (c.from === 'json') parseJsonPath(c.path);
    }
  }
  for (const name of Object.keys(plan.capacity.links)) expect(links.has(name)).toBe(true);
  expect(plan.http.connections).toBeGreaterThanOrEqual(1);
  expect(plan.http.connections).toBeLessThanOrEqual(10_000);
}

function checkOutcome(text: string): 'plan' | 'problems' {
  const t0 = performance.now();
  let outcome: 'plan' | 'problems';
  try {
    checkPlan(parseScenario(text, FILE));
    outcome = 'plan';
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    expect(err.exitCode).toBe(2);
    expect(err.problems.length).toBeGreaterThan(0);
    for (const p of err.problems) {
      if (p.code === 'TOO_MANY_PROBLEMS') continue;
      expect(p.pos, `${p.code}: ${p.message}`).toBeDefined();
      expect(p.pos!.file).toBe(FILE);
      expect(p.pos!.line).toBeGreaterThanOrEqual(1);
      expect(p.pos!.col).toBeGreaterThanOrEqual(1);
      expect(p.message.length).toBeGreaterThan(0);
    }
    outcome = 'problems';
  }
  expect(performance.now() - t0).toBeLessThan(MAX_MS);
  return outcome;
}

// ---- structural mutations on the parsed scenario ----

type Json = unknown;
type PathSeg = string | number;

function allPaths(v: Json, prefix: PathSeg[] = [], out: PathSeg[][] = []): PathSeg[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => allPaths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) allPaths(x, [...prefix, k], out);
  return out;
}

function nested(depth: number, leaf: Json, asArray: boolean): Json {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

const weird: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(1e12, -5, -1, 0, 1e308, -1e308, Infinity, -Infinity, NaN, 2 ** 53 + 2, 0.5, '1e12', '-5s', '25h', '0s', '', ' ', '{{', '}}', '{{nope}}', '$..x', 'not a url', 'http://10.0.0.1', null, true, false, [], {}),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.double(),
  fc.integer(),
  fc.anything({ maxDepth: 3, maxKeys: 5 }),
  fc.tuple(fc.integer({ min: 1, max: 60 }), fc.boolean()).map(([d, a]) => nested(d, 'x', a)),
);

const mutation = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), pick: fc.nat(), value: weird }),
  fc.record({ op: fc.constant('addKey' as const), pick: fc.nat(), key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('rate', 'vus', 'stages', 'url', 'json', '__proto__', 'constructor', 'when')), value: weird }),
);

function applyMutation(doc: Json, m: fc.Arbitrary<unknown> extends never ? never : { op: 'delete' | 'replace' | 'addKey'; pick: number; value?: Json; key?: string }): Json {
  const paths = allPaths(doc);
  const path = paths[m.pick % paths.length]!;
  if (path.length === 0) return m.op === 'replace' ? m.value : doc;
  const parent = path.slice(0, -1).reduce<Json>((v, seg) => (v as Record<string | number, Json>)[seg], doc) as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else if (m.op === 'replace') parent[last] = m.value;
  else {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, m.key!, { value: m.value, enumerable: true, writable: true, configurable: true });
    else parent[last] = { [m.key!]: m.value };
  }
  return doc;
}

// ---- textual mutations ----

const textMutation = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('\u0000', '\t', '\n  - ', ': ', '&a ', '*a', '!!int ', '{', ']', '"', "'", '#', '? ', '---\n', '%YAML 1.1\n')) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ op: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
);
const deepMutation = fc.record({ op: fc.constant('deep' as const), at: fc.nat(), depth: fc.integer({ min: 50, max: 20_000 }), open: fc.constantFrom('[', '{a: ', '- ') });

type TextMutation = { op: 'insert'; at: number; text: string } | { op: 'cut'; at: number; len: number } | { op: 'dup'; at: number; len: number } | { op: 'deep'; at: number; depth: number; open: string };

function applyText(s: string, m: TextMutation): string {
  const at = s.length === 0 ? 0 : m.at % (s.length + 1);
  switch (m.op) {
    case 'insert':
      return s.slice(0, at) + m.text + s.slice(at);
    case 'cut':
      return s.slice(0, at) + s.slice(at + m.len);
    case 'dup':
      return s.slice(0, at) + s.slice(at, at + m.len) + s.slice(at);
    case 'deep': {
      const close = m.open === '[' ? ']' : m.open === '{a: ' ? '}' : '';
      return s.slice(0, at) + m.open.repeat(m.depth) + 'x' + close.repeat(m.depth) + s.slice(at);
    }
  }
}

// CPU-bound: thousands of parses per test, seconds on a quiet machine and a minute or more on a
// busy 2-core CI box running other suites beside it; three minutes each, instead of the default.
describe('property: every input is a Plan or positioned problems', { timeout: 180_000 }, () => {
  it('holds for the unmutated seeds (all valid)', () => {
    for (const s of SEEDS) expect(checkOutcome(s)).toBe('plan');
  });

  it('holds under structural mutations (deleted keys, wrong types, huge numbers, unicode, nesting)', () => {
    const outcomes = { plan: 0, problems: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SEEDS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => {
        let doc: Json = parseYaml(SEEDS[seed]!);
        for (const m of ms) doc = applyMutation(doc, m as Parameters<typeof applyMutation>[1]);
        let text: string;
        try {
          // stringify gives undefined for a document replaced by undefined: that is an empty file
          text = (stringifyYaml(doc) as string | undefined) ?? '';
        } catch {
          return; // not representable as YAML (the serializer's limit, not ours)
        }
        outcomes[checkOutcome(text)]++;
      }),
      { numRuns: 2000 },
    );
    // The generator must exercise both outcomes, or the property proves little.
    expect(outcomes.problems).toBeGreaterThan(500);
    expect(outcomes.plan).toBeGreaterThan(20);
  }, 30_000);

  it('holds under textual mutations (garbage bytes, cuts, duplicated slices, YAML syntax)', () => {
    const outcomes = { plan: 0, problems: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SEEDS.length - 1 }), fc.array(textMutation, { minLength: 1, maxLength: 3 }), (seed, ms) => {
        let text = SEEDS[seed]!;
        for (const m of ms) text = applyText(text, m as TextMutation);
        outcomes[checkOutcome(text)]++;
      }),
      { numRuns: 1500 },
    );
    expect(outcomes.problems).toBeGreaterThan(300);
  }, 30_000);

  it('holds for deep nesting anywhere in the file (up to 20,000 levels)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SEEDS.length - 1 }), deepMutation, (seed, m) => {
        checkOutcome(applyText(SEEDS[seed]!, m));
      }),
      { numRuns: 60 },
    );
  }, 30_000);

  it('holds for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        checkOutcome(text);
      }),
      { numRuns: 500 },
    );
  }, 30_000);
});
