// Whole-run latency-by-percentile curves from histograms.hlog, one per link. Merging an hour of
// ten links takes ~0.5 s, so results are cached by the file's size and mtime (a finished run's
// log never changes; a live one is recomputed when asked again).

import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { damagedLog, HlogDamaged, HlogMerger, hlogLines, mergeHlogByTag, summarizeHistogram, type Histogram, type LatencySummary, type MergedHistogram } from '@peakdrill/core';

export interface CurvePoint {
  /** Percentile, 0..100. */
  p: number;
  /** Latency at that percentile, milliseconds. */
  ms: number;
}

export interface LinkPercentiles {
  link: string;
  count: number;
  latencyMs: LatencySummary;
  curve: CurvePoint[];
}

/**
 * Dense points for the HdrHistogram-style plot: evenly spaced in log10(1 / (1 - p)), ten per
 * decade ("nines"), up to the resolution the sample count supports, then the max.
 */
export function percentileCurveDense(h: Histogram): CurvePoint[] {
  const n = h.totalCount;
  if (n === 0) return [];
  const decades = Math.min(6, Math.max(1, Math.log10(n)));
  const out: CurvePoint[] = [];
  // Percentiles report each bucket's highest equivalent value, the max its lowest: keep the
  // curve non-decreasing so the plot never dips at the end.
  let prev = 0;
  for (let k = 0; k <= decades + 1e-9; k += 0.1) {
    const p = 100 * (1 - 10 ** -k);
    prev = Math.max(prev, Math.round(h.getValueAtPercentile(p)) / 1000);
    out.push({ p: round(p, 6), ms: prev });
  }
  out.push({ p: 100, ms: Math.max(prev, Math.round(h.maxValue) / 1000) });
  return out;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

const cache = new Map<string, LinkPercentiles[]>();
const inFlight = new Map<string, Promise<LinkPercentiles[]>>();
const CACHE_ENTRIES = 32;

function cacheKey(hlogPath: string): string | null {
  try {
    const st = statSync(hlogPath);
    return `${hlogPath}|${st.size}|${st.mtimeMs}`;
  } catch {
    return null;
  }
}

function cached(key: string): LinkPercentiles[] | undefined {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
  }
  return hit;
}

/** Curves of merged histograms (destroys them). */
export function curvesOf(merged: Map<string, MergedHistogram>): LinkPercentiles[] {
  const out: LinkPercentiles[] = [];
  for (const m of merged.values()) {
    out.push({ link: m.tag, count: m.histogram.totalCount, latencyMs: summarizeHistogram(m.histogram), curve: percentileCurveDense(m.histogram) });
    m.histogram.destroy();
  }
  return out;
}

function remember(hlogPath: string, key: string, out: LinkPercentiles[]): LinkPercentiles[] {
  for (const k of cache.keys()) if (k.startsWith(hlogPath + '|')) cache.delete(k);
  cache.set(key, out);
  while (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  return out;
}

/** The curves of a log, now (the report). */
export function readPercentiles(hlogPath: string): LinkPercentiles[] {
  const key = cacheKey(hlogPath);
  if (!key) return [];
  return cached(key) ?? remember(hlogPath, key, curvesOf(mergeHlogByTag(hlogPath)));
}

/** Lines merged between two yields to the event loop: ~5 ms of work, so pages and assets keep flowing. */
const LINES_PER_SLICE = 500;

/**
 * The curves of a log without blocking the server: the merge yields to the event loop every
 * few milliseconds, and concurrent requests for the same log share one merge.
 */
export function loadPercentiles(hlogPath: string): Promise<LinkPercentiles[]> {
  const key = cacheKey(hlogPath);
  if (!key) return Promise.resolve([]);
  const hit = cached(key);
  if (hit) return Promise.resolve(hit);
  let p = inFlight.get(key);
  if (!p) {
    p = (WORKER_FILE ? mergeInWorker(hlogPath).catch(() => mergeInSlices(hlogPath)) : mergeInSlices(hlogPath))
      .then((out) => remember(hlogPath, key, out))
      .finally(() => inFlight.delete(key));
    inFlight.set(key, p);
  }
  return p;
}

/** In this thread, yielding to the event loop between slices. */
async function mergeInSlices(hlogPath: string): Promise<LinkPercentiles[]> {
  let text: string;
  try {
    text = await readFile(hlogPath, 'utf8');
  } catch {
    return [];
  }
  const merger = new HlogMerger();
  let n = 0;
  try {
    for (const line of hlogLines(text)) {
      merger.addLine(line);
      if (++n % LINES_PER_SLICE === 0) await new Promise<void>((r) => setImmediate(r));
    }
  } catch (err) {
    if (err instanceof HlogDamaged) throw damagedLog(hlogPath, err);
    throw err;
  }
  return curvesOf(merger.result());
}

/**
 * The compiled worker (dist/percentiles-worker.js). A cold hour merges on another core while
 * this one parses the timeseries and serves the page (~85 ms to start a worker, ~0.3 s saved).
 * Absent when running from source (tests): the in-thread merge is used instead.
 */
const WORKER_FILE = ((): URL | null => {
  const url = new URL('./percentiles-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : null;
})();

function mergeInWorker(hlogPath: string): Promise<LinkPercentiles[]> {
  return new Promise((done, fail) => {
    const worker = new Worker(WORKER_FILE!, { workerData: { path: hlogPath } });
    worker.once('message', (out: LinkPercentiles[]) => {
      done(out);
      void worker.terminate();
    });
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`percentile worker exited with ${code}`)));
  });
}

/** Forgets every cached curve (benchmarks measure the cold path with it). */
export function clearPercentileCache(): void {
  cache.clear();
}
