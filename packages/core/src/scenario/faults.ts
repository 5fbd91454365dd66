// `faults:` — faults on the drill's timeline. Each is injected `at:` a time after second 0
// and undone `for:` later, through one of:
//   http:    { inject: { url, target?, method?, headers?, json?|body? }, undo: { ... } }
//   command: { inject: [argv...], undo: [argv...], timeout: 30s }   (no shell unless you ask for one)
//   proxy:   { target: NAME, latency: 200ms, bandwidth: 64kB/s, reset: 10%, blackhole: true }
// and may name the contingency `plan:` it exercises and a `recovery: { within: 10s, links }`
// budget. Every URL joins the allowlist check like any other URL of the scenario.

import { isScalar, isSeq } from 'yaml';
import type { Fault, FaultAction, FaultCall, ProxyEffect, RecoveryBudget } from '../plan.js';
import { urlProblem } from './allowlist.js';
import type { UrlUse } from './post-checks.js';
import type { Ranged } from './problems.js';
import { bool, duration, entries, fields, fraction, isEmpty, list, put, str, type Ctx, type Val } from './reader.js';
import { didYouMean } from './suggest.js';
import { resolveTargetUrl } from './target-url.js';
import { formatScenarioDuration } from './units.js';
import { formatMs, formatRatio } from '../verdict/figures.js';

const FAULT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const KINDS = ['http', 'command', 'proxy'] as const;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
/** The slowest and fastest bandwidth cap worth asking for: 1 byte/s .. 10 GB/s. */
const MAX_BANDWIDTH_BPS = 10e9;

const SIZE_UNIT: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** `64kB/s`, `1MB/s`, `500B/s`, `2MiB/s`, or a number of bytes per second. */
export function parseBandwidth(v: string | number): { bps: number } | { problem: string } {
  if (typeof v === 'number') return v > 0 && Number.isFinite(v) ? { bps: v } : { problem: `${v} is not a positive number of bytes per second` };
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)\s*\/\s*s\s*$/i.exec(v);
  if (!m) return { problem: `\`${v}\` is not a bandwidth; write e.g. \`64kB/s\`, \`1MB/s\` or \`500B/s\`` };
  const bps = Number(m[1]) * SIZE_UNIT[m[2]!.toLowerCase()]!;
  if (!(bps >= 1) || bps > MAX_BANDWIDTH_BPS) return { problem: `\`${v}\` must be between 1 B/s and 10 GB/s` };
  return { bps };
}

export interface FaultRefs {
  links: ReadonlyMap<string, Ranged | null>;
  targets: Readonly<Record<string, string>>;
  targetNames: readonly string[] | undefined;
  /** Planned length of the drill, when the load section was valid. */
  drillMs: number | undefined;
}

