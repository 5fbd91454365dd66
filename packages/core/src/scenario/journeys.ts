// `requests:` and `journeys:` — what the drill sends. A request is a one-step journey named
// after itself; a journey is an ordered list of steps, each step a link of the chain.
// Templates are checked here against what each step can see: journey vars, captures of
// EARLIER steps, feeder columns and built-ins.
// Over 400 lines on purpose: steps, captures, checks and the template scope they share are read
// in one pass over the same YAML nodes; split, each part would re-walk them and re-derive the scope.

import { isMap, isScalar, isSeq } from 'yaml';
import type { Capture, Check, Journey, Step, ThinkTime } from '../plan.js';
import { HTTP_METHOD, LINK_NAME } from './defaults.js';
import { jsonPathProblem } from './jsonpath.js';
import { headerBytes, kib, MAX_BODY_BYTES, MAX_HEADER_BYTES } from './limits.js';
import { readThink } from './load-model.js';
import type { Ranged } from './problems.js';
import { put, bool, entries, expectedValue, fields, isEmpty, list, num, offsetWithin, str, val, wrongType, type Ctx, type Val } from './reader.js';
import { didYouMean } from './suggest.js';
import { checkTemplateNames, RESERVED_NAMES, scanTemplate, VAR_NAME, type TemplateScope } from './template.js';

/** What the journeys section needs from the rest of the scenario. */
export interface JourneyRefs {
  feeders: ReadonlyMap<string, readonly string[]>;
  closedModel: boolean;
  /** Target names, or undefined when `targets:` itself was broken (no cascading problems). */
  targets: readonly string[] | undefined;
  /** Wire bytes of `http.headers`, sent with every step (counts toward each step's header limit). */
  baseHeaderBytes?: number;
}

export interface JourneysRead {
  journeys: Journey[];
  /** Link (step) name → where it was declared. */
  links: Map<string, Ranged | null>;
  journeyNames: Set<string>;
}

interface TemplateUse {
  v: Val;
  text: string;
}

const STEP_KEYS = ['name', 'target', 'method', 'url', 'headers', 'body', 'json', 'capture', 'check', 'shed', 'think', 'stopOnFailure'] as const;
const REQUEST_KEYS = ['name', 'weight', 'target', 'method', 'url', 'headers', 'body', 'json', 'check', 'shed'] as const;
const JOURNEY_KEYS = ['name', 'weight', 'think', 'vars', 'steps'] as const;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_JSON_DEPTH = 64;

function scalarString(ctx: Ctx, v: Val, want: string): string | undefined {
  return str(ctx, v, { want });
}

function readHeaders(ctx: Ctx, v: Val, uses: TemplateUse[]): Record<string, string> | undefined {
  const es = entries(ctx, v);
  if (!es) return undefined;
  const out: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const e of es) {
    if (!HEADER_NAME.test(e.key)) {
      ctx.p.add('BAD_VALUE', `${v.path}: \`${e.key}\` is not a valid header name`, e.keyAt);
      continue;
    }
    const lower = e.key.toLowerCase();
    if (seen.has(lower)) ctx.p.add('DUPLICATE', `${v.path}: header \`${e.key}\` is given twice (as \`${seen.get(lower)}\`)`, e.keyAt);
    seen.set(lower, e.key);
    const s = scalarString(ctx, e.value, 'a header value (text)');
    if (s === undefined) continue;
    if (/[\r\n]/.test(s)) {
      ctx.p.add('BAD_VALUE', `${e.value.path}: a header value cannot contain a line break`, e.value.at);
      continue;
    }
    uses.push({ v: e.value, text: s });
    put(out, e.key, s);
  }
  return out;
}

