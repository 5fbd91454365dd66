import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { encodeHistogram, newHistogram, newTotalHistogram, summarizeHistogram } from './histogram.js';
import { HlogFile } from './runfiles/hlog.js';
import { mergeHlogByTag } from './runfiles/read.js';

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