export function readFaults(ctx: Ctx, v: Val, refs: FaultRefs, urls: UrlUse[]): Fault[] {
  const out: Fault[] = [];
  const names = new Set<string>();
  const proxyWindows: { target: string; name: string; from: number; to: number }[] = [];
  for (const item of list(ctx, v) ?? []) {
    const f = fields(ctx, item, {
      keys: ['name', 'at', 'for', 'plan', 'recovery', ...KINDS],
      required: ['name', 'at', 'for'],
      example: 'e.g. `{ name: slow-inventory, at: 20s, for: 10s, http: { inject: {...}, undo: {...} } }`',
      elsewhere: { duration: 'how long a fault lasts is `for:`', start: 'when a fault starts is `at:`', url: '`url:` goes inside `http.inject` / `http.undo`', within: '`within:` goes inside `recovery:`' },
    });
    if (!f) continue;
    const get = (k: string): Val | undefined => (f.has(k) && !isEmpty(f.get(k)) ? f.get(k) : undefined);
    const nameV = get('name');
    const name = nameV ? str(ctx, nameV, { pattern: FAULT_NAME, patternHelp: 'must be a word (letters, digits, `.`, `_`, `-`)' }) : undefined;
    if (name !== undefined && names.has(name)) ctx.p.add('DUPLICATE', `${nameV!.path}: fault \`${name}\` is named twice`, nameV!.at);
    if (name !== undefined) names.add(name);
    const atMs = get('at') ? duration(ctx, get('at')!, { zero: true }) : undefined;
    const forMs = get('for') ? duration(ctx, get('for')!) : undefined;
    if (atMs !== undefined && forMs !== undefined && refs.drillMs !== undefined && atMs + forMs > refs.drillMs) {
      ctx.p.add('OUT_OF_RANGE', `${item.path}: the fault ends ${formatScenarioDuration(atMs + forMs)} into the drill, after its planned ${formatScenarioDuration(refs.drillMs)}: start it earlier or make it shorter, so it is undone while traffic still flows`, get('for')!.at);
    }
    const plan = get('plan') ? str(ctx, get('plan')!, { nonEmpty: true }) : undefined;
    const recovery = get('recovery') ? readRecovery(ctx, get('recovery')!, refs.links) : undefined;

    const given = KINDS.filter((k) => get(k) !== undefined);
    if (given.length !== 1) {
      ctx.p.add(given.length === 0 ? 'MISSING_KEY' : 'CONFLICT', `${item.path} needs exactly one way to inject the fault: \`http:\`, \`command:\` or \`proxy:\`${given.length > 1 ? ` (got ${given.join(' and ')})` : ''}`, item.at);
      continue;
    }
    const kind = given[0]!;
    const body = get(kind)!;
    let action: FaultAction | undefined;
    if (kind === 'http') action = readHttpAction(ctx, body, refs, urls, name);
    else if (kind === 'command') action = readCommandAction(ctx, body);
    else action = readProxyAction(ctx, body, refs);
    if (action?.kind === 'proxy' && atMs !== undefined && forMs !== undefined && name !== undefined) {
      const clash = proxyWindows.find((w) => w.target === action.target && w.from < atMs + forMs && atMs < w.to);
      if (clash) ctx.p.add('CONFLICT', `${item.path}: fault \`${name}\` overlaps fault \`${clash.name}\` on the proxy of target \`${action.target}\`; one proxy fault at a time per target`, get('at')!.at);
      proxyWindows.push({ target: action.target, name, from: atMs, to: atMs + forMs });
    }
    if (name === undefined || atMs === undefined || forMs === undefined || action === undefined) continue;
    const fault: Fault = { name, atMs, forMs, action };
    if (plan !== undefined) fault.plan = plan;
    if (recovery !== undefined) fault.recovery = recovery;
    out.push(fault);
  }
  return out;
}

function readRecovery(ctx: Ctx, v: Val, links: ReadonlyMap<string, Ranged | null>): RecoveryBudget | undefined {
  const f = fields(ctx, v, { keys: ['within', 'links'], required: ['within'], example: 'e.g. `recovery: { within: 10s }`' });
  if (!f) return undefined;
  const w = f.get('within');
  const withinMs = w && !isEmpty(w) ? duration(ctx, w) : undefined;
  let picked: string[] | undefined;
  const lv = f.get('links');
  if (lv && !isEmpty(lv)) {
    picked = [];
    for (const item of list(ctx, lv, { single: true }) ?? []) {
      const s = str(ctx, item, { want: 'a link (step) name' });
      if (s === undefined) continue;
      if (!links.has(s)) ctx.p.add('UNKNOWN_LINK', `${item.path}: no step named \`${s}\`${didYouMean(s, links.keys())}; links: ${[...links.keys()].join(', ') || '(none)'}`, item.at);
      else picked.push(s);
    }
  }
  if (withinMs === undefined) return undefined;
  return picked !== undefined ? { withinMs, links: picked } : { withinMs };
}

function readHttpAction(ctx: Ctx, v: Val, refs: FaultRefs, urls: UrlUse[], name: string | undefined): FaultAction | undefined {
  const f = fields(ctx, v, { keys: ['inject', 'undo'], required: ['inject'] });
  if (!f) return undefined;
  const inject = f.get('inject') && !isEmpty(f.get('inject')) ? readCall(ctx, f.get('inject')!, refs, urls, `fault \`${name ?? '?'}\` (inject)`) : undefined;
  const undoV = f.get('undo');
  const undo = undoV && !isEmpty(undoV) ? readCall(ctx, undoV, refs, urls, `fault \`${name ?? '?'}\` (undo)`) : undefined;
  if (inject === undefined || (undoV && !isEmpty(undoV) && undo === undefined)) return undefined;
  return undo !== undefined ? { kind: 'http', inject, undo } : { kind: 'http', inject };
}

