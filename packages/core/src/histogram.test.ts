import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addEncodedHistogram, addHistogram, decodeHistogram, encodeHistogram, encodeHistogramPlain, meanOf, newHistogram, newTotalHistogram, recordMicros, summarizeHistogram, type Histogram } from './histogram.js';
import { HlogFile } from './runfiles/hlog.js';
import { mergeHlogByTag } from './runfiles/read.js';

function slowAdd(into: Histogram, encoded: string): void {
  const d = decodeHistogram(encoded);
  into.add(d);
  d.destroy();
}

function same(a: Histogram, b: Histogram): void {
  expect(a.totalCount).toBe(b.totalCount);
  expect(a.maxValue).toBe(b.maxValue);
  expect(a.minNonZeroValue).toBe(b.minNonZeroValue);
  expect(encodeHistogram(a)).toBe(encodeHistogram(b));
  for (const p of [0, 50, 99, 99.99, 100]) expect(a.getValueAtPercentile(p)).toBe(b.getValueAtPercentile(p));
}

describe('adding an encoded histogram without decoding it', () => {
  it('gives exactly what decode + add gives, over many merges, tails and huge counts included', () => {
    const fast = newHistogram();
    const slow = newHistogram();
    for (let i = 0; i < 40; i++) {
      const h = newHistogram();
      for (let k = 0; k < 3000; k++) recordMicros(h, 1500 * Math.exp(Math.random() * 3) * (Math.random() < 0.01 ? 200 : 1));
      if (i === 7) h.recordValueWithCount(42, 2 ** 30); // a count of many LEB128 bytes
      if (i === 9) recordMicros(h, 1e12); // clamped to the top
      const enc = encodeHistogram(h);
      addEncodedHistogram(fast, enc);
      slowAdd(slow, enc);
    }
    same(fast, slow);
  });

  it('adds an empty histogram as a no-op, and into an empty one as a copy', () => {
    const empty = encodeHistogram(newHistogram());
    const a = newHistogram();
    const b = newHistogram();
    addEncodedHistogram(a, empty);
    slowAdd(b, empty);
    same(a, b);
    const h = newHistogram();
    recordMicros(h, 1); // the lowest bucket counts too
    recordMicros(h, 12_345);
    addEncodedHistogram(a, encodeHistogram(h));
    slowAdd(b, encodeHistogram(h));
    same(a, b);
    expect(a.totalCount).toBe(2);
  });

  it('takes the ordinary path for another layout', () => {
    const other = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2, bitBucketSize: 32 });
    other.recordValue(777);
    const a = newHistogram();
    addEncodedHistogram(a, hdr.encodeIntoCompressedBase64(other));
    expect(a.totalCount).toBe(1);
    expect(a.getValueAtPercentile(100)).toBeGreaterThanOrEqual(770);
  });
});

describe('the plain (not deflated) V2 encoding of the agent wire', () => {
  it('round-trips exactly, decodes like the compressed form, and adds like it', () => {
    const h = newHistogram();
    for (let k = 0; k < 5000; k++) recordMicros(h, 900 * Math.exp(Math.random() * 4));
    h.recordValueWithCount(3, 2 ** 30);
    recordMicros(h, 1e12);
    const plain = encodeHistogramPlain(h);
    same(decodeHistogram(plain), decodeHistogram(encodeHistogram(h)));
    const a = newHistogram();
    const b = newHistogram();
    addEncodedHistogram(a, plain);
    addEncodedHistogram(a, encodeHistogramPlain(newHistogram()));
    slowAdd(b, encodeHistogram(h));
    same(a, b);
  });
});

// Three seconds of 2 billion requests each: every second fits 32 bits, the run does not.
const PER_SECOND = 2_000_000_000;
const SECONDS = 3;

function second(): ReturnType<typeof newHistogram> {
  const h = newHistogram();
  h.recordValueWithCount(1000, PER_SECOND);
  h.recordValueWithCount(250_000, PER_SECOND / 100);
  return h;
}

