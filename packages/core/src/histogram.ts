// The one histogram factory. Every latency in peakdrill is recorded here, in microseconds,
// so that every histogram can be merged with every other (same bounds, same precision).
//
// Bounds: 1 µs .. 1 hour, 3 significant digits (0.1% value error). A value above the top is
// clamped to it and counted, never thrown away: a request that took longer than an hour still
// counts as one very slow request.

import { inflateSync } from 'node:zlib';
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

/** What encodeHistogram writes: HdrHistogram V2, deflated (cookie 0x1c849314), and inside it V2 (0x1c849313). */
const V2_COMPRESSED_COOKIE = 0x1c849314;
const V2_COOKIE = 0x1c849313;
const V2_HEADER_BYTES = 40;

/** The parts of hdr-histogram-js's JsHistogram that a direct add needs (version pinned in the lock). */
interface CountsLayout {
  _counts: { [i: number]: number; length: number };
  numberOfSignificantValueDigits: number;
  lowestDiscernibleValue: number;
  highestTrackableValue: number;
  maxValue: number;
  minNonZeroValue: number;
  valueFromIndex(i: number): number;
  highestEquivalentValue(v: number): number;
  updatedMaxValue(v: number): void;
  updateMinNonZeroValue(v: number): void;
  setTotalCount(n: number): void;
}

/** Lossless, compact form for crossing threads, processes and machines. */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/**
 * The same V2 encoding, not deflated: a little larger, but adding it (addEncodedHistogram) needs
 * no inflate, whose set-up dominates for the small per-second histograms generators send, and
 * no deflate on a generator's thread (the first seconds' deflates, before the JIT has compiled
 * them, took 10+ ms each there: sends due meanwhile left late). Used on the generator → controller
 * and agent → controller wires only; run files keep the compressed form HdrHistogram tools read.
 */