/** YAML → JSON value, collecting string templates (with their nodes) and refusing what JSON cannot hold. */
function toJson(ctx: Ctx, v: Val, depth: number, uses: TemplateUse[]): { ok: boolean; value: unknown } {
  if (depth > MAX_JSON_DEPTH) {
    ctx.p.add('TOO_DEEP', `${v.path}: a JSON body nested deeper than ${MAX_JSON_DEPTH} levels`, v.at);
    return { ok: false, value: null };
  }
  const n = v.node;
  if (n === null) return { ok: true, value: null };
  if (isScalar(n)) {
    const x = n.value;
    if (x === null || typeof x === 'boolean' || typeof x === 'string') {
      if (typeof x === 'string') uses.push({ v, text: x });
      return { ok: true, value: x };
    }
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) {
        ctx.p.add('BAD_VALUE', `${v.path}: ${x} cannot be written in JSON`, v.at);
        return { ok: false, value: null };
      }
      return { ok: true, value: x };
    }
    if (typeof x === 'bigint') return { ok: true, value: Number(x) };
    wrongType(ctx, v, 'a JSON value');
    return { ok: false, value: null };
  }
  if (isSeq(n)) {
    const arr: unknown[] = [];
    let ok = true;
    n.items.forEach((item, i) => {
      const r = toJson(ctx, val(ctx, item, `${v.path}[${i}]`, v.at), depth + 1, uses);
      ok &&= r.ok;
      arr.push(r.value);
    });
    return { ok, value: arr };
  }
  if (isMap(n)) {
    const obj: Record<string, unknown> = {};
    let ok = true;
    for (const e of entries(ctx, v) ?? []) {
      // the engine renders the whole JSON text, keys included: a key may hold a template too
      if (e.key.includes('{{')) uses.push({ v: { node: e.keyAt as Val['node'], at: e.keyAt, path: `${v.path} key \`${e.key}\`` }, text: e.key });
      const r = toJson(ctx, e.value, depth + 1, uses);
      ok &&= r.ok;
      Object.defineProperty(obj, e.key, { value: r.value, enumerable: true, writable: true, configurable: true });
    }
    return { ok, value: obj };
  }
  return { ok: false, value: null };
}

function readCaptures(ctx: Ctx, v: Val, feeders: ReadonlyMap<string, readonly string[]>): { captures: Capture[]; names: string[] } {
  const captures: Capture[] = [];
  const names: string[] = [];
  for (const e of entries(ctx, v) ?? []) {
    if (!VAR_NAME.test(e.key)) {
      ctx.p.add('BAD_VALUE', `${v.path}: \`${e.key}\` is not a variable name (letters, digits, _ and -)`, e.keyAt);
      continue;
    }
    if ((RESERVED_NAMES as readonly string[]).includes(e.key)) {
      ctx.p.add('BAD_VALUE', `${v.path}: \`${e.key}\` is a built-in template name; capture into another name`, e.keyAt);
      continue;
    }
    if (feeders.has(e.key)) ctx.p.add('BAD_VALUE', `${v.path}: \`${e.key}\` is already a data feeder; capture into another name`, e.keyAt);
    names.push(e.key);
    const s = str(ctx, e.value, { nonEmpty: true, want: 'a JSON path (`$.id`) or `header:name`' });
    if (s === undefined) continue;
    if (s.startsWith('header:')) {
      const name = s.slice('header:'.length).trim();
      if (!HEADER_NAME.test(name)) ctx.p.add('BAD_VALUE', `${e.value.path}: \`${name}\` is not a header name`, e.value.at);
      else captures.push({ as: e.key, from: 'header', name: name.toLowerCase() });
      continue;
    }
    const problem = jsonPathProblem(s);
    if (problem !== undefined) {
      ctx.p.add('BAD_JSON_PATH', `${e.value.path}: ${problem}${s.startsWith('$') ? '' : ' (or `header:name` for a header)'}`, e.value.at);
      continue;
    }
    captures.push({ as: e.key, from: 'json', path: s });
  }
  return { captures, names };
}

function readStatuses(ctx: Ctx, v: Val): number[] | undefined {
  const items = list(ctx, v, { single: true });
  if (!items) return undefined;
  const out: number[] = [];
  for (const item of items) {
    const n = item.node;
    if (isScalar(n) && typeof n.value === 'string' && /^[1-5]xx$/i.test(n.value.trim())) {
      const base = Number(n.value.trim()[0]) * 100;
      for (let s = base; s < base + 100; s++) out.push(s);
      continue;
    }
    if (isScalar(n) && typeof n.value === 'string' && !/^\d+$/.test(n.value.trim())) {
      ctx.p.add('BAD_VALUE', `${item.path}: ${JSON.stringify(n.value)} is not a status; write e.g. 200 or \`2xx\``, item.at);
      continue;
    }
    const s = num(ctx, item, { int: true, min: 100, max: 599, what: `${item.path} (HTTP status)` });
    if (s !== undefined) out.push(s);
  }
  if (items.length === 0) ctx.p.add('EMPTY_VALUE', `${v.path} needs at least one status`, v.at);
  return [...new Set(out)];
}

