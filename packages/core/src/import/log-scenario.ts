// The scenario of an imported access log: one request per route template, weighted by its
// share of the log; each route's busiest second as the `baseline` of its capacity target;
// each placeholder's hot keys as a data pool whose list repeats a key as often as the log
// called it (so `mode: random` draws keys with the recorded skew).

import type { Draft, DraftPool, DraftStep } from './draft.js';
import type { LogImport, RouteSummary } from './access-log.js';
import { formatMaskReport, masked } from './mask.js';
import { linkName } from './route.js';
import { isSensitiveName } from '../runfiles/redact.js';

/** Distinct keys kept per pool, and the length of the weighted list they are written as. */
export const POOL_KEYS = 100;
export const POOL_LENGTH = 500;

export interface LogScenarioOptions {
  name: string;
  target: string;
  /** The command line that made it, for the header comment. */
  command: string;
  growth?: number;
  /** Write `load:` as a replay of the log (its path as the scenario should name it) at this speed. */
  replay?: { log: string; speed: number; format?: string };
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/**
 * A weighted list of keys: each key repeated in proportion to its count (at least once), as
 * short as the proportions allow (the rarest key once) and at most `length` long.
 */
export function weightedList(top: [string, number][], length = POOL_LENGTH): string[] {
  const total = top.reduce((a, [, c]) => a + c, 0);
  const rarest = Math.min(...top.map(([, c]) => c));
  const unit = Math.max(rarest, total / length);
  const out: string[] = [];
  for (const [k, c] of top) {
    const n = Math.max(1, Math.round(c / unit));
    for (let i = 0; i < n; i++) out.push(k);
  }
  return out;
}

function poolName(param: string, taken: Set<string>): string {
  let name = param.replace(/[^A-Za-z0-9_-]/g, '_');
  if (!/^[A-Za-z_]/.test(name)) name = `p_${name}`;
  let n = name;
  for (let i = 2; taken.has(n); i++) n = `${name}_${i}`;
  taken.add(n);
  return n;
}

function queryText(r: RouteSummary): { text: string; dropped: string[] } {
  const parts: string[] = [];
  const dropped: string[] = [];
  for (const p of r.query) {
    if (p.share < 0.5) continue;
    const top = p.top[0]?.[0] ?? '';
    if (isSensitiveName(p.name) || top.includes('<masked:')) {
      dropped.push(p.name);
      continue;
    }
    const value = p.int && p.int.min < p.int.max ? `{{random.int ${p.int.min} ${p.int.max}}}` : encodeURIComponent(top);
    parts.push(`${encodeURIComponent(p.name)}=${value}`);
  }
  return { text: parts.length ? `?${parts.join('&')}` : '', dropped };
}

function topShare(top: [string, number][], total: number, n: number): number {
  return top.slice(0, n).reduce((a, [, c]) => a + c, 0) / total;
}

export function logScenario(imp: LogImport, opts: LogScenarioOptions): Draft {
  const pools: DraftPool[] = [];
  const taken = new Set<string>();
  const requests: DraftStep[] = [];
  for (const r of imp.routes) {
    const name = linkName(r.method, r.template);
    let url = r.template;
    const maskedParams: string[] = [];
    for (const p of r.params) {
      const usable = p.top.filter(([k]) => !k.includes('<masked:'));
      if (usable.length === 0) {
        url = url.replace(`:${p.name}`, masked('token'));
        maskedParams.push(p.name);
        continue;
      }
      const pool = poolName(p.name, taken);
      const total = p.top.reduce((a, [, c]) => a + c, 0);
      pools.push({
        name: pool,
        mode: 'random',
        values: weightedList(usable.slice(0, POOL_KEYS)),
        comment: [
          `${name}: ${fmt(p.distinct)}${p.approximate ? '+' : ''} distinct ${p.name} values; the top 1 took ${fmt(topShare(p.top, total, 1) * 100, 1)}%, the top 10 ${fmt(topShare(p.top, total, 10) * 100, 1)}% (hot keys)`,
          ...(usable.length < p.top.length ? [`${p.top.length - usable.length} masked value(s) left out`] : []),
        ],
      });
      url = url.replace(`:${p.name}`, `{{${pool}.value}}`);
    }
    const q = queryText(r);
    const statuses = r.statuses.slice(0, 4).map(([s, c]) => `${s} × ${fmt(c)}`).join(', ');
    const comment = [`${fmt((r.count / imp.used) * 100, 2)}% of the log (${fmt(r.count)} requests); statuses ${statuses}`];
    if (maskedParams.length) comment.push(`every ${maskedParams.join(', ')} was personal data and is masked: give it from a data feeder`);
    if (q.dropped.length) comment.push(`query ${q.dropped.map((d) => `\`${d}\``).join(', ')} left out: credentials are not written; add them from a data feeder`);
    if (r.method !== 'GET' && r.method !== 'HEAD') comment.push('an access log holds no bodies: add the request body (`json:`) before running');
    requests.push({ name, weight: r.count, method: r.method, url: url + q.text, comment });
  }
  const spanMs = imp.lastMs - imp.firstMs + imp.gaps.resolutionMs;
  const draft: Draft = {
    header: [
      `Imported by \`${opts.command}\``,
      `from ${fmt(imp.used)} requests between ${iso(imp.firstMs)} and ${iso(imp.lastMs)} (${fmt(spanMs / 1000, 1)} s),`,
      `${fmt(imp.routes.length)} route templates${imp.skipped ? `; ${fmt(imp.skipped)} line(s) skipped` : ''}.`,
      ...formatMaskReport(imp.masked),
      'Review before running: weights are request counts, baselines are each route\'s busiest second.',
    ],
    name: opts.name,
    targets: { api: opts.target },
    load: opts.replay
      ? { replay: opts.replay, comment: [`the log's own requests at ${opts.replay.speed}× their recorded pace (GET/HEAD/OPTIONS; add \`unsafe: true\` for writes)`] }
      : {
          rate: imp.busiestSecond.count,
          duration: '1m',
          comment: [`the log's busiest second: ${fmt(imp.busiestSecond.count)} req/s at ${iso(imp.busiestSecond.atMs)}; its mean ${fmt(imp.used / Math.max(1, spanMs / 1000), 1)} req/s`],
        },
    pools,
    requests,
    journeys: [],
    growth: opts.growth ?? 1,
    links: imp.routes.map((r) => ({
      name: linkName(r.method, r.template),
      baseline: r.busiestSecond.count,
      comment: `busiest second ${iso(r.busiestSecond.atMs)}; busiest minute ${fmt(r.busiestMinute.count)} req (${fmt(r.busiestMinute.count / 60, 2)} req/s)`,
    })),
  };
  return draft;
}
