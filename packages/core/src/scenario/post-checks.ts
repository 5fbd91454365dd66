// `isolation:` and `invariants:` — checks run after the drill: an HTTP probe (status and a
// JSON path value) or a SQL query (URL from an environment variable). Isolation proves no
// test data reached production; invariants prove the business rules held (never oversold,
// orders created = checkouts completed).

import type { Expectation, PostCheck } from '../plan.js';
import { urlProblem } from './allowlist.js';
import { DEFAULT_SQL_URL_ENV } from './defaults.js';
import { jsonPathProblem } from './jsonpath.js';
import type { Ranged } from './problems.js';
import { expectedValue, fields, isEmpty, list, num, str, wrongType, type Ctx, type Val } from './reader.js';
import { didYouMean } from './suggest.js';
import { resolveTargetUrl } from './target-url.js';

const EXPECT_KEYS = ['equals', 'min', 'max', 'equalsFigure'] as const;
const JOURNEY_FIGURES = ['started', 'completed', 'failed'] as const;
const LINK_FIGURES = ['count', 'ok', 'errors', 'shed'] as const;

export interface CheckRefs {
  links: ReadonlyMap<string, Ranged | null>;
  journeys: ReadonlySet<string>;
}

/** A URL found in a check, with its node, for the allowlist. */
export interface UrlUse {
  url: string;
  what: string;
  at: Ranged | null;
}

/** Why a figure name is not one the drill produces, or undefined. Returns the normalized name. */
export function scanFigure(s: string, refs: CheckRefs): { figure: string } | { problem: string } {
  const help = 'figures: `journeys.NAME.started|completed|failed`, `link.NAME.count|ok|errors|shed`';
  const m = /^(journeys|links?)\.(.+)\.([A-Za-z]+)$/.exec(s);
  if (!m) return { problem: `\`${s}\` is not a drill figure; ${help}` };
  const [, kind, name, fig] = m;
  if (kind === 'journeys') {
    if (!refs.journeys.has(name!)) return { problem: `\`${s}\`: no journey named \`${name}\`${didYouMean(name!, refs.journeys)}` };
    if (!(JOURNEY_FIGURES as readonly string[]).includes(fig!)) return { problem: `\`${s}\`: a journey has ${JOURNEY_FIGURES.join(', ')}${didYouMean(fig!, JOURNEY_FIGURES)}` };
    return { figure: s };
  }
  if (!refs.links.has(name!)) return { problem: `\`${s}\`: no link named \`${name}\`${didYouMean(name!, refs.links.keys())}` };
  if (!(LINK_FIGURES as readonly string[]).includes(fig!)) return { problem: `\`${s}\`: a link has ${LINK_FIGURES.join(', ')}${didYouMean(fig!, LINK_FIGURES)}` };
  return { figure: `link.${name}.${fig}` };
}

function readExpectation(ctx: Ctx, f: Map<string, Val>, at: Val, refs: CheckRefs, required: boolean): Expectation | undefined {
  const get = (k: string): Val | undefined => (f.has(k) && !isEmpty(f.get(k)) ? f.get(k) : f.has(k) && k === 'equals' ? f.get(k) : undefined);
  const e: Expectation = {};
  const eqV = get('equals');
  const minV = get('min');
  const maxV = get('max');
  const figV = get('equalsFigure');
  const given = [eqV, minV ?? maxV, figV].filter(Boolean).length;
  if (given === 0) {
    if (required) ctx.p.add('MISSING_KEY', `${at.path} needs an expectation: \`equals:\`, \`min:\`/\`max:\` or \`equalsFigure:\``, at.at);
    return required ? undefined : e;
  }
  if (given > 1) {
    ctx.p.add('CONFLICT', `${at.path}: give one of \`equals:\`, \`min:\`/\`max:\` or \`equalsFigure:\``, (figV ?? minV ?? maxV ?? eqV)!.at);
    return undefined;
  }
  if (eqV) {
    const x = expectedValue(ctx, eqV, 'a single value', true);
    if (x === undefined) return undefined;
    e.equals = x;
  }
  if (minV) {
    const x = num(ctx, minV);
    if (x === undefined) return undefined;
    e.min = x;
  }
  if (maxV) {
    const x = num(ctx, maxV);
    if (x === undefined) return undefined;
    e.max = x;
  }
  if (e.min !== undefined && e.max !== undefined && e.min > e.max) {
    ctx.p.add('OUT_OF_RANGE', `${at.path}: min ${e.min} is above max ${e.max}`, minV!.at);
    return undefined;
  }
  if (figV) {
    const s = str(ctx, figV);
    if (s === undefined) return undefined;
    const r = scanFigure(s, refs);
    if ('problem' in r) {
      ctx.p.add('UNKNOWN_FIGURE', `${figV.path}: ${r.problem}`, figV.at);
      return undefined;
    }
    e.equalsFigure = r.figure;
  }
  return e;
}

