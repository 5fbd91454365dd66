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

/**
 * One second of one link (interval histograms, recorders): 32-bit counts, as a second never
 * holds 4 billion requests of one link, at half the memory of a wide one.
 */
export function newHistogram(): Histogram {
  return build(32);
}

/**
 * Where counts accumulate over a whole run (totals, verdict windows, merged logs): a 32-bit
 * bucket wraps at 4.3 billion (at 1M/s, in 72 minutes), so these count in float64, exact to
 * 2^53. The encoded form is the same V2 format (counts are variable-length integers), so every
 * standard reader reads it.
 */
export function newTotalHistogram(): Histogram {
  return build(64);
}

function build(bitBucketSize: 32 | 64): Histogram {
  return hdr.build({
    lowestDiscernibleValue: HISTOGRAM_LOWEST_US,
    highestTrackableValue: HISTOGRAM_HIGHEST_US,
    numberOfSignificantValueDigits: HISTOGRAM_DIGITS,
    bitBucketSize,
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
  // The payload carries the bounds it was made with; every encoder in peakdrill uses the
  // factory above, so decoded histograms have the standard shape and merge losslessly.
  // Decoded histograms are intervals (one second): 32-bit counts, like newHistogram().
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

const usToMs = (us: number): number => Math.round(us) / 1000;

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
