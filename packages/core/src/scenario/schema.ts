// The scenario file, top to bottom: reads every section from the YAML tree into a Plan,
// recording every problem with its position. Sections that others refer to are read first
// (targets, load, data), so references (targets of steps, feeder columns in templates,
// links in capacity and abort rules) can be checked in the same pass.

import { isMap, isScalar } from 'yaml';
import type { HttpSettings, HttpTransport, Plan, ShadowSettings, WarmupSettings } from '../plan.js';
import { readAbort } from './abort.js';
import { readObserve } from './observe.js';
import { allowEntryProblem, hostAllowed, hostOf, notAllowedMessage, urlProblem } from './allowlist.js';
import { readCapacity } from './capacity.js';
import { readFaults } from './faults.js';
import { readCampaign, readOwners } from './owners.js';
import { feederColumns, readData } from './data.js';
import { DEFAULT_HTTP, DEFAULT_SHADOW, MAX_CONNECTIONS, MAX_PIPELINING, SCENARIO_NAME } from './defaults.js';
import { readJourneys } from './journeys.js';
import { headerBytes, kib, MAX_HEADER_BYTES } from './limits.js';
import { readLoad } from './load-model.js';
import { applyLoadOverrides, checkOverrides, type ScenarioOverrides } from './overrides.js';
import { readPostChecks, type UrlUse } from './post-checks.js';
import type { Ranged } from './problems.js';
import { put, bool, duration, entries, fields, fraction, isEmpty, list, num, str, type Ctx, type Val } from './reader.js';
import { didYouMean } from './suggest.js';
import { totalDurationMs } from './profile.js';

export const TOP_KEYS = ['name', 'description', 'targets', 'allow', 'http', 'load', 'requests', 'journeys', 'data', 'shadow', 'capacity', 'abort', 'isolation', 'invariants', 'faults', 'owners', 'campaign', 'observe'] as const;

const UNDER_LOAD = 'belongs under `load:`';
const TOP_ELSEWHERE: Record<string, string> = {
  rate: `\`rate\` ${UNDER_LOAD}`,
  duration: `\`duration\` ${UNDER_LOAD}`,
  stages: `\`stages\` ${UNDER_LOAD}`,
  vus: `\`vus\` ${UNDER_LOAD} (with \`model: closed\`)`,
  model: `\`model\` ${UNDER_LOAD}`,
  startRate: `\`startRate\` ${UNDER_LOAD}`,
  maxInFlight: `\`maxInFlight\` ${UNDER_LOAD}`,
  thinkTime: `\`thinkTime\` ${UNDER_LOAD} (closed model)`,
  connections: '`connections` belongs under `http:`',
  pipelining: '`pipelining` belongs under `http:`',
  timeout: '`timeout` belongs under `http:`',
  headers: '`headers` belongs under `http:` (for every request) or on a request/step',
  steps: '`steps` belongs to a journey: `journeys: [{ name: ..., steps: [...] }]`',
  url: 'a URL belongs to a request (`requests:`) or a step; base URLs go under `targets:`',
  target: '`target` belongs to a request or step; declare base URLs under `targets:`',
  links: '`links` belongs under `capacity:`',
  growth: '`growth` belongs under `capacity:`',
  budgets: 'budgets belong under `capacity.links.<link>`',
  feeders: 'data feeders go under `data:`',
  checks: 'post-drill checks go under `isolation:` or `invariants:`',
};

const TARGET_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export interface ReadOptions {
  /** Absolute path of the scenario (Plan.source). */
  source: string;
  /** Folder that relative CSV paths resolve against. */
  baseDir: string;
  overrides: ScenarioOverrides;
}

/** Normalizes a target base URL: origin plus path prefix, no trailing slash. */
export function normalizeBase(url: string): string {
  const u = new URL(url);
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.origin}${path}`;
}

function baseUrlProblem(url: string): string | undefined {
  const p = urlProblem(url);
  if (p !== undefined) return p;
  const u = new URL(url);
  if (u.search !== '' || u.hash !== '') return `${JSON.stringify(url)}: a target is a base URL without \`?query\` or \`#fragment\``;
  if (u.username !== '' || u.password !== '') return `${JSON.stringify(url)}: put credentials in a header, not in the URL`;
  return undefined;
}