function readChecks(ctx: Ctx, v: Val): Check[] {
  const f = fields(ctx, v, { keys: ['status', 'json', 'header', 'contains'] });
  const out: Check[] = [];
  if (!f) return out;
  const statusV = f.get('status');
  if (statusV && !isEmpty(statusV)) {
    const st = readStatuses(ctx, statusV);
    if (st && st.length > 0) out.push({ kind: 'status', oneOf: st });
  }
  const jsonV = f.get('json');
  if (jsonV && !isEmpty(jsonV)) {
    for (const e of entries(ctx, jsonV) ?? []) {
      const problem = jsonPathProblem(e.key);
      if (problem !== undefined) {
        ctx.p.add('BAD_JSON_PATH', `${jsonV.path}: ${problem}`, e.keyAt);
        continue;
      }
      const n = e.value.node;
      if (isMap(n)) {
        const g = fields(ctx, e.value, { keys: ['equals', 'exists'] });
        if (!g) continue;
        const eq = g.get('equals');
        const ex = g.get('exists');
        if (eq && ex) ctx.p.add('CONFLICT', `${e.value.path}: give \`equals\` or \`exists\`, not both`, ex.at);
        else if (eq) {
          const s = expectedValue(ctx, eq, 'a single value', false);
          if (s !== undefined) out.push({ kind: 'json', path: e.key, equals: s });
        } else if (ex) {
          const b = bool(ctx, ex);
          if (b !== undefined) out.push({ kind: 'json', path: e.key, exists: b });
        } else ctx.p.add('MISSING_KEY', `${e.value.path} needs \`equals:\` or \`exists:\``, e.value.at);
        continue;
      }
      const s = expectedValue(ctx, e.value, 'the expected value (text, number, true/false or null) or `{exists: true}`', true);
      if (s !== undefined) out.push({ kind: 'json', path: e.key, equals: s });
    }
  }
  const headerV = f.get('header');
  if (headerV && !isEmpty(headerV)) {
    for (const e of entries(ctx, headerV) ?? []) {
      if (!HEADER_NAME.test(e.key)) {
        ctx.p.add('BAD_VALUE', `${headerV.path}: \`${e.key}\` is not a header name`, e.keyAt);
        continue;
      }
      const name = e.key.toLowerCase();
      if (isMap(e.value.node)) {
        const g = fields(ctx, e.value, { keys: ['equals', 'exists'] });
        const eq = g?.get('equals');
        const ex = g?.get('exists');
        if (eq && ex) ctx.p.add('CONFLICT', `${e.value.path}: give \`equals\` or \`exists\`, not both`, ex.at);
        else if (eq) {
          const s = str(ctx, eq);
          if (s !== undefined) out.push({ kind: 'header', name, equals: s });
        } else if (ex) {
          const b = bool(ctx, ex);
          if (b !== undefined) out.push({ kind: 'header', name, exists: b });
        } else if (g) ctx.p.add('MISSING_KEY', `${e.value.path} needs \`equals:\` or \`exists:\``, e.value.at);
        continue;
      }
      const s = str(ctx, e.value, { want: 'the expected header value or `{exists: true}`' });
      if (s !== undefined) out.push({ kind: 'header', name, equals: s });
    }
  }
  const containsV = f.get('contains');
  if (containsV && !isEmpty(containsV)) {
    for (const item of list(ctx, containsV, { single: true }) ?? []) {
      const s = str(ctx, item, { nonEmpty: true });
      if (s !== undefined) out.push({ kind: 'bodyContains', text: s });
    }
  }
  return out;
}

interface StepRead {
  step: Step | undefined;
  /** The link name even when the step has other problems (so references to it still resolve). */
  name?: string | undefined;
  captureNames: string[];
  uses: TemplateUse[];
  nameAt: Ranged | null;
}