function readCall(ctx: Ctx, v: Val, refs: FaultRefs, urls: UrlUse[], what: string): FaultCall | undefined {
  const f = fields(ctx, v, { keys: ['url', 'target', 'method', 'headers', 'json', 'body'], required: ['url'] });
  if (!f) return undefined;
  const get = (k: string): Val | undefined => (f.has(k) && !isEmpty(f.get(k)) ? f.get(k) : undefined);
  let ok = true;
  const target = get('target') ? str(ctx, get('target')!) : undefined;
  let url = get('url') ? str(ctx, get('url')!) : undefined;
  if (url !== undefined) {
    const r = resolveTargetUrl(url, target, refs.targets);
    const p = 'problem' in r ? r.problem : urlProblem(r.url);
    if (p !== undefined) {
      ctx.p.add('BAD_URL', `${get('url')!.path}: ${p}`, get('url')!.at);
      url = undefined;
    } else {
      url = (r as { url: string }).url;
      urls.push({ url, what, at: get('url')!.at });
    }
  }
  let method = 'POST';
  if (get('method')) {
    const m = str(ctx, get('method')!);
    if (m !== undefined && !METHODS.includes(m.toUpperCase())) {
      ctx.p.add('BAD_VALUE', `${get('method')!.path}: \`${m}\` is not one of ${METHODS.join(', ')}`, get('method')!.at);
      ok = false;
    } else if (m !== undefined) method = m.toUpperCase();
  }
  const headers: Record<string, string> = {};
  if (get('headers')) {
    for (const e of entries(ctx, get('headers')!) ?? []) {
      const s = str(ctx, e.value, { want: 'a header value (text)' });
      if (s !== undefined) put(headers, e.key.toLowerCase(), s);
    }
  }
  if (get('json') && get('body')) {
    ctx.p.add('CONFLICT', `${v.path}: give \`json:\` or \`body:\`, not both`, get('body')!.at);
    return undefined;
  }
  let body: string | undefined;
  if (get('json')) {
    body = JSON.stringify(get('json')!.node?.toJSON());
    headers['content-type'] ??= 'application/json';
  } else if (get('body')) body = str(ctx, get('body')!);
  if (!ok || url === undefined) return undefined;
  const call: FaultCall = { method, url, headers };
  if (body !== undefined) call.body = body;
  return call;
}

function readArgv(ctx: Ctx, v: Val): string[] | undefined {
  if (isScalar(v.node) && typeof v.node.value === 'string') {
    ctx.p.add('WRONG_TYPE', `${v.path} is a list of arguments, run without a shell: write \`["sh", "-c", ${JSON.stringify(v.node.value)}]\` to use one`, v.at);
    return undefined;
  }
  if (!isSeq(v.node)) {
    ctx.p.add('WRONG_TYPE', `${v.path} must be a list of arguments such as \`["pg_ctl", "stop"]\``, v.at);
    return undefined;
  }
  const argv: string[] = [];
  for (const item of list(ctx, v) ?? []) {
    const s = str(ctx, item, { want: 'an argument (text)' });
    if (s === undefined) return undefined;
    argv.push(s);
  }
  if (argv.length === 0 || argv[0] === '') {
    ctx.p.add('MISSING_KEY', `${v.path} needs at least the program to run`, v.at);
    return undefined;
  }
  return argv;
}

