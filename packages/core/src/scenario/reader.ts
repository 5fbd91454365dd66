// Typed reading of YAML nodes with positions. Every reader records a positioned problem and
// returns undefined instead of throwing, so one pass finds every problem in the file.

import { isAlias, isMap, isNode, isPair, isScalar, isSeq, Scalar, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Problems, Ranged } from './problems.js';
import { MAX_EXPANDED_BYTES } from './limits.js';
import { didYouMean } from './suggest.js';
import { durationProblem, fractionProblem, MAX_DURATION_MS, parseDuration, parsePercent, formatScenarioDuration } from './units.js';

/** Work bound: a scenario whose aliases multiply into more node visits than this is refused. */
const MAX_VISITS = 50_000;

/** Thrown out of the reading pass when an expansion bound is crossed: `at` is where (an alias). */
export class TooLarge extends Error {
  constructor(
    readonly bound: 'visits' | 'bytes',
    readonly at: Node | null,
  ) {
    super(`scenario expansion bound crossed: ${bound}`);
  }
}

export interface Ctx {
  readonly p: Problems;
  readonly doc: Document | undefined;
  /** The scenario text (for slicing plain scalars back to what the user typed). */
  readonly text: string;
  visits: number;
  /** Bytes of text values read so far, aliases expanded (bounded by MAX_EXPANDED_BYTES). */
  textBytes: number;
}

/** A value found in the file: its node (aliases resolved), where to point, and its dotted path. */
export interface Val {
  readonly node: Node | null;
  /** What a problem about this value points at: the value, or its key when the value is empty. */
  readonly at: Ranged | null;
  readonly path: string;
}

export function newCtx(p: Problems, doc: Document | undefined, text: string): Ctx {
  return { p, doc, text, visits: 0, textBytes: 0 };
}

export function resolve(ctx: Ctx, node: unknown): Node | null {
  if (++ctx.visits > MAX_VISITS) throw new TooLarge('visits', isNode(node) ? node : null);
  let out: Node | null = null;
  if (isAlias(node)) {
    const target = ctx.doc ? node.resolve(ctx.doc) : undefined;
    if (target === undefined) {
      ctx.p.add('YAML_ALIAS', `alias \`*${node.source}\` names no anchor defined before it`, node);
      return null;
    }
    out = target;
  } else if (isScalar(node) || isMap(node) || isSeq(node)) out = node;
  // Every read of a text value counts, so 250 aliases of one 2 MB string count 500 MB.
  if (isScalar(out) && typeof out.value === 'string') {
    ctx.textBytes += Buffer.byteLength(out.value);
    if (ctx.textBytes > MAX_EXPANDED_BYTES) throw new TooLarge('bytes', isAlias(node) ? node : out);
  }
  return out;
}

export function val(ctx: Ctx, node: unknown, path: string, fallbackAt?: Ranged | null): Val {
  const n = resolve(ctx, node);
  const at = (node as Ranged | null | undefined)?.range ? (node as Ranged) : (fallbackAt ?? null);
  return { node: n, at, path };
}

/** True when the value is absent or YAML null (`key:` or `key: ~`). */
export function isEmpty(v: Val | undefined): boolean {
  return v === undefined || v.node === null || (isScalar(v.node) && v.node.value === null);
}

function describe(v: Val): string {
  const n = v.node;
  if (n === null) return 'nothing';
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  if (isScalar(n)) {
    const x = n.value;
    if (x === null) return 'nothing';
    if (typeof x === 'string') return `the text ${JSON.stringify(x.length > 40 ? x.slice(0, 40) + '…' : x)}`;
    if (typeof x === 'number' || typeof x === 'bigint') return `the number ${String(x)}`;
    if (typeof x === 'boolean') return `\`${x}\``;
    return 'a value of another type';
  }
  return 'a value of another type';
}

export function wrongType(ctx: Ctx, v: Val, want: string): void {
  ctx.p.add('WRONG_TYPE', `${v.path} must be ${want}, got ${describe(v)}`, v.at);
}

/**
 * A value a check can be equal to: text, a finite number, true/false or null (`.inf` and `.nan`
 * would not survive the plan's trip to the workers as JSON). `emptyIsNull`: a key with nothing
 * after it means null. Undefined after a problem.
 */
export function expectedValue(ctx: Ctx, v: Val, want: string, emptyIsNull: boolean): string | number | boolean | null | undefined {
  const n = v.node;
  const x = n === null ? (emptyIsNull ? null : undefined) : isScalar(n) ? n.value : undefined;
  if (x === undefined || (x !== null && typeof x === 'object') || typeof x === 'bigint') {
    wrongType(ctx, v, want);
    return undefined;
  }
  if (typeof x === 'number' && !Number.isFinite(x)) {
    ctx.p.add('BAD_VALUE', `${v.path}: ${x} is not a value a check can be equal to (write a finite number, a string, true, false or null)`, v.at);
    return undefined;
  }
  return x as string | number | boolean | null;
}