function readStep(ctx: Ctx, v: Val, refs: JourneyRefs, kind: 'request' | 'step', defaultThink: ThinkTime): StepRead & { weight?: number | undefined } {
  const uses: TemplateUse[] = [];
  const f = fields(ctx, v, {
    keys: kind === 'request' ? REQUEST_KEYS : STEP_KEYS,
    required: ['url'],
    example: 'a path on its target, e.g. `url: /api/items`',
    elsewhere:
      kind === 'request'
        ? {
            capture: 'a request is a single step; to capture and reuse values, write a journey under `journeys:`',
            think: 'a request is a single step; think time goes between the steps of a journey (or `load.thinkTime` in the closed model)',
            stopOnFailure: 'a request is a single step; `stopOnFailure` belongs to journey steps',
            steps: '`steps:` belongs to a journey under `journeys:`',
          }
        : { weight: 'weights belong to journeys, not to their steps', steps: 'steps cannot nest; list them under the journey' },
  });
  if (!f) return { step: undefined, captureNames: [], uses, nameAt: v.at };
  const get = (k: string): Val | undefined => (f.has(k) && !isEmpty(f.get(k)) ? f.get(k) : undefined);
  let ok = true;

  const methodV = get('method');
  let method = 'GET';
  if (methodV) {
    const m = str(ctx, methodV, { want: 'an HTTP method' });
    if (m === undefined) ok = false;
    else if (!HTTP_METHOD.test(m.toUpperCase())) {
      ctx.p.add('BAD_VALUE', `${methodV.path}: \`${m}\` is not an HTTP method`, methodV.at);
      ok = false;
    } else method = m.toUpperCase();
  }

  const urlV = get('url');
  let path: string | undefined;
  if (urlV) {
    const u = str(ctx, urlV, { want: 'a path such as `/api/items`' });
    if (u !== undefined) {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) {
        ctx.p.add('BAD_URL', `${urlV.path}: \`${u}\` is a full URL; a step's url is a path on its target — put the base URL under \`targets:\` and write the path here`, urlV.at);
      } else if (/\s/.test(u.replace(/\{\{[^}]*\}\}/g, ''))) {
        ctx.p.add('BAD_URL', `${urlV.path}: \`${u}\` contains whitespace; percent-encode it (%20)`, urlV.at);
      } else {
        path = u.startsWith('/') ? u : `/${u}`;
        uses.push({ v: urlV, text: u });
      }
    }
  }
  if (path === undefined) ok = false;

  let name: string | undefined;
  const nameV = get('name');
  if (nameV) {
    name = str(ctx, nameV, { nonEmpty: true });
    if (name !== undefined && !LINK_NAME.test(name)) {
      ctx.p.add('BAD_VALUE', `${nameV.path}: ${JSON.stringify(name)} cannot be a link name (no commas, parentheses, line breaks or surrounding spaces; at most 200 characters)`, nameV.at);
      name = undefined;
    }
    if (name === undefined) ok = false;
  } else if (path !== undefined) {
    name = `${method} ${path.replace(/\?.*$/, '')}`.replace(/[,()\u0000-\u001f\u007f]/g, '_').slice(0, 200);
  }

  let target: string | undefined;
  const targetV = get('target');
  if (targetV) {
    target = str(ctx, targetV);
    if (target !== undefined && refs.targets !== undefined && !refs.targets.includes(target)) {
      ctx.p.add('UNKNOWN_TARGET', `${targetV.path}: no target named \`${target}\`${didYouMean(target, refs.targets)}; targets: ${refs.targets.join(', ') || '(none)'}`, targetV.at);
      target = undefined;
    }
    if (target === undefined) ok = false;
  } else if (refs.targets !== undefined) {
    if (refs.targets.length === 1) target = refs.targets[0];
    else if (refs.targets.length > 1) {
      ctx.p.add('MISSING_KEY', `${v.path} needs \`target:\` — the scenario has several targets (${refs.targets.join(', ')})`, v.at);
      ok = false;
    }
  } else ok = false;

  const headers: Record<string, string> = {};
  const headersV = get('headers');
  if (headersV) {
    const h = readHeaders(ctx, headersV, uses);
    if (h) for (const [k, x] of Object.entries(h)) put(headers, k, x);
    else ok = false;
    const bytes = headerBytes(headers) + (refs.baseHeaderBytes ?? 0);
    if (bytes > MAX_HEADER_BYTES) {
      ctx.p.add('HEADERS_TOO_LARGE', `${headersV.path}: ${bytes} bytes of headers (with \`http.headers\`); a request's headers may be at most ${kib(MAX_HEADER_BYTES)}`, headersV.at);
      ok = false;
    }
  }

  let body: string | undefined;
  let bodyKind: 'json' | 'text' | undefined;
  const bodyV = get('body');
  const jsonV = f.get('json');
  if (bodyV && jsonV) {
    ctx.p.add('CONFLICT', `${v.path}: give \`body:\` (text) or \`json:\` (a JSON document), not both`, jsonV.at);
    ok = false;
  } else if (bodyV) {
    body = str(ctx, bodyV, { want: 'text (use `json:` for a JSON document)' });
    if (body === undefined) ok = false;
    else {
      uses.push({ v: bodyV, text: body });
      bodyKind = 'text';
    }
  } else if (jsonV) {
    const r = toJson(ctx, jsonV, 0, uses);
    if (!r.ok) ok = false;
    else {
      body = JSON.stringify(r.value);
      bodyKind = 'json';
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) put(headers, 'content-type', 'application/json');
    }
  }

  const captureV = get('capture');
  const { captures, names: captureNames } = captureV ? readCaptures(ctx, captureV, refs.feeders) : { captures: [], names: [] };
  const checkV = get('check');
  const checks = checkV ? readChecks(ctx, checkV) : [];
  const shedV = get('shed');
  const shed = shedV ? readStatuses(ctx, shedV) : [];
  if (shed === undefined) ok = false;
  const thinkV = get('think');
  const think = thinkV ? readThink(ctx, thinkV) : defaultThink;
  if (think === undefined) ok = false;
  const sofV = get('stopOnFailure');
  const stopOnFailure = sofV ? bool(ctx, sofV) : true;
  if (stopOnFailure === undefined) ok = false;
  const weightV = get('weight');
  const weight = weightV ? num(ctx, weightV, { above: 0, max: 1e9 }) : 1;
  if (weight === undefined) ok = false;

  if (body !== undefined && Buffer.byteLength(body) > MAX_BODY_BYTES) {
    const at = (bodyV ?? jsonV)!;
    ctx.p.add('BODY_TOO_LARGE', `${at.path}: the body is ${Buffer.byteLength(body)} bytes; a request body may be at most ${kib(MAX_BODY_BYTES)}`, at.at);
    ok = false;
  }

  if (!ok || name === undefined || target === undefined || path === undefined) {
    return { step: undefined, name, captureNames, uses, nameAt: nameV?.at ?? v.at, weight };
  }
  const step: Step = { name, target, method, path, headers, captures, checks, shed: shed!, stopOnFailure: stopOnFailure!, thinkTimeMs: think! };
  if (body !== undefined) {
    step.body = body;
    if (bodyKind !== undefined) step.bodyKind = bodyKind;
  }
  const pos = ctx.p.posOf(v.at);
  if (pos) step.pos = pos;
  return { step, name, captureNames, uses, nameAt: nameV?.at ?? v.at, weight };
}