export function readPostChecks(ctx: Ctx, v: Val, refs: CheckRefs, urls: UrlUse[], targets: Readonly<Record<string, string>> = {}): PostCheck[] {
  const out: PostCheck[] = [];
  const names = new Set<string>();
  for (const item of list(ctx, v) ?? []) {
    const f = fields(ctx, item, { keys: ['name', 'http', 'sql'], required: ['name'], elsewhere: { url: '`url:` goes inside `http:`', query: '`query:` goes inside `sql:`', equals: 'expectations go inside `http:` or `sql:`' } });
    if (!f) continue;
    const nameV = f.get('name');
    const name = nameV && !isEmpty(nameV) ? str(ctx, nameV, { nonEmpty: true }) : undefined;
    if (name !== undefined) {
      if (names.has(name)) ctx.p.add('DUPLICATE', `${nameV!.path}: check \`${name}\` is named twice`, nameV!.at);
      names.add(name);
    }
    const httpV = f.get('http');
    const sqlV = f.get('sql');
    if ((httpV && sqlV) || (!httpV && !sqlV)) {
      ctx.p.add('MISSING_KEY', `${item.path} needs exactly one of \`http:\` or \`sql:\``, item.at);
      continue;
    }
    if (httpV) {
      const g = fields(ctx, httpV, { keys: ['url', 'target', 'status', 'json', ...EXPECT_KEYS], required: ['url'] });
      if (!g) continue;
      const urlV = g.get('url');
      const targetV = g.get('target');
      const target = targetV && !isEmpty(targetV) ? str(ctx, targetV) : undefined;
      let url = urlV && !isEmpty(urlV) ? str(ctx, urlV) : undefined;
      if (url !== undefined) {
        const r = resolveTargetUrl(url, target, targets);
        if ('problem' in r) {
          ctx.p.add('BAD_URL', `${urlV!.path}: ${r.problem}`, urlV!.at);
          url = undefined;
        } else url = r.url;
      }
      if (url !== undefined) {
        const p = urlProblem(url.replaceAll('{{run.id}}', 'run-id'));
        if (p !== undefined) ctx.p.add('BAD_URL', `${urlV!.path}: ${p}`, urlV!.at);
        else urls.push({ url, what: `check \`${name ?? '?'}\``, at: urlV!.at });
      }
      const stV = g.get('status');
      const status = stV && !isEmpty(stV) ? num(ctx, stV, { int: true, min: 100, max: 599 }) : 200;
      const jsonV = g.get('json');
      let path: string | undefined;
      if (jsonV && !isEmpty(jsonV)) {
        path = str(ctx, jsonV, { want: 'a JSON path such as `$.leaked.total`' });
        const p = path === undefined ? undefined : jsonPathProblem(path);
        if (p !== undefined) {
          ctx.p.add('BAD_JSON_PATH', `${jsonV.path}: ${p}`, jsonV.at);
          path = undefined;
        }
      }
      const hasExpect = EXPECT_KEYS.some((k) => g.has(k));
      if (!jsonV && hasExpect) ctx.p.add('MISSING_KEY', `${httpV.path}: an expectation needs \`json:\` — the JSON path of the value to compare`, httpV.at);
      const expect = readExpectation(ctx, g, httpV, refs, jsonV !== undefined);
      if (name === undefined || url === undefined || status === undefined || expect === undefined) continue;
      const c: PostCheck = { name, kind: 'http', url, status, expect };
      if (path !== undefined) c.path = path;
      out.push(c);
    } else {
      const g = fields(ctx, sqlV!, { keys: ['urlEnv', 'query', ...EXPECT_KEYS], required: ['query'], elsewhere: { url: 'the database URL is read from an environment variable: write `urlEnv: PEAKDRILL_PG_URL` (never a password in a scenario)' } });
      if (!g) continue;
      const envV = g.get('urlEnv');
      const urlEnv = envV && !isEmpty(envV) ? str(ctx, envV, { pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, patternHelp: 'is not an environment variable name' }) : DEFAULT_SQL_URL_ENV;
      const qV = g.get('query');
      const query = qV && !isEmpty(qV) ? str(ctx, qV, { nonEmpty: true }) : undefined;
      const expect = readExpectation(ctx, g, sqlV!, refs, true);
      if (name === undefined || urlEnv === undefined || query === undefined || expect === undefined) continue;
      out.push({ name, kind: 'sql', urlEnv, query, expect });
    }
  }
  return out;
}