describe('whole-run totals count past 2^32', () => {
  it('a total histogram adds up interval histograms exactly, and its percentiles stay right', () => {
    const total = newTotalHistogram();
    for (let s = 0; s < SECONDS; s++) total.add(second());
    expect(total.totalCount).toBe(SECONDS * PER_SECOND * 1.01);
    expect(total.getCountAtIndex(total.countsArrayIndex(1000))).toBe(SECONDS * PER_SECOND);
    expect(summarizeHistogram(total)).toMatchObject({ p50: 1, p99: 1 });
    expect(summarizeHistogram(total).p999).toBeCloseTo(250, 0);
    // its encoded form is the standard V2 format: the library's own reader gets the same counts
    const back = hdr.decodeFromCompressedBase64(encodeHistogram(total), 64, false);
    expect(back.totalCount).toBe(total.totalCount);
    expect(back.getValueAtPercentile(99.9)).toBe(total.getValueAtPercentile(99.9));
  });

  it('a merged interval log keeps the whole count of each tag', () => {
    const p = join(mkdtempSync(join(tmpdir(), 'peakdrill-wide-')), 'histograms.hlog');
    const start = 1_763_893_800_000;
    const log = new HlogFile(p, start);
    for (let s = 0; s < SECONDS; s++) log.append([{ tag: 'order.create', fromMs: start + s * 1000, toMs: start + (s + 1) * 1000, histogram: second() }]);
    const merged = mergeHlogByTag(p).get('order.create')!.histogram;
    expect(merged.totalCount).toBe(SECONDS * PER_SECOND * 1.01);
    expect(summarizeHistogram(merged)).toMatchObject({ p50: 1, p99: 1 });
  });
});

describe('summarizeHistogram', () => {
  it('gives the library figures (getValueAtPercentile, maxValue, mean) in its one pass', () => {
    const ms = (us: number) => Math.round(us) / 1000;
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(fc.double({ min: 0, max: 3_700_000_000, noNaN: true }), fc.integer({ min: 1, max: 300 })), { minLength: 1, maxLength: 40 }), (wide, values) => {
        const h = wide ? newTotalHistogram() : newHistogram();
        for (const [us, n] of values) for (let k = 0; k < n; k++) recordMicros(h, us);
        expect(summarizeHistogram(h)).toEqual({
          p50: ms(h.getValueAtPercentile(50)),
          p90: ms(h.getValueAtPercentile(90)),
          p95: ms(h.getValueAtPercentile(95)),
          p99: ms(h.getValueAtPercentile(99)),
          p999: ms(h.getValueAtPercentile(99.9)),
          max: ms(h.maxValue),
          mean: ms(h.mean),
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('meanOf', () => {
  it('is the library mean, bucket for bucket, on narrow and wide histograms of any spread', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(fc.double({ min: 0, max: 3_700_000_000, noNaN: true }), fc.integer({ min: 1, max: 1000 })), { maxLength: 60 }), (wide, values) => {
        const h = wide ? newTotalHistogram() : newHistogram();
        for (const [us, n] of values) for (let k = 0; k < n; k++) recordMicros(h, us);
        expect(meanOf(h)).toBe(h.mean);
      }),
      { numRuns: 200 },
    );
  });

  it('is zero for an empty histogram', () => {
    expect(meanOf(newHistogram())).toBe(0);
  });
});

describe('addHistogram', () => {
  it('adds exactly as the library add does, into narrow and wide totals', () => {
    const values = fc.array(fc.tuple(fc.double({ min: 0, max: 3_700_000_000, noNaN: true }), fc.integer({ min: 1, max: 50 })), { maxLength: 30 });
    fc.assert(
      fc.property(fc.boolean(), values, values, (wide, first, second) => {
        const fill = (h: Histogram, vs: [number, number][]) => {
          for (const [us, n] of vs) for (let k = 0; k < n; k++) recordMicros(h, us);
          return h;
        };
        const ours = fill(wide ? newTotalHistogram() : newHistogram(), first);
        const theirs = fill(wide ? newTotalHistogram() : newHistogram(), first);
        const other = fill(newHistogram(), second);
        addHistogram(ours, other);
        theirs.add(other);
        expect([ours.totalCount, ours.maxValue, ours.minNonZeroValue]).toEqual([theirs.totalCount, theirs.maxValue, theirs.minNonZeroValue]);
        expect(encodeHistogram(ours)).toBe(encodeHistogram(theirs));
      }),
      { numRuns: 150 },
    );
  });
});
