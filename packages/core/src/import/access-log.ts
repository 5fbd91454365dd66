// `peakdrill import access-log FILE`: streams a production access log into the figures a
// drill is built from: requests per route template (the traffic mix), each route's busiest
// second and minute (last peak, the `baseline` of `capacity:`), the ids each route was called
// with (hot keys, as data pools), query values, and the gaps between arrivals. Personal data
// is masked as each line is read, so nothing unmasked is held or written.

import { UserError } from '../errors.js';
import { newHistogram, recordMicros } from '../histogram.js';
import { checkTextFile, readLines } from './lines.js';
import { FormatError, parserFor } from './log-format.js';
import { Masker, type MaskReport } from './mask.js';
import { routeOf } from './route.js';
import { Peaks, TopKeys, type Peak } from './tally.js';

/** Routes beyond this many distinct templates are counted as skipped (a path with unguessed ids). */
export const MAX_ROUTES = 2000;
const SKIP_EXAMPLES = 5;

export interface QueryParamSummary {
  name: string;
  /** Share of the route's requests that carried it. */
  share: number;
  /** Numeric range when every value was an integer. */
  int?: { min: number; max: number };
  /** Most frequent values (masked). */
  top: [string, number][];
}

export interface RouteSummary {
  method: string;
  template: string;
  count: number;
  busiestSecond: Peak;
  busiestMinute: Peak;
  /** Placeholder → its hot keys (most frequent first) and how many distinct values it had. */
  params: { name: string; top: [string, number][]; distinct: number; approximate: boolean }[];
  query: QueryParamSummary[];
  statuses: [number, number][];
}

export interface SkippedLine {
  line: number;
  reason: string;
  /** The start of the line, masked. */
  text: string;
}

export interface LogImport {
  file: string;
  lines: number;
  used: number;
  skipped: number;
  skippedExamples: SkippedLine[];
  firstMs: number;
  lastMs: number;
  busiestSecond: Peak;
  /** Gaps between consecutive arrivals in file order (ms), and the finest time step seen. */
  gaps: { p50Ms: number; p99Ms: number; resolutionMs: number };
  routes: RouteSummary[];
  masked: MaskReport;
}

interface QueryTally {
  seen: number;
  ints: boolean;
  min: number;
  max: number;
  values: TopKeys;
}

interface RouteTally {
  method: string;
  template: string;
  count: number;
  peaks: Peaks;
  params: Map<string, TopKeys>;
  query: Map<string, QueryTally>;
  statuses: Map<number, number>;
}

export interface AccessLogOptions {
  /** `auto` (default), `combined`, `common`, `json`, or a pattern (see log-format.ts). */
  format?: string;
}

const INT = /^-?\d{1,15}$/;