function checkTemplates(ctx: Ctx, uses: TemplateUse[], scope: TemplateScope): void {
  for (const u of uses) {
    if (!u.text.includes('{{')) continue;
    const { parts, problems } = scanTemplate(u.text);
    for (const t of problems) ctx.p.add(t.code, `${u.v.path}: ${t.message}`, offsetWithin(ctx, u.v, t.src) ?? u.v.at);
    for (const t of checkTemplateNames(parts, scope)) ctx.p.add(t.code, `${u.v.path}: ${t.message}`, offsetWithin(ctx, u.v, t.src) ?? u.v.at);
  }
}

function claimLink(ctx: Ctx, links: Map<string, Ranged | null>, name: string, at: Ranged | null): void {
  const prev = links.get(name);
  if (prev !== undefined) {
    const p = ctx.p.posOf(prev);
    ctx.p.add('DUPLICATE_LINK', `link name \`${name}\` is used twice${p ? ` (first at line ${p.line})` : ''}; every step needs its own name — its histograms, counts and budgets are keyed by it`, at);
  } else links.set(name, at);
}

function claimJourney(ctx: Ctx, names: Set<string>, name: string, at: Ranged | null): void {
  if (names.has(name)) ctx.p.add('DUPLICATE_JOURNEY', `journey name \`${name}\` is used twice`, at);
  names.add(name);
}

