import { describe, expect, it } from 'vitest';
import { decodeHistogram, emptyOutcomes, encodeHistogram, newHistogram, recordMicros, type IntervalMessage } from '@peakdrill/core';
import { mergeIntervals, SecondMerger, type MergedSecond } from './premerge.js';

function interval(generator: string, t: number, samples: number[], hop = true): IntervalMessage {
  const lat = newHistogram();
  const svc = newHistogram();
  const db = newHistogram();
  for (const us of samples) {
    recordMicros(lat, us);
    recordMicros(svc, us / 2);
    recordMicros(db, us / 4);
  }
  return {
    type: 'interval',
    generator,
    t,
    links: [{ name: 'GET /', outcomes: { ...emptyOutcomes(), ok: samples.length - 1, http_5xx: 1 }, started: samples.length, latency: encodeHistogram(lat), service: encodeHistogram(svc), hops: hop ? { db: encodeHistogram(db) } : {}, tagSent: samples.length, tagAcknowledged: samples.length }],
    journeys: [{ name: 'j', started: samples.length, completed: samples.length - 1, failed: 1 }],
    inFlight: 2,
    dropped: 1,
    lateP99Us: samples.length * 10,
  };
}

describe('pre-merging an agent\'s workers per second', () => {
  it('sums counts and adds histograms losslessly (the same as recording every sample in one)', () => {
    const a = [1000, 2000, 3000, 250_000];
    const b = [1500, 1500, 9_000_000];
    const m = mergeIntervals([interval('r/g0', 4, a), interval('r/g1', 4, b, false)]);
    expect(m).toMatchObject({ generator: 'r/g0', t: 4, inFlight: 4, dropped: 2, lateP99Us: 40 });
    expect(m.journeys).toEqual([{ name: 'j', started: 7, completed: 5, failed: 2, shed: 0 }]);
    const l = m.links[0]!;
    expect(l.outcomes).toMatchObject({ ok: 5, http_5xx: 2 });
    expect([l.started, l.tagSent, l.tagAcknowledged]).toEqual([7, 7, 7]);
    const direct = newHistogram();
    for (const us of [...a, ...b]) recordMicros(direct, us);
    const merged = decodeHistogram(l.latency);
    expect(merged.totalCount).toBe(7);
    for (const p of [50, 90, 99, 100]) expect(merged.getValueAtPercentile(p)).toBe(direct.getValueAtPercentile(p));
    expect(decodeHistogram(l.hops.db!).totalCount).toBe(4);
  });

  it('sends a second once every worker reported it; a late worker does not hold the others, and nothing is lost', () => {
    const out: MergedSecond[] = [];
    const m = new SecondMerger(['r/g0', 'r/g1', 'r/g2'], (x) => out.push(x), 1000);
    m.add(interval('r/g0', 0, [1000]), 0);
    m.add(interval('r/g1', 0, [1000, 2000]), 10);
    expect(out).toHaveLength(0);
    m.add(interval('r/g2', 0, [3000]), 20);
    expect(out.map((o) => o.generators)).toEqual([['r/g0', 'r/g1', 'r/g2']]);
    expect(out[0]!.msg.links[0]!.started).toBe(4);

    m.add(interval('r/g0', 1, [1000]), 1000);
    m.add(interval('r/g1', 1, [1000]), 1010);
    m.tick(1500);
    expect(out).toHaveLength(1);
    m.tick(2000); // g2 is over a second late: what arrived goes out
    expect(out[1]!.generators).toEqual(['r/g0', 'r/g1']);
    m.add(interval('r/g2', 1, [5000, 6000]), 2100); // and its part follows, for the same second
    expect(out[2]).toMatchObject({ generators: ['r/g2'], msg: { t: 1, generator: 'r/g2' } });
    const started = out.filter((o) => o.msg.t === 1).reduce((n, o) => n + o.msg.links[0]!.started, 0);
    expect(started).toBe(4);
  });

  it('a worker that ends flushes every second it is part of before its end goes out', () => {
    const out: MergedSecond[] = [];
    const m = new SecondMerger(['r/g0', 'r/g1'], (x) => out.push(x));
    m.add(interval('r/g0', 7, [1000]));
    m.end('r/g0');
    expect(out.map((o) => o.generators)).toEqual([['r/g0']]);
    m.add(interval('r/g1', 7, [1000])); // g0 no longer awaited: g1's second goes out at once
    m.add(interval('r/g1', 8, [1000]));
    expect(out.map((o) => [o.msg.t, o.generators])).toEqual([[7, ['r/g0']], [7, ['r/g1']], [8, ['r/g1']]]);
  });
});