export type Fields = Map<string, Val>;

export interface FieldSpec {
  /** Every key the mapping may hold. */
  keys: readonly string[];
  required?: readonly string[];
  /** Keys that belong elsewhere: key → where to put it, for a better message than "unknown". */
  elsewhere?: Readonly<Record<string, string>>;
  /** Extra text for a missing required key (e.g. an example). */
  example?: string;
}

/** The pairs of a mapping whose keys are plain words (a problem for every other key), in file order. */
function* plainKeyPairs(ctx: Ctx, v: Val, n: YAMLMap): Generator<{ key: string; keyNode: Ranged; item: Pair }> {
  for (const item of n.items) {
    if (!isPair(item)) continue;
    const keyNode = item.key as Node | null;
    const k = isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'boolean') {
      ctx.p.add('WRONG_TYPE', `${v.path}: keys must be plain words`, (keyNode as Ranged | null) ?? v.at);
      continue;
    }
    yield { key: String(k), keyNode: keyNode as Ranged, item };
  }
}

/**
 * Reads a mapping with a fixed set of keys: unknown keys (with "did you mean"), missing
 * required keys and non-string keys are problems. Returns undefined when it is not a mapping.
 */
export function fields(ctx: Ctx, v: Val, spec: FieldSpec): Fields | undefined {
  const n = v.node;
  if (!isMap(n)) {
    wrongType(ctx, v, 'a mapping');
    return undefined;
  }
  const out: Fields = new Map();
  for (const { key, keyNode, item } of plainKeyPairs(ctx, v, n)) {
    const path = v.path === '' ? key : `${v.path}.${key}`;
    if (!spec.keys.includes(key)) {
      const hint = spec.elsewhere?.[key];
      const msg = hint
        ? `unknown key \`${key}\` in ${v.path || 'the scenario'}: ${hint}`
        : `unknown key \`${key}\` in ${v.path || 'the scenario'}${didYouMean(key, spec.keys)}; known keys: ${spec.keys.join(', ')}`;
      ctx.p.add('UNKNOWN_KEY', msg, keyNode as Ranged);
      continue;
    }
    out.set(key, val(ctx, item.value, path, keyNode as Ranged));
  }
  for (const r of spec.required ?? []) {
    if (!out.has(r) || isEmpty(out.get(r))) {
      const at = out.get(r)?.at ?? v.at;
      ctx.p.add('MISSING_KEY', `${v.path || 'the scenario'} needs \`${r}\`${spec.example ? ` (${spec.example})` : ''}`, at);
    }
  }
  return out;
}

/** A mapping with free-form keys (headers, targets, captures): entries in file order. */
export function entries(ctx: Ctx, v: Val): { key: string; keyAt: Ranged | null; value: Val }[] | undefined {
  const n = v.node;
  if (!isMap(n)) {
    wrongType(ctx, v, 'a mapping');
    return undefined;
  }
  const out: { key: string; keyAt: Ranged | null; value: Val }[] = [];
  for (const { key, keyNode, item } of plainKeyPairs(ctx, v, n)) {
    out.push({ key, keyAt: keyNode as Ranged, value: val(ctx, item.value, `${v.path}.${key}`, keyNode as Ranged) });
  }
  return out;
}

/** A list; a single non-list value is accepted as a one-item list when `single` is set. */
export function list(ctx: Ctx, v: Val, opts: { single?: boolean } = {}): Val[] | undefined {
  const n = v.node;
  if (isSeq(n)) return n.items.map((item, i) => val(ctx, item, `${v.path}[${i}]`, v.at));
  if (opts.single && n !== null && !isEmpty(v)) return [v];
  wrongType(ctx, v, 'a list');
  return undefined;
}

/** The scalar text as the user typed it (so `1.10` stays `1.10`, not 1.1). */
function sourceText(ctx: Ctx, s: Scalar): string {
  if (s.type === Scalar.PLAIN && s.range) return ctx.text.slice(s.range[0], s.range[1]);
  return String(s.value);
}

export function str(ctx: Ctx, v: Val, opts: { nonEmpty?: boolean; pattern?: RegExp; patternHelp?: string; want?: string } = {}): string | undefined {
  const n = v.node;
  if (!isScalar(n) || n.value === null || typeof n.value === 'object') {
    wrongType(ctx, v, opts.want ?? 'text');
    return undefined;
  }
  const s = typeof n.value === 'string' ? n.value : sourceText(ctx, n);
  if (opts.nonEmpty && s.trim() === '') {
    ctx.p.add('EMPTY_VALUE', `${v.path} must not be empty`, v.at);
    return undefined;
  }
  if (opts.pattern && !opts.pattern.test(s)) {
    ctx.p.add('BAD_VALUE', `${v.path}: ${JSON.stringify(s)} ${opts.patternHelp ?? `does not match ${opts.pattern}`}`, v.at);
    return undefined;
  }
  return s;
}