function readHttp(ctx: Ctx, v: Val | undefined): HttpSettings {
  const out: HttpSettings = { ...DEFAULT_HTTP, headers: {}, warmup: { ...DEFAULT_HTTP.warmup! } };
  if (!v || isEmpty(v)) return out;
  const f = fields(ctx, v, { keys: ['connections', 'pipelining', 'timeout', 'headers', 'warmup', 'transport'] });
  if (!f) return out;
  const get = (k: string): Val | undefined => (f.has(k) && !isEmpty(f.get(k)) ? f.get(k) : undefined);
  if (get('connections')) out.connections = num(ctx, get('connections')!, { int: true, min: 1, max: MAX_CONNECTIONS }) ?? out.connections;
  if (get('pipelining')) out.pipelining = num(ctx, get('pipelining')!, { int: true, min: 1, max: MAX_PIPELINING }) ?? out.pipelining;
  if (get('timeout')) out.timeoutMs = duration(ctx, get('timeout')!, { max: 3_600_000 }) ?? out.timeoutMs;
  if (get('warmup')) out.warmup = readWarmup(ctx, get('warmup')!);
  if (get('transport')) {
    const t = str(ctx, get('transport')!, { pattern: /^(auto|undici)$/, patternHelp: 'must be `auto` (the fast transport where a request never changes, undici elsewhere) or `undici`' });
    if (t !== undefined) out.transport = t as HttpTransport;
  }
  const hv = get('headers');
  if (hv) {
    for (const e of entries(ctx, hv) ?? []) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(e.key)) {
        ctx.p.add('BAD_VALUE', `${hv.path}: \`${e.key}\` is not a valid header name`, e.keyAt);
        continue;
      }
      const s = str(ctx, e.value, { want: 'a header value (text)' });
      if (s === undefined) continue;
      if (s.includes('{{')) ctx.p.add('BAD_VALUE', `${e.value.path}: headers under \`http:\` are sent as written; templates go in a request's or step's \`headers:\``, e.value.at);
      else if (/[\r\n]/.test(s)) ctx.p.add('BAD_VALUE', `${e.value.path}: a header value cannot contain a line break`, e.value.at);
      else put(out.headers, e.key, s);
    }
    const bytes = headerBytes(out.headers);
    if (bytes > MAX_HEADER_BYTES) ctx.p.add('HEADERS_TOO_LARGE', `${hv.path}: ${bytes} bytes of headers; a request's headers may be at most ${kib(MAX_HEADER_BYTES)}`, hv.at);
  }
  return out;
}

/** `warmup: false`, `warmup: { path: /healthz }` or `warmup: { enabled: false }`. */
function readWarmup(ctx: Ctx, v: Val): WarmupSettings {
  const out: WarmupSettings = { ...DEFAULT_HTTP.warmup! };
  if (isScalar(v.node) && typeof v.node.value === 'boolean') {
    out.enabled = v.node.value;
    return out;
  }
  const f = fields(ctx, v, { keys: ['enabled', 'path'] });
  if (!f) return out;
  const get = (k: string): Val | undefined => (f.has(k) && !isEmpty(f.get(k)) ? f.get(k) : undefined);
  if (get('enabled')) out.enabled = bool(ctx, get('enabled')!) ?? true;
  if (get('path')) {
    const path = str(ctx, get('path')!, { pattern: /^\/[^\s{}]*$/, patternHelp: 'must be a path from the origin starting with `/`, without spaces or templates (e.g. `/healthz`)' });
    if (path !== undefined) out.path = path;
  }
  return out;
}

function readShadow(ctx: Ctx, v: Val | undefined): ShadowSettings {
  const out: ShadowSettings = { ...DEFAULT_SHADOW };
  if (!v || isEmpty(v)) return out;
  if (isScalar(v.node) && typeof v.node.value === 'boolean') {
    out.enabled = v.node.value;
    return out;
  }
  const f = fields(ctx, v, { keys: ['enabled', 'secretEnv', 'coverageFloor', 'preflight'], elsewhere: { secret: 'the secret itself never goes in a scenario: name its environment variable with `secretEnv:`' } });
  if (!f) return out;
  const get = (k: string): Val | undefined => (f.has(k) && !isEmpty(f.get(k)) ? f.get(k) : undefined);
  if (get('enabled')) out.enabled = bool(ctx, get('enabled')!) ?? true;
  if (get('secretEnv')) out.secretEnv = str(ctx, get('secretEnv')!, { pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, patternHelp: 'is not an environment variable name' }) ?? out.secretEnv;
  if (get('coverageFloor')) out.coverageFloor = fraction(ctx, get('coverageFloor')!) ?? out.coverageFloor;
  if (get('preflight')) out.preflightRequests = num(ctx, get('preflight')!, { int: true, min: 0, max: 1000 }) ?? out.preflightRequests;
  return out;
}