export function readJourneys(ctx: Ctx, requestsV: Val | undefined, journeysV: Val | undefined, refs: JourneyRefs): JourneysRead {
  const journeys: Journey[] = [];
  const links = new Map<string, Ranged | null>();
  const journeyNames = new Set<string>();
  const noThink: ThinkTime = { minMs: 0, maxMs: 0 };
  const baseScope = { feeders: refs.feeders, closedModel: refs.closedModel };

  for (const item of (requestsV && list(ctx, requestsV)) || []) {
    const r = readStep(ctx, item, refs, 'request', noThink);
    checkTemplates(ctx, r.uses, { ...baseScope, vars: new Set() });
    if (!r.step) {
      if (r.name !== undefined) claimLink(ctx, links, r.name, r.nameAt);
      continue;
    }
    claimLink(ctx, links, r.step.name, r.nameAt);
    claimJourney(ctx, journeyNames, r.step.name, r.nameAt);
    journeys.push({ name: r.step.name, weight: r.weight ?? 1, steps: [r.step] });
  }

  for (const jv of (journeysV && list(ctx, journeysV)) || []) {
    const f = fields(ctx, jv, { keys: JOURNEY_KEYS, required: ['name', 'steps'], elsewhere: { url: 'a journey lists its requests under `steps:`', requests: 'a journey lists its requests under `steps:`' } });
    if (!f) continue;
    const get = (k: string): Val | undefined => (f.has(k) && !isEmpty(f.get(k)) ? f.get(k) : undefined);
    let ok = true;
    const nameV = get('name');
    const name = nameV ? str(ctx, nameV, { nonEmpty: true }) : undefined;
    if (name !== undefined && nameV && !LINK_NAME.test(name)) {
      ctx.p.add('BAD_VALUE', `${nameV.path}: ${JSON.stringify(name)} cannot be a journey name (no commas, parentheses or line breaks)`, nameV.at);
      ok = false;
    }
    if (name === undefined) ok = false;
    else claimJourney(ctx, journeyNames, name, nameV?.at ?? jv.at);
    const weight = get('weight') ? num(ctx, get('weight')!, { above: 0, max: 1e9 }) : 1;
    if (weight === undefined) ok = false;
    const thinkV = get('think');
    const think = thinkV ? readThink(ctx, thinkV) : noThink;
    if (think === undefined) ok = false;

    // Journey vars: templates over feeders, built-ins and vars defined above them.
    const vars: Record<string, string> = {};
    const defined = new Set<string>();
    const varsV = get('vars');
    if (varsV) {
      for (const e of entries(ctx, varsV) ?? []) {
        if (!VAR_NAME.test(e.key) || (RESERVED_NAMES as readonly string[]).includes(e.key)) {
          ctx.p.add('BAD_VALUE', `${varsV.path}: \`${e.key}\` cannot be a variable name (letters, digits, _ and -; not a built-in)`, e.keyAt);
          ok = false;
          continue;
        }
        const s = str(ctx, e.value, { want: 'a value or template' });
        if (s === undefined) {
          ok = false;
          continue;
        }
        checkTemplates(ctx, [{ v: e.value, text: s }], { ...baseScope, vars: new Set(defined) });
        put(vars, e.key, s);
        defined.add(e.key);
      }
    }

    const stepsV = get('steps');
    const stepItems = stepsV ? list(ctx, stepsV) : undefined;
    if (stepsV && stepItems && stepItems.length === 0) ctx.p.add('EMPTY_VALUE', `${stepsV.path} needs at least one step`, stepsV.at);
    const reads = (stepItems ?? []).map((sv) => readStep(ctx, sv, refs, 'step', think ?? noThink));
    const steps: Step[] = [];
    reads.forEach((r, i) => {
      const earlier = new Set(defined);
      for (const prev of reads.slice(0, i)) for (const c of prev.captureNames) earlier.add(c);
      const later = new Set<string>();
      for (const next of reads.slice(i)) for (const c of next.captureNames) if (!earlier.has(c)) later.add(c);
      checkTemplates(ctx, r.uses, { ...baseScope, vars: earlier, laterVars: later });
      if (r.step) {
        claimLink(ctx, links, r.step.name, r.nameAt);
        steps.push(r.step);
      } else {
        if (r.name !== undefined) claimLink(ctx, links, r.name, r.nameAt);
        ok = false;
      }
    });
    if (!ok || !stepItems || stepItems.length === 0 || name === undefined) continue;
    const j: Journey = { name, weight: weight!, steps };
    if (Object.keys(vars).length > 0) j.vars = vars;
    journeys.push(j);
  }
  return { journeys, links, journeyNames };
}