export function bool(ctx: Ctx, v: Val): boolean | undefined {
  const n = v.node;
  if (isScalar(n) && typeof n.value === 'boolean') return n.value;
  wrongType(ctx, v, '`true` or `false`');
  return undefined;
}

export function num(ctx: Ctx, v: Val, opts: { min?: number; max?: number; int?: boolean; above?: number; what?: string } = {}): number | undefined {
  const n = v.node;
  let x: number | undefined;
  if (isScalar(n)) {
    if (typeof n.value === 'number') x = n.value;
    else if (typeof n.value === 'bigint') x = Number(n.value);
    else if (typeof n.value === 'string' && /^\s*-?(\d+(\.\d+)?|\.\d+)(e[+-]?\d+)?\s*$/i.test(n.value)) x = Number(n.value);
  }
  if (x === undefined) {
    wrongType(ctx, v, opts.int ? 'a whole number' : 'a number');
    return undefined;
  }
  const what = opts.what ?? v.path;
  if (!Number.isFinite(x)) {
    ctx.p.add('OUT_OF_RANGE', `${what}: ${x} is not a finite number`, v.at);
    return undefined;
  }
  if (opts.int && !Number.isInteger(x)) {
    ctx.p.add('WRONG_TYPE', `${what} must be a whole number, got ${x}`, v.at);
    return undefined;
  }
  if (opts.above !== undefined && !(x > opts.above)) {
    ctx.p.add('OUT_OF_RANGE', `${what} must be more than ${opts.above}, got ${x}`, v.at);
    return undefined;
  }
  if ((opts.min !== undefined && x < opts.min) || (opts.max !== undefined && x > opts.max)) {
    const range = opts.min !== undefined && opts.max !== undefined ? `between ${fmt(opts.min)} and ${fmt(opts.max)}` : opts.min !== undefined ? `at least ${fmt(opts.min)}` : `at most ${fmt(opts.max!)}`;
    ctx.p.add('OUT_OF_RANGE', `${what} must be ${range}, got ${fmt(x)}`, v.at);
    return undefined;
  }
  return x;
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e21 || (Math.abs(x) < 1e-6 && x !== 0) ? String(x) : x.toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/** A duration (`250ms`, `1.5s`, `2m`, `1h`) in ms; `zero` allows 0; at most `max` (default 24h). */
export function duration(ctx: Ctx, v: Val, opts: { zero?: boolean; max?: number } = {}): number | undefined {
  const n = v.node;
  let text: string | undefined;
  if (isScalar(n)) {
    if (typeof n.value === 'string') text = n.value;
    else if (typeof n.value === 'number') {
      if (n.value === 0) text = '0';
      else {
        ctx.p.add('BAD_DURATION', `${v.path}: \`${sourceText(ctx, n)}\` has no unit; write \`${sourceText(ctx, n)}ms\` or \`${sourceText(ctx, n)}s\``, v.at);
        return undefined;
      }
    }
  }
  if (text === undefined) {
    wrongType(ctx, v, 'a duration such as `250ms`, `10s` or `2m`');
    return undefined;
  }
  const problem = durationProblem(text);
  if (problem !== undefined) {
    ctx.p.add('BAD_DURATION', `${v.path}: ${problem}`, v.at);
    return undefined;
  }
  const ms = parseDuration(text);
  if (ms === 0 && !opts.zero) {
    ctx.p.add('BAD_DURATION', `${v.path} must be more than 0`, v.at);
    return undefined;
  }
  const max = opts.max ?? MAX_DURATION_MS;
  if (ms > max) {
    ctx.p.add('BAD_DURATION', `${v.path}: \`${text}\` is longer than the ${formatScenarioDuration(max)} allowed`, v.at);
    return undefined;
  }
  return ms;
}

/** A percentage (`0.1%`) or a fraction (`0.001`), as a fraction. */
export function fraction(ctx: Ctx, v: Val): number | undefined {
  const n = v.node;
  if (!isScalar(n) || (typeof n.value !== 'string' && typeof n.value !== 'number')) {
    wrongType(ctx, v, 'a percentage such as `0.1%`');
    return undefined;
  }
  const problem = fractionProblem(n.value);
  if (problem !== undefined) {
    ctx.p.add('BAD_PERCENT', `${v.path}: ${problem}`, v.at);
    return undefined;
  }
  return parsePercent(n.value);
}

/** Offset in the file of `needle` inside a string scalar, for pointing into templates. */
export function offsetWithin(ctx: Ctx, v: Val, needle: string): number | undefined {
  const r = v.node?.range;
  if (!r) return undefined;
  const i = ctx.text.slice(r[0], r[1]).indexOf(needle);
  return i < 0 ? undefined : r[0] + i;
}

/**
 * Sets an own property even for keys such as `__proto__`: records keyed by what a user typed
 * (headers, targets, feeders, links) must never reach the prototype.
 */
export function put<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