export async function importAccessLog(file: string, opts: AccessLogOptions = {}): Promise<LogImport> {
  checkTextFile(file, 'an access log');
  let parse;
  try {
    parse = parserFor(opts.format ?? 'auto');
  } catch (err) {
    if (err instanceof FormatError) throw new UserError('BAD_FORMAT', `--format: ${err.message}; e.g. --format '$remote_addr [$time_local] "$request" $status'`);
    throw err;
  }
  const masker = new Masker();
  const routes = new Map<string, RouteTally>();
  const overall = new Peaks();
  const gaps = newHistogram();
  let lines = 0;
  let used = 0;
  let skipped = 0;
  const examples: SkippedLine[] = [];
  let firstMs = Infinity;
  let lastMs = -Infinity;
  let prevMs: number | undefined;
  let resolutionMs = Infinity;
  const skip = (no: number, reason: string, text: string): void => {
    skipped++;
    if (examples.length < SKIP_EXAMPLES) examples.push({ line: no, reason, text: masker.text(text.slice(0, 120), 'skipped-line examples') });
  };

  for await (const line of readLines(file)) {
    lines++;
    if (line.text.trim() === '') continue;
    if (line.cut) {
      skip(line.no, 'line longer than 64 KiB', line.text);
      continue;
    }
    const e = parse(line.text);
    if (typeof e === 'string') {
      skip(line.no, e, line.text);
      continue;
    }
    const q = e.target.indexOf('?');
    const path = q === -1 ? e.target : e.target.slice(0, q);
    const route = routeOf(path);
    const key = `${e.method} ${route.template}`;
    let r = routes.get(key);
    if (!r) {
      if (routes.size >= MAX_ROUTES) {
        skip(line.no, `more than ${MAX_ROUTES} distinct routes`, line.text);
        continue;
      }
      r = { method: e.method, template: route.template, count: 0, peaks: new Peaks(), params: new Map(), query: new Map(), statuses: new Map() };
      routes.set(key, r);
    }
    used++;
    r.count++;
    r.peaks.add(e.timeMs);
    overall.add(e.timeMs);
    r.statuses.set(e.status, (r.statuses.get(e.status) ?? 0) + 1);
    const place = `path of ${key}`;
    for (const p of route.params) {
      let t = r.params.get(p.name);
      if (!t) r.params.set(p.name, (t = new TopKeys()));
      t.add(masker.text(p.value, place));
    }
    if (q !== -1) tallyQuery(r, e.target.slice(q + 1), masker, `query of ${key}`);
    if (e.timeMs < firstMs) firstMs = e.timeMs;
    if (e.timeMs > lastMs) lastMs = e.timeMs;
    if (prevMs !== undefined) {
      const gap = e.timeMs - prevMs;
      if (gap >= 0) recordMicros(gaps, gap * 1000);
      if (gap > 0 && gap < resolutionMs) resolutionMs = gap;
    }
    prevMs = e.timeMs;
  }
  if (used === 0) {
    const why = examples.map((x) => `  line ${x.line}: ${x.reason}: ${x.text}`).join('\n');
    throw new UserError('IMPORT_NOTHING_USABLE', `${file}: no usable request in ${lines.toLocaleString('en-US')} line${lines === 1 ? '' : 's'}${skipped ? ` (${skipped.toLocaleString('en-US')} skipped)` : ''}${why ? `:\n${why}` : ''}\ngive the log's format with --format (combined, common, json or a pattern such as '$remote_addr [$time_local] "$request" $status')`);
  }
  const p = (pct: number): number => (gaps.totalCount === 0 ? 0 : gaps.getValueAtPercentile(pct) <= 1 ? 0 : gaps.getValueAtPercentile(pct) / 1000);
  return {
    file,
    lines,
    used,
    skipped,
    skippedExamples: examples,
    firstMs,
    lastMs,
    busiestSecond: overall.finish().second,
    gaps: { p50Ms: p(50), p99Ms: p(99), resolutionMs: Number.isFinite(resolutionMs) ? resolutionMs : 1000 },
    routes: [...routes.values()].sort((a, b) => b.count - a.count || (a.template < b.template ? -1 : 1)).map(summarize),
    masked: masker.report,
  };
}

function tallyQuery(r: RouteTally, query: string, masker: Masker, place: string): void {
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    let name = eq === -1 ? pair : pair.slice(0, eq);
    let value = eq === -1 ? '' : pair.slice(eq + 1);
    try {
      name = decodeURIComponent(name.replace(/\+/g, ' '));
      value = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      // keep the raw text
    }
    if (!/^[A-Za-z0-9_.[\]-]{1,64}$/.test(name)) continue;
    let t = r.query.get(name);
    if (!t) {
      if (r.query.size >= 32) continue;
      r.query.set(name, (t = { seen: 0, ints: true, min: Infinity, max: -Infinity, values: new TopKeys(50) }));
    }
    t.seen++;
    const v = masker.named(name, value, place);
    if (t.ints && INT.test(v)) {
      const n = Number(v);
      if (n < t.min) t.min = n;
      if (n > t.max) t.max = n;
    } else t.ints = false;
    t.values.add(v);
  }
}

function summarize(r: RouteTally): RouteSummary {
  const peaks = r.peaks.finish();
  return {
    method: r.method,
    template: r.template,
    count: r.count,
    busiestSecond: peaks.second,
    busiestMinute: peaks.minute,
    params: [...r.params].map(([name, t]) => ({ name, top: t.top(100), distinct: t.distinct, approximate: t.approximate })),
    query: [...r.query].map(([name, t]) => {
      const s: QueryParamSummary = { name, share: t.seen / r.count, top: t.values.top(5) };
      if (t.ints && t.min <= t.max) s.int = { min: t.min, max: t.max };
      return s;
    }),
    statuses: [...r.statuses].sort((a, b) => b[1] - a[1]),
  };
}
