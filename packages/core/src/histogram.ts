// The one histogram factory. Every latency in peakdrill is recorded here, in microseconds,
// so that every histogram can be merged with every other (same bounds, same precision).
//
// Bounds: 1 µs .. 1 hour, 3 significant digits (0.1% value error). A value above the top is
// clamped to it and counted, never thrown away: a request that took longer than an hour still
// counts as one very slow request.

import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from './runfiles/summary.js';

export type Histogram = hdr.Histogram;

export const HISTOGRAM_LOWEST_US = 1;
export const HISTOGRAM_HIGHEST_US = 3_600_000_000;
export const HISTOGRAM_DIGITS = 3;

export function newHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: HISTOGRAM_LOWEST_US,
    highestTrackableValue: HISTOGRAM_HIGHEST_US,
    numberOfSignificantValueDigits: HISTOGRAM_DIGITS,
    bitBucketSize: 32,
    autoResize: false,
    useWebAssembly: false,
  });
}

/** Records a duration in microseconds, clamped into the histogram's bounds. */
export function recordMicros(h: Histogram, us: number): void {
  h.recordValue(us < HISTOGRAM_LOWEST_US ? HISTOGRAM_LOWEST_US : us > HISTOGRAM_HIGHEST_US ? HISTOGRAM_HIGHEST_US : Math.round(us));
}

/** Lossless, compact form for crossing threads, processes and machines. */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  // The payload carries the bounds it was made with; every encoder in peakdrill uses
  // newHistogram(), so decoded histograms have the standard shape and merge losslessly.
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

export const usToMs = (us: number): number => Math.round(us) / 1000;

/** Percentiles in milliseconds (3 decimals); zeros for an empty histogram. */
export function summarizeHistogram(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    p50: usToMs(h.getValueAtPercentile(50)),
    p90: usToMs(h.getValueAtPercentile(90)),
    p95: usToMs(h.getValueAtPercentile(95)),
    p99: usToMs(h.getValueAtPercentile(99)),
    p999: usToMs(h.getValueAtPercentile(99.9)),
    max: usToMs(h.maxValue),
    mean: usToMs(h.mean),
  };
}

/** Points of the latency-by-percentile curve (HdrHistogram's plot), value in ms. */
export function percentileCurve(h: Histogram): { percentile: number; ms: number }[] {
  if (h.totalCount === 0) return [];
  const points: { percentile: number; ms: number }[] = [];
  const steps = [0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 80, 85, 87.5, 90, 92.5, 95, 96.25, 97.5, 98.125, 98.75, 99, 99.375, 99.5, 99.6875, 99.8, 99.9, 99.95, 99.99, 99.999, 100];
  for (const p of steps) points.push({ percentile: p, ms: usToMs(h.getValueAtPercentile(p)) });
  return points;
}

/**
 * Calls `fn` for every populated HDR bucket, ascending, with the top of the bucket (the value
 * getValueAtPercentile reports for it) and its count: for turning a histogram into another
 * bucket layout (Prometheus `le` buckets, OpenTelemetry exponential buckets) without samples.
 */
export function forEachRecorded(h: Histogram, fn: (valueUs: number, count: number) => void): void {
  if (h.totalCount === 0) return;
  const js = h as unknown as hdr.JsHistogram;
  for (let i = 0; i < js.countsArrayLength; i++) {
    const c = js.getCountAtIndex(i);
    if (c !== 0) fn(js.highestEquivalentValue(js.valueFromIndex(i)), c);
  }
}

/**
 * How many recorded values are at or below each bound (µs, ascending): cumulative counts, the
 * shape of Prometheus `le` buckets. The last entry is not the total: values above the last
 * bound are left out.
 */
export function countsAtOrBelow(h: Histogram, boundsUs: readonly number[]): number[] {
  const perBound = new Array<number>(boundsUs.length).fill(0);
  let b = 0;
  forEachRecorded(h, (v, c) => {
    while (b < boundsUs.length && v > boundsUs[b]!) b++;
    if (b < boundsUs.length) perBound[b]! += c;
  });
  let run = 0;
  return perBound.map((n) => (run += n));
}