function readCommandAction(ctx: Ctx, v: Val): FaultAction | undefined {
  const f = fields(ctx, v, { keys: ['inject', 'undo', 'timeout'], required: ['inject'] });
  if (!f) return undefined;
  const injectV = f.get('inject');
  const inject = injectV && !isEmpty(injectV) ? readArgv(ctx, injectV) : undefined;
  const undoV = f.get('undo');
  const undo = undoV && !isEmpty(undoV) ? readArgv(ctx, undoV) : undefined;
  const tV = f.get('timeout');
  const timeoutMs = tV && !isEmpty(tV) ? duration(ctx, tV, { max: 600_000 }) : DEFAULT_COMMAND_TIMEOUT_MS;
  if (inject === undefined || timeoutMs === undefined || (undoV && !isEmpty(undoV) && undo === undefined)) return undefined;
  return undo !== undefined ? { kind: 'command', inject, undo, timeoutMs } : { kind: 'command', inject, timeoutMs };
}

function readProxyAction(ctx: Ctx, v: Val, refs: FaultRefs): FaultAction | undefined {
  const f = fields(ctx, v, { keys: ['target', 'latency', 'bandwidth', 'reset', 'blackhole'], required: ['target'] });
  if (!f) return undefined;
  const get = (k: string): Val | undefined => (f.has(k) && !isEmpty(f.get(k)) ? f.get(k) : undefined);
  const tV = get('target');
  let target = tV ? str(ctx, tV) : undefined;
  if (target !== undefined && refs.targetNames !== undefined && !refs.targetNames.includes(target)) {
    ctx.p.add('UNKNOWN_TARGET', `${tV!.path}: no target named \`${target}\`${didYouMean(target, refs.targetNames)}; targets: ${refs.targetNames.join(', ') || '(none)'}`, tV!.at);
    target = undefined; // the effects are still checked, so every problem shows at once
  }
  const effect: ProxyEffect = {};
  if (get('latency')) {
    const ms = duration(ctx, get('latency')!, { max: 600_000 });
    if (ms !== undefined) effect.latencyMs = ms;
  }
  if (get('bandwidth')) {
    const bv = get('bandwidth')!;
    const raw = isScalar(bv.node) && (typeof bv.node.value === 'string' || typeof bv.node.value === 'number') ? bv.node.value : undefined;
    const r = raw === undefined ? { problem: 'must be a bandwidth such as `64kB/s`' } : parseBandwidth(raw);
    if ('problem' in r) ctx.p.add('BAD_VALUE', `${bv.path}: ${r.problem}`, bv.at);
    else effect.bandwidthBps = r.bps;
  }
  if (get('reset')) {
    const share = fraction(ctx, get('reset')!);
    if (share !== undefined) effect.resetShare = share;
  }
  if (get('blackhole')) {
    const b = bool(ctx, get('blackhole')!);
    if (b) effect.blackhole = true;
  }
  if (Object.keys(effect).length === 0) {
    // an effect that was given but is wrong is already a problem of its own
    if (['latency', 'bandwidth', 'reset', 'blackhole'].some((k) => get(k) !== undefined && k !== 'blackhole')) return undefined;
    ctx.p.add('MISSING_KEY', `${v.path} needs what the proxy does: \`latency:\`, \`bandwidth:\`, \`reset:\` or \`blackhole: true\``, v.at);
    return undefined;
  }
  if (target === undefined) return undefined;
  return { kind: 'proxy', target, effect };
}

/** What a fault does, in words, for the run files, the terminal and the charts. */
export function describeFault(fault: Fault): string {
  const a = fault.action;
  if (a.kind === 'http') return `${a.inject.method} ${a.inject.url}${a.undo ? `, undone by ${a.undo.method} ${a.undo.url}` : ''}`;
  if (a.kind === 'command') return `runs ${a.inject.join(' ')}${a.undo ? `, undone by ${a.undo.join(' ')}` : ''}`;
  const e = a.effect;
  const parts: string[] = [];
  if (e.latencyMs !== undefined) parts.push(`+${formatMs(e.latencyMs)} latency`);
  if (e.bandwidthBps !== undefined) parts.push(`bandwidth capped at ${Math.round(e.bandwidthBps).toLocaleString('en-US')} B/s`);
  if (e.resetShare !== undefined) parts.push(`${formatRatio(e.resetShare)} of connections reset`);
  if (e.blackhole) parts.push('blackhole (nothing answers)');
  return `proxy in front of target ${a.target}: ${parts.join(', ')}`;
}