/** Reads the whole scenario; undefined when problems were recorded. */
export function readScenario(ctx: Ctx, root: Val, opts: ReadOptions): Plan | undefined {
  const o = opts.overrides;
  if (!isMap(root.node)) {
    ctx.p.add('WRONG_TYPE', `a scenario is a mapping of keys such as \`name:\`, \`targets:\`, \`load:\` and \`requests:\`; this file holds ${isScalar(root.node) ? 'a single value' : root.node === null ? 'nothing usable' : 'a list'}`, root.at);
    return undefined;
  }
  const needLoad = !(o.rate !== undefined && o.durationMs !== undefined);
  const f = fields(ctx, root, { keys: TOP_KEYS, required: needLoad ? ['name', 'targets', 'load'] : ['name', 'targets'], elsewhere: TOP_ELSEWHERE });
  if (!f) return undefined;
  const get = (k: string): Val | undefined => (f.has(k) && !isEmpty(f.get(k)) ? f.get(k) : undefined);
  checkOverrides(o, ctx.p);

  const nameV = get('name');
  const name = nameV ? str(ctx, nameV, { pattern: SCENARIO_NAME, patternHelp: 'must be letters, digits, `.`, `_` and `-` (it names the run directory)' }) : undefined;
  const description = get('description') ? str(ctx, get('description')!) : undefined;

  // Targets, with command-line replacements.
  const targets: Record<string, string> = {};
  const targetAt = new Map<string, Ranged | null>();
  let targetNames: string[] | undefined = [];
  const targetsV = get('targets');
  if (targetsV) {
    const es = entries(ctx, targetsV);
    if (!es) targetNames = undefined;
    for (const e of es ?? []) {
      if (!TARGET_NAME.test(e.key)) {
        ctx.p.add('BAD_VALUE', `targets: \`${e.key}\` must be a word (letters, digits, \`.\`, \`_\`, \`-\`)`, e.keyAt);
        continue;
      }
      targetNames!.push(e.key);
      if (o.targets !== undefined && Object.hasOwn(o.targets, e.key)) continue;
      const url = str(ctx, e.value, { want: 'a base URL such as `http://127.0.0.1:8080`' });
      if (url === undefined) continue;
      const p = baseUrlProblem(url);
      if (p !== undefined) {
        ctx.p.add('BAD_URL', `${e.value.path}: ${p}`, e.value.at);
        continue;
      }
      put(targets, e.key, normalizeBase(url));
      targetAt.set(e.key, e.value.at);
    }
    if (es && es.length === 0) ctx.p.add('MISSING_KEY', 'targets needs at least one `name: base URL`, e.g. `targets: { api: "http://127.0.0.1:8080" }`', targetsV.at);
  } else targetNames = undefined;
  for (const [tn, url] of Object.entries(o.targets ?? {})) {
    if (targetNames !== undefined && !targetNames.includes(tn)) {
      ctx.p.add('UNKNOWN_TARGET', `--target ${tn}=${url}: the scenario has no target \`${tn}\`${didYouMean(tn, targetNames)}; its targets: ${targetNames.join(', ') || '(none)'}`);
      continue;
    }
    const p = baseUrlProblem(url);
    if (p !== undefined) ctx.p.add('BAD_URL', `--target ${tn}: ${p}`);
    else {
      put(targets, tn, normalizeBase(url));
      targetAt.set(tn, null);
    }
  }

  const allow: string[] = [];
  const allowV = get('allow');
  if (allowV) {
    for (const item of list(ctx, allowV, { single: true }) ?? []) {
      const s = str(ctx, item, { want: 'a host name' });
      if (s === undefined) continue;
      const p = allowEntryProblem(s);
      if (p !== undefined) ctx.p.add('BAD_VALUE', `${item.path}: ${p}`, item.at);
      else allow.push(s.trim());
    }
  }
  for (const a of o.allow ?? []) {
    const p = allowEntryProblem(a);
    if (p !== undefined) ctx.p.add('BAD_FLAG', `--allow: ${p}`);
    else allow.push(a.trim());
  }

  const http = readHttp(ctx, get('http'));
  const shadow = readShadow(ctx, get('shadow'));

  const loadV = get('load');
  let load = loadV ? readLoad(ctx, loadV, opts.baseDir) : undefined;
  if (load?.model === 'replay' && o.rate !== undefined) ctx.p.add('BAD_FLAG', '--rate does not apply to `model: replay`, which sends at the recorded rate; change `speed:` instead');
  if (!loadV && !needLoad) load = { model: 'open', startRate: o.rate!, stages: [{ durationMs: o.durationMs!, target: o.rate! }], maxInFlight: 10_000 };

  const dataV = get('data');
  const data = dataV ? readData(ctx, dataV, opts.baseDir) : {};
  const feeders = new Map<string, string[]>(Object.entries(data).map(([k, d]) => [k, feederColumns(d)]));
  // A broken feeder must not make every template using it a second problem.
  if (dataV && isMap(dataV.node)) {
    for (const item of dataV.node.items) {
      const k = isScalar(item.key) ? String(item.key.value) : undefined;
      if (k !== undefined && !feeders.has(k)) feeders.set(k, []);
    }
  }

  const requestsV = get('requests');
  const journeysV = get('journeys');
  if (!requestsV && !journeysV) {
    ctx.p.add('MISSING_KEY', 'the scenario needs `requests:` (single requests) or `journeys:` (multi-step) — at least one', root.at);
  }
  const closedModel = load?.model === 'closed' || (loadV !== undefined && load === undefined && isMap(loadV.node) && loadV.node.get('model') === 'closed');
  const jr = readJourneys(ctx, requestsV, journeysV, { feeders, closedModel, targets: targetNames, baseHeaderBytes: headerBytes(http.headers) });
  if ((requestsV || journeysV) && jr.journeys.length === 0 && ctx.p.count === 0) {
    ctx.p.add('MISSING_KEY', 'the scenario has no requests or journeys to send', (requestsV ?? journeysV)!.at);
  }

  const capacityV = get('capacity');
  const capacity = capacityV ? readCapacity(ctx, capacityV, jr.links) : { growth: 1, links: {} };
  const urls: UrlUse[] = [];
  const abortV = get('abort');
  const abort = abortV ? readAbort(ctx, abortV, jr.links, urls, targets) : [];
  const refs = { links: jr.links, journeys: jr.journeyNames };
  const isolationV = get('isolation');
  const isolation = isolationV ? readPostChecks(ctx, isolationV, refs, urls, targets) : [];
  const invariantsV = get('invariants');
  const invariants = invariantsV ? readPostChecks(ctx, invariantsV, refs, urls, targets) : [];
  const faultsV = get('faults');
  const drillMs = load ? totalDurationMs(applyLoadOverrides(load, o).stages) : undefined;
  const faults = faultsV ? readFaults(ctx, faultsV, { links: jr.links, targets, targetNames, drillMs }, urls) : [];
  const owners = get('owners') ? readOwners(ctx, get('owners')!) : undefined;
  const campaign = get('campaign') ? readCampaign(ctx, get('campaign')!) : undefined;
  const observeV = get('observe');
  const observe = observeV ? readObserve(ctx, observeV, urls, targets) : [];

  // Safety: every URL the drill touches must be loopback or allowed.
  for (const [tn, url] of Object.entries(targets)) urls.push({ url, what: `target \`${tn}\``, at: targetAt.get(tn) ?? null });
  for (const u of urls) {
    const host = hostOf(u.url);
    if (!hostAllowed(host, allow)) ctx.p.add('TARGET_NOT_ALLOWED', notAllowedMessage(u.what, u.url, host), u.at);
  }

  if (ctx.p.count > 0 || name === undefined || load === undefined) return undefined;
  const plan: Plan = {
    name,
    source: opts.source,
    targets,
    allow,
    http,
    load: applyLoadOverrides(load, o),
    journeys: jr.journeys,
    data,
    shadow,
    capacity,
    abort,
    isolation,
    invariants,
  };
  if (faults.length > 0) plan.faults = faults;
  if (owners !== undefined) plan.owners = owners;
  if (campaign !== undefined) plan.campaign = campaign;
  if (description !== undefined) plan.description = description;
  if (observe.length > 0) plan.observe = observe;
  return plan;
}
