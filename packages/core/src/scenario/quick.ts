// Quick mode: `peakdrill run --url URL ...` without a scenario file becomes a one-link plan.
// Same Plan as a scenario, so the engine has one input.

import type { Budget, LoadModel, Plan, Step } from '../plan.js';
import { checkAllowlist, allowEntryProblem, urlProblem } from './allowlist.js';
import { scanBudget } from './budget.js';
import { DEFAULT_HTTP, DEFAULT_MAX_IN_FLIGHT, DEFAULT_SHADOW, HTTP_METHOD, MAX_CONNECTIONS } from './defaults.js';
import { Problems } from './problems.js';
import { headerBytes, kib, MAX_BODY_BYTES, MAX_HEADER_BYTES } from './limits.js';
import { put } from './reader.js';
import { scanTemplate, checkTemplateNames } from './template.js';
import { MAX_DURATION_MS, rateProblem } from './units.js';

export interface QuickOptions {
  url: string;
  method?: string;
  /** `"Name: value"` each. */
  headers?: string[];
  body?: string;
  /** Open model at this arrival rate (req/s). Exactly one of `rate` and `connections`. */
  rate?: number;
  /** Closed model: this many virtual users (and connections), no think time. */
  connections?: number;
  durationMs: number;
  /** `p99<250ms`, `errors<0.1%`, ... (see parseBudget). */
  budgets?: string[];
  /** Throughput target of the link, req/s. */
  targetRps?: number;
  timeoutMs?: number;
  /** Hosts besides loopback that may be drilled. */
  allow?: string[];
  /** Statuses counted as shed, not errors (a scenario step's `shed:`); none by default. */
  shed?: readonly number[];
}

/**
 * The plan of a quick run: target `default`, one journey with one step named
 * `METHOD /path`. Throws UserError `QUICK_INVALID` with every problem of the flags, or
 * `TARGET_NOT_ALLOWED` when the URL is not loopback and not in `allow`.
 *
 * Shadow tags are sent (tagging stays on), but preflight and the coverage floor are off: a
 * quick run targets any server, which does not acknowledge tags.
 */
