// The data behind a run page: the same object feeds the dashboard's page, the report's
// inline data and the JSON API, so the three can never disagree.

import { join } from 'node:path';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { chainMap, describeLoad, describeStages, observedSources, readControlChanges, RUN_FILES, type ControlChange, readObserveFile, readRunNotes, readTimeseries, redactSummary, type ChainMap, type Fidelity, type ObservedSource, type RunNote, type RunFiles, type Summary, type TimeseriesLine } from '@peakdrill/core';
import { readPercentiles, type LinkPercentiles } from './percentiles.js';
import { buildSeries, DEFAULT_MAX_POINTS, type SeriesSet } from './series.js';
import { readFidelity } from './pages/fidelity.js';

/** A `running` summary whose files stopped changing this long ago is shown as stalled, not live. */
export const STALE_AFTER_MS = 30_000;

export type DisplayStatus = 'live' | 'stalled' | 'passed' | 'failed' | 'aborted' | 'error' | 'inconclusive';

export function displayStatus(summary: Summary | null, updatedMs: number, nowMs = Date.now()): DisplayStatus {
  if (!summary) return 'error';
  if (summary.status === 'running') return nowMs - updatedMs < STALE_AFTER_MS ? 'live' : 'stalled';
  return summary.status;
}

export interface RunView {
  page: 'run';
  id: string;
  status: DisplayStatus;
  summary: Summary;
  series: SeriesSet;
  /** Whole-run curves; null when the page loads them from the API afterwards. */
  percentiles: LinkPercentiles[] | null;
  /** Bytes of timeseries.ndjson already in `series` (where the live stream continues). */
  offset: number;
  /** Per link, the last second seen and the running totals (live figures start from these). */
  totals: Record<string, { lastT: number; count: number; errors: number; shed: number }>;
  /** The target's own metrics (`observe:` in the scenario), per source; empty without them. */
  observe: ObservedSource[];
  /** Live changes (control.ndjson), drawn on every time chart; empty when nobody steered the drill. */
  control: ControlChange[];
  /** API base of this run in the dashboard (`/api/runs/<id>`); null in a report opened from disk. */
  api: string | null;
  generatedAt: string;
  /** The chain map of the run's hops (pages/chain.ts); absent before any link answered. */
  chain?: ChainMap;
  /** Notes written about the run (`peakdrill note`). */
  runNotes?: RunNote[];
  /** A replay run: how closely it followed its recording (fidelity.json; pages/fidelity.ts). */
  fidelity?: Fidelity;
  /** The plan's load in words, by core's load profile (describeLoad, describeStages); absent when the summary has no readable plan. */
  load?: LoadWords;
}

export interface LoadWords {
  words: string;
  stages: string[];
}

export interface ViewOptions {
  maxPoints?: number;
  /** Compute percentile curves now (report) or leave them to a second request (dashboard). */
  percentiles?: boolean;
  api?: string | null;
}

/** A summary fit to show (run folders of older versions may hold secrets on disk). */
export function publicSummary(summary: Summary): Summary {
  return redactSummary(summary);
}

interface SeriesEntry {
  series: SeriesSet;
  totals: RunView['totals'];
  offset: number;
  chain: ChainMap;
}

/** Series of finished runs by file size, mtime and maxPoints: a second open skips parsing an hour of seconds. */
const seriesCache = new Map<string, SeriesEntry>();
const SERIES_CACHE_ENTRIES = 16;

function seriesOf(run: RunFiles, maxPoints: number): SeriesEntry {
  let size = 0;
  let mtime = 0;
  try {
    const st = statSync(run.files.timeseries);
    size = st.size;
    mtime = st.mtimeMs;
  } catch {
    size = 0;
  }
  const order = linkOrder(run.summary);
  const key = `${run.files.timeseries}|${size}|${mtime}|${maxPoints}|${order.join('\u0000')}`;
  const hit = seriesCache.get(key);
  if (hit) return hit;
  const lines = readTimeseries(run.files.timeseries);
  // Only complete lines were parsed; the offset must not point past a torn tail.
  const entry = { series: buildSeries(lines, maxPoints, order), totals: totalsOf(lines), offset: completeOffset(run.files.timeseries, size), chain: chainMap(run.summary, lines) };
  seriesCache.set(key, entry);
  while (seriesCache.size > SERIES_CACHE_ENTRIES) seriesCache.delete(seriesCache.keys().next().value as string);
  return entry;
}

/** Forgets every cached series (benchmarks measure the cold path with it). */
export function clearSeriesCache(): void {
  seriesCache.clear();
}

export function buildRunView(run: RunFiles, options: ViewOptions = {}): RunView {
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
  const { series, totals, offset, chain } = seriesOf(run, maxPoints);
  const fidelity = readFidelity(run.path);
  return {
    page: 'run',
    id: run.id,
    status: displayStatus(run.summary, run.updatedMs),
    summary: publicSummary(run.summary),
    series,
    percentiles: options.percentiles ? readPercentiles(run.files.histograms) : null,
    offset,
    totals,
    observe: observedSources(readObserveFile(run.files.observe)),
    control: readControlChanges(join(run.path, RUN_FILES.control)),
    api: options.api ?? null,
    generatedAt: new Date().toISOString(),
    chain,
    runNotes: readRunNotes(run.path),
    ...(fidelity ? { fidelity } : {}),
    ...loadWords(run.summary),
  };
}

/** The stages as they ran (live control rewrites them) in core's words; a folder of an older or broken run may have none. */
function loadWords(summary: Summary): { load?: LoadWords } {
  const load = summary.plan?.load;
  if (!load || !Array.isArray(load.stages)) return {};
  return { load: { words: describeLoad(load), stages: describeStages(load) } };
}

/**
 * The links of a run in display order: the summary's, else (a run just started, whose summary
 * has no links yet) the plan's steps, so a live page has a section for every link from second 0.
 */
export function linkOrder(summary: Summary): string[] {
  if (summary.links.length > 0) return summary.links.map((l) => l.name);
  const names: string[] = [];
  for (const j of summary.plan?.journeys ?? []) for (const st of j.steps ?? []) if (!names.includes(st.name)) names.push(st.name);
  return names;
}

export function totalsOf(lines: readonly TimeseriesLine[]): RunView['totals'] {
  const out: RunView['totals'] = {};
  for (const l of lines) {
    const t = (out[l.link] ??= { lastT: -1, count: 0, errors: 0, shed: 0 });
    if (l.t > t.lastT) t.lastT = l.t;
    t.count += l.count || 0;
    t.errors += l.errors || 0;
    t.shed += l.shed || 0;
  }
  return out;
}

/** The offset just after the last newline at or before `size`. */
function completeOffset(path: string, size: number): number {
  if (size === 0) return 0;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
    const n = readSync(fd, chunk, 0, chunk.length, size - chunk.length);
    const nl = chunk.lastIndexOf(0x0a, n - 1);
    return nl < 0 ? 0 : size - chunk.length + nl + 1;
  } finally {
    closeSync(fd);
  }
}