export function encodeHistogramPlain(h: Histogram): string {
  const l = h as unknown as CountsLayout & { countsArrayIndex(v: number): number };
  const counts = l._counts;
  const limit = h.totalCount === 0 ? 0 : Math.min(counts.length, l.countsArrayIndex(h.maxValue) + 1);
  const out = Buffer.allocUnsafe(V2_HEADER_BYTES + 9 * (limit + 1));
  out.writeInt32BE(V2_COOKIE, 0);
  out.writeInt32BE(0, 8); // normalizing index offset
  out.writeInt32BE(l.numberOfSignificantValueDigits, 12);
  out.writeBigInt64BE(BigInt(l.lowestDiscernibleValue), 16);
  out.writeBigInt64BE(BigInt(l.highestTrackableValue), 24);
  out.writeDoubleBE(1, 32); // integer-to-double conversion ratio
  let p = V2_HEADER_BYTES;
  for (let i = 0; i < limit; ) {
    const c = counts[i]!;
    let word = c;
    i++;
    if (c === 0) {
      let zeros = 1;
      while (i < limit && counts[i] === 0) {
        zeros++;
        i++;
      }
      word = zeros > 1 ? -zeros : 0;
    }
    // ZigZag, then LEB128-64b9B (the 9th byte carries 8 bits)
    let v = word >= 0 ? word * 2 : -word * 2 - 1;
    for (let k = 0; k < 8 && v >= 128; k++) {
      out[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    out[p++] = v;
  }
  out.writeInt32BE(p - V2_HEADER_BYTES, 4);
  return out.toString('base64', 0, p);
}

export function decodeHistogram(encoded: string): Histogram {
  if (Buffer.from(encoded.slice(0, 8), 'base64').readInt32BE(0) === V2_COOKIE) {
    const h = newHistogram();
    addEncodedHistogram(h, encoded);
    return h;
  }
  // The payload carries the bounds it was made with; every encoder in peakdrill uses
  // newHistogram(), so decoded histograms have the standard shape and merge losslessly.
  // Decoded histograms are intervals (one second): 32-bit counts, like newHistogram().
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/**
 * into += decode(encoded), losslessly, without building the decoded histogram: the counts are
 * read from the encoding straight into `into`, so the cost is the encoding's length, not the
 * ~23,000 counts of a histogram (decode + add costs ~0.3 ms; this ~10× less). The result is
 * exactly that of decodeHistogram + add; anything but a V2 encoding of the same layout takes
 * that slow path.
 */
export function addEncodedHistogram(into: Histogram, encoded: string): void {
  const h = into as unknown as CountsLayout;
  const buf = Buffer.from(encoded, 'base64');
  const cookie = buf.length >= 8 ? buf.readInt32BE(0) : 0;
  const raw = cookie === V2_COOKIE ? buf : cookie === V2_COMPRESSED_COOKIE ? inflateSync(buf.subarray(8, 8 + buf.readInt32BE(4))) : null;
  if (
    raw === null ||
    !h._counts ||
    (cookie === V2_COOKIE && raw.length < V2_HEADER_BYTES) ||
    raw.length < V2_HEADER_BYTES ||
    raw.readInt32BE(0) !== V2_COOKIE ||
    raw.readInt32BE(12) !== h.numberOfSignificantValueDigits ||
    Number(raw.readBigInt64BE(16)) !== h.lowestDiscernibleValue ||
    Number(raw.readBigInt64BE(24)) !== h.highestTrackableValue
  ) {
    if (cookie === V2_COOKIE) throw new Error('a plain-encoded histogram of another layout than newHistogram()');
    const other = decodeHistogram(encoded);
    into.add(other);
    other.destroy();
    return;
  }
  const counts = h._counts;
  const end = Math.min(raw.length, V2_HEADER_BYTES + raw.readInt32BE(4));
  let p = V2_HEADER_BYTES;
  let index = 0;
  let total = 0;
  let minIndex = -1;
  let maxIndex = -1;
  while (p < end) {
    // ZigZag LEB128-64b9B: 7 bits a byte, the 9th byte carries 8
    let b = raw[p++]!;
    let v = b & 0x7f;
    let scale = 128;
    for (let k = 1; b & 0x80 && k < 9; k++) {
      b = raw[p++]!;
      v += (k === 8 ? b : b & 0x7f) * scale;
      scale *= 128;
    }
    if (v % 2 === 1) {
      index += (v + 1) / 2; // a run of zero counts
      continue;
    }
    const c = v / 2;
    if (c > 0) {
      if (index >= counts.length) throw new Error('an encoded histogram holds counts beyond its own range');
      counts[index] = counts[index]! + c;
      total += c;
      if (minIndex < 0 && index !== 0) minIndex = index;
      maxIndex = index;
    }
    index++;
  }
  // the same bookkeeping as decode (establishInternalTackingValues) + add
  h.setTotalCount(into.totalCount + total);
  const otherMax = maxIndex >= 0 ? h.highestEquivalentValue(h.valueFromIndex(maxIndex)) : 0;
  const otherMin = minIndex >= 0 ? h.valueFromIndex(minIndex) : Number.MAX_VALUE;
  h.updatedMaxValue(Math.max(h.maxValue, otherMax));
  h.updateMinNonZeroValue(Math.min(h.minNonZeroValue, otherMin));
}

/**
 * into += other, exactly as the library's add does for two histograms of the one layout, but
 * over the counts arrays directly and only up to `other`'s highest value: the library calls two
 * methods for each of the ~23,000 counts, and the controller adds every link's second into
 * three totals.
 */
export function addHistogram(into: Histogram, other: Histogram): void {
  const a = into as unknown as CountsLayout & { countsArrayLength: number };
  const b = other as unknown as CountsLayout & { countsArrayLength: number; countsArrayIndex(v: number): number };
  if (!a._counts || !b._counts || a.countsArrayLength !== b.countsArrayLength || a.numberOfSignificantValueDigits !== b.numberOfSignificantValueDigits || a.lowestDiscernibleValue !== b.lowestDiscernibleValue) {
    into.add(other);
    return;
  }
  if (other.totalCount === 0) return;
  const to = a._counts;
  const from = b._counts;
  const top = Math.min(b.countsArrayLength, b.countsArrayIndex(other.maxValue) + 1);
  let added = 0;
  for (let i = 0; i < top; i++) {
    const c = from[i]!;
    if (c > 0) {
      to[i] = to[i]! + c;
      added += c;
    }
  }
  a.setTotalCount(into.totalCount + added);
  a.updatedMaxValue(Math.max(into.maxValue, other.maxValue));
  a.updateMinNonZeroValue(Math.min(a.minNonZeroValue, b.minNonZeroValue));
}

export const usToMs = (us: number): number => Math.round(us) / 1000;

const SUMMARY_PERCENTILES = [50, 90, 95, 99, 99.9] as const;

/**
 * Percentiles in milliseconds (3 decimals); zeros for an empty histogram. The same figures as
 * the library's getValueAtPercentile and mean, in one pass over the counts instead of one per
 * figure: the controller summarizes every link's second on the thread it shares with the
 * generators' messages.
 */
export function summarizeHistogram(h: Histogram): LatencySummary {
  const total = h.totalCount;
  if (total === 0) return { p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const js = h as unknown as hdr.JsHistogram;
  const counts = (h as unknown as CountsLayout)._counts;
  const wanted = SUMMARY_PERCENTILES.map((p) => countAtPercentile(p, total));
  const at = [0, 0, 0, 0, 0];
  let next = 0;
  let seen = 0;
  const top = Math.min(js.countsArrayLength, js.countsArrayIndex(h.maxValue) + 1);
  for (let i = 0; i < top && next < wanted.length; i++) {
    seen += counts[i]!;
    while (next < wanted.length && seen >= wanted[next]!) at[next++] = js.highestEquivalentValue(js.valueFromIndex(i));
  }
  return { p50: usToMs(at[0]!), p90: usToMs(at[1]!), p95: usToMs(at[2]!), p99: usToMs(at[3]!), p999: usToMs(at[4]!), max: usToMs(h.maxValue), mean: usToMs(meanOf(h)) };
}

/** How many values lie at or below a percentile, rounded up as the library rounds it (ulp-safe). */
function countAtPercentile(percentile: number, total: number): number {
  const fp = (Math.min(percentile, 100) / 100) * total;
  return Math.max(Math.ceil(fp - 2 ** (Math.floor(Math.log2(fp)) - 52)), 1);
}

/**
 * The histogram's mean, as hdr-histogram-js's `mean` computes it (each bucket at its median
 * equivalent value), in one pass over the counts: the library's getter walks a recorded-values
 * iterator that allocates per step and costs tens of milliseconds on a wide histogram, which
 * on the controller's thread is a stall shared with a generator pinned to the same core.
 */
export function meanOf(h: Histogram): number {
  const total = h.totalCount;
  if (total === 0) return 0;
  const js = h as unknown as hdr.JsHistogram;
  const counts = (h as unknown as CountsLayout)._counts;
  const half = js.subBucketHalfCount;
  const unit = js.unitMagnitude;
  const top = Math.min(js.countsArrayLength, js.countsArrayIndex(h.maxValue) + 1);
  let sum = 0;
  for (let i = 0; i < top; i++) {
    const c = counts[i]!;
    if (c === 0) continue;
    // valueFromIndex(i) is the bucket's lowest value; its range is 2^(unit + bucket index)
    const bucket = Math.max(0, Math.floor(i / half) - 1);
    sum += (js.valueFromIndex(i) + Math.floor(2 ** (unit + bucket) / 2)) * c;
  }
  return sum / total;
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