export function quickPlan(opts: QuickOptions): Plan {
  const p = new Problems(undefined);
  const urlP = urlProblem(opts.url);
  let base = 'http://127.0.0.1';
  let path = '/';
  let pathname = '/';
  if (urlP !== undefined) p.add('BAD_URL', `--url: ${urlP}`);
  else {
    const u = new URL(opts.url);
    base = u.origin;
    // The path as typed (so `{{random.int 1 9}}` survives instead of being percent-encoded).
    const afterScheme = opts.url.slice(opts.url.indexOf('//') + 2);
    const slash = afterScheme.search(/[/?]/);
    path = slash < 0 ? '/' : afterScheme.slice(slash).replace(/#.*$/, '');
    if (!path.startsWith('/')) path = '/' + path;
    pathname = path.replace(/\?.*$/, '') || '/';
  }
  const method = (opts.method ?? 'GET').toUpperCase();
  if (!HTTP_METHOD.test(method)) p.add('BAD_FLAG', `--method: \`${opts.method}\` is not an HTTP method`);

  const headers: Record<string, string> = {};
  for (const h of opts.headers ?? []) {
    const i = h.indexOf(':');
    const name = i < 0 ? '' : h.slice(0, i).trim();
    if (i < 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      p.add('BAD_FLAG', `--header: \`${h}\` is not \`Name: value\``);
      continue;
    }
    put(headers, name, h.slice(i + 1).trim());
  }

  const scope = { vars: new Set<string>(), feeders: new Map<string, string[]>(), closedModel: opts.rate === undefined };
  const checkTemplate = (flag: string, s: string): void => {
    const { parts, problems } = scanTemplate(s);
    for (const t of problems) p.add(t.code, `${flag}: ${t.message}`);
    for (const t of checkTemplateNames(parts, scope)) p.add(t.code, `${flag}: ${t.message}`);
  };
  checkTemplate('--url', path);
  for (const [k, v] of Object.entries(headers)) checkTemplate(`--header ${k}`, v);
  if (opts.body !== undefined) checkTemplate('--body', opts.body);
  if (headerBytes(headers) > MAX_HEADER_BYTES) p.add('HEADERS_TOO_LARGE', `--header: ${headerBytes(headers)} bytes of headers; a request's headers may be at most ${kib(MAX_HEADER_BYTES)}`);
  if (opts.body !== undefined && Buffer.byteLength(opts.body) > MAX_BODY_BYTES) p.add('BODY_TOO_LARGE', `--body: ${Buffer.byteLength(opts.body)} bytes; a request body may be at most ${kib(MAX_BODY_BYTES)}`);

  if (!Number.isFinite(opts.durationMs) || opts.durationMs <= 0 || opts.durationMs > MAX_DURATION_MS) {
    p.add('BAD_DURATION', `--duration must be more than 0 and at most 24h, got ${opts.durationMs}ms`);
  }
  const hasRate = opts.rate !== undefined;
  const hasConn = opts.connections !== undefined;
  if (hasRate === hasConn) p.add('BAD_FLAG', 'give exactly one of --rate (open model: arrivals per second) and --connections (closed model: concurrent users)');
  if (hasRate) {
    const r = rateProblem(opts.rate!);
    if (r !== undefined) p.add('BAD_RATE', `--rate: ${r}`);
    else if (opts.rate === 0) p.add('BAD_RATE', '--rate must be more than 0');
  }
  if (hasConn && (!Number.isInteger(opts.connections) || opts.connections! < 1 || opts.connections! > MAX_CONNECTIONS)) {
    p.add('OUT_OF_RANGE', `--connections must be a whole number from 1 to ${MAX_CONNECTIONS}, got ${opts.connections}`);
  }
  if (opts.timeoutMs !== undefined && (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0 || opts.timeoutMs > MAX_DURATION_MS)) {
    p.add('BAD_DURATION', `--timeout must be more than 0, got ${opts.timeoutMs}ms`);
  }
  const budgets: Budget[] = [];
  for (const b of opts.budgets ?? []) {
    const r = scanBudget(b);
    if ('problem' in r) p.add('BAD_BUDGET', `--budget: ${r.problem}`);
    else budgets.push(r.budget);
  }
  if (opts.targetRps !== undefined && (!Number.isFinite(opts.targetRps) || opts.targetRps <= 0 || rateProblem(opts.targetRps) !== undefined)) {
    p.add('BAD_RATE', `--target-rps must be a rate above 0, got ${opts.targetRps}`);
  }
  for (const a of opts.allow ?? []) {
    const problem = allowEntryProblem(a);
    if (problem !== undefined) p.add('BAD_FLAG', `--allow: ${problem}`);
  }
  p.throwIfAny('QUICK_INVALID', 'quick run');

  const name = `${method} ${pathname}`.replace(/[,()\u0000-\u001f\u007f]/g, '_').slice(0, 200);
  const step: Step = {
    name,
    target: 'default',
    method,
    path,
    headers,
    captures: [],
    checks: [],
    shed: [...(opts.shed ?? [])],
    stopOnFailure: true,
    thinkTimeMs: { minMs: 0, maxMs: 0 },
  };
  if (opts.body !== undefined) step.body = opts.body;
  const load: LoadModel = hasRate
    ? { model: 'open', startRate: opts.rate!, stages: [{ durationMs: opts.durationMs, target: opts.rate! }], maxInFlight: DEFAULT_MAX_IN_FLIGHT }
    : { model: 'closed', startVus: opts.connections!, stages: [{ durationMs: opts.durationMs, target: opts.connections! }], thinkTimeMs: { minMs: 0, maxMs: 0 } };
  const plan: Plan = {
    name: 'quick',
    source: '<quick>',
    targets: { default: base },
    allow: [...(opts.allow ?? [])],
    http: {
      ...DEFAULT_HTTP,
      connections: hasConn ? opts.connections! : DEFAULT_HTTP.connections,
      timeoutMs: opts.timeoutMs ?? DEFAULT_HTTP.timeoutMs,
      headers: {},
    },
    load,
    journeys: [{ name, weight: 1, steps: [step] }],
    data: {},
    shadow: { ...DEFAULT_SHADOW, coverageFloor: 0, preflightRequests: 0 },
    capacity: { growth: 1, links: budgets.length > 0 || opts.targetRps !== undefined ? { [name]: { budgets, ...(opts.targetRps !== undefined ? { rps: opts.targetRps } : {}) } } : {} },
    abort: [],
    isolation: [],
    invariants: [],
  };
  checkAllowlist(plan);
  return plan;
}
