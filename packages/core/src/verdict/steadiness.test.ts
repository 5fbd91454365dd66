import { describe, expect, it } from 'vitest';
import type { TimeseriesLine } from '../runfiles/summary.js';
import { formatSteadiness, P99_CV_MAX, RATE_CV_MAX, samplingNoiseCv, steadinessOf, steadyCvLimit } from './steadiness.js';
import { holdStages } from './window.js';

const line = (t: number, rps: number, p99: number, link = 'order.create'): TimeseriesLine => ({ t, ts: 0, link, planned: 100, count: rps, errors: 0, shed: 0, outcomes: {}, rps, latencyMs: { p50: p99 / 2, p90: p99 * 0.8, p99, max: p99 * 2, mean: p99 / 2 }, inFlight: 1 });
// ramp 0→100 over 10 s, hold 100 for 20 s, step to 200 for 10 s
const load = { model: 'open' as const, startRate: 0, maxInFlight: 1000, stages: [{ durationMs: 10_000, target: 100 }, { durationMs: 20_000, target: 100 }, { durationMs: 0, target: 200 }, { durationMs: 10_000, target: 200 }] };

describe('steadiness per hold stage', () => {
  it('finds each hold stage', () => {
    expect(holdStages(load)).toEqual([{ fromS: 10, toS: 30, rate: 100 }, { fromS: 30, toS: 40, rate: 200 }]);
  });

  it('scores a smooth stage steady and marks the seconds that broke an unsteady one', () => {
    const lines: TimeseriesLine[] = [];
    for (let t = 0; t < 40; t++) {
      if (t < 30) lines.push(line(t, t < 10 ? t * 10 : 100 + (t % 2), 50));
      // the database job: seconds 34–35 slow and short of rate
      else lines.push(line(t, t === 34 || t === 35 ? 150 : 200, t === 34 || t === 35 ? 900 : 60));
    }
    const faults = [{ name: 'db-job', atMs: 34_000, forMs: 1000, action: { kind: 'command' as const, inject: ['true'], timeoutMs: 1000 } }];
    const [calm, bumpy] = steadinessOf(load, lines, 40, faults);
    expect(calm).toMatchObject({ fromS: 10, toS: 30, rate: 100, links: [{ link: 'order.create', steady: true, broken: [] }] });
    expect(calm!.links[0]!.rateCv).toBeLessThan(0.01);
    const l = bumpy!.links[0]!;
    expect(l.steady).toBe(false);
    expect(l.p99Cv).toBeGreaterThan(0.5);
    expect(l.broken.map((b) => [b.t, b.fault])).toEqual([[34, 'db-job'], [35, undefined]]);
    expect(l.broken[0]!.why).toBe('rate 150/s vs median 200/s; p99 900 ms, 15× the median 60 ms');
    expect(formatSteadiness([bumpy!])).toEqual([
      'Steadiness of the hold at 200 /s, seconds 30–40:',
      `  order.create (190/s): rate CV 10.5% (steady up to 15.1%), p99 CV 147.4% (up to 51.2%) · unsteady; seconds that broke it: 34 (rate 150/s vs median 200/s; p99 900 ms, 15× the median 60 ms, fault db-job), 35 (rate 150/s vs median 200/s; p99 900 ms, 15× the median 60 ms)`,
    ]);
  });

  it('leaves out stages the run never reached, and jitter of a fast link', () => {
    const lines = [line(10, 100, 1), line(11, 100, 2.5), line(12, 100, 1)];
    const [stage] = steadinessOf(load, lines, 13);
    expect(stage).toMatchObject({ fromS: 10, toS: 13 });
    expect(stage!.links[0]!.broken).toEqual([]);
    expect(steadinessOf(load, lines, 13)).toHaveLength(1);
  });

  it('allows each link the sampling noise of its own rate, and no more', () => {
    expect(samplingNoiseCv(16)).toBe(0.25);
    // at a high rate the noise is small: the fixed maximum barely moves
    expect(steadyCvLimit(RATE_CV_MAX, 10_000, 20)).toBeLessThan(RATE_CV_MAX * 1.01);
    // at 9/s the noise (33%) dominates, with a margin for only 20 seconds of it
    expect(steadyCvLimit(RATE_CV_MAX, 9, 20)).toBeGreaterThan(0.4);
    // more seconds: a narrower margin
    expect(steadyCvLimit(P99_CV_MAX, 9, 200)).toBeLessThan(steadyCvLimit(P99_CV_MAX, 9, 20));
  });

  it('does not flag a low-rate link whose seconds vary only by sampling noise; does flag a real swing at the same rate', () => {
    // a seeded Poisson(9) count per second: the share of a 60/s journey mix one link gets
    let seed = 17;
    const uniform = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const poisson = (mean: number): number => {
      let k = 0;
      for (let p = uniform(); p > Math.exp(-mean); p *= uniform()) k++;
      return k;
    };
    const noisy: TimeseriesLine[] = [];
    const swinging: TimeseriesLine[] = [];
    for (let t = 10; t < 30; t++) {
      noisy.push(line(t, poisson(9), 40 + 10 * uniform(), 'cart.add'));
      // the same rate on average, but every other second idles at 2/s and answers in 400 ms
      swinging.push(line(t, t % 2 ? 16 : 2, t % 2 ? 40 : 400, 'order.pay'));
    }
    const [stage] = steadinessOf(load, [...noisy, ...swinging], 30);
    const [cart, pay] = stage!.links;
    expect(cart!.rateCv).toBeGreaterThan(RATE_CV_MAX); // what the old fixed rule flagged
    expect(cart).toMatchObject({ link: 'cart.add', steady: true });
    expect(cart!.rateCv).toBeLessThanOrEqual(cart!.rateCvLimit!);
    expect(cart!.broken).toEqual([]);
    expect(pay).toMatchObject({ link: 'order.pay', steady: false });
    expect(pay!.rateCv).toBeGreaterThan(pay!.rateCvLimit!);
    expect(pay!.p99Cv).toBeGreaterThan(pay!.p99CvLimit!);
  });

  it('judges the p99 over the seconds that had answers: an empty second of a sparse link is not a p99 of 0', () => {
    // 0.5/s: one answer every other second, always in 400–440 ms
    const sparse = Array.from({ length: 20 }, (_, i) => (i % 2 ? line(10 + i, 1, 400 + (i % 4) * 10, 'order.pay') : line(10 + i, 0, 0, 'order.pay')));
    const [stage] = steadinessOf(load, sparse, 30);
    const [pay] = stage!.links;
    expect(pay!.p99Cv).toBeLessThan(0.05);
    expect(pay!.broken.filter((b) => b.why.includes('p99'))).toEqual([]);
    expect(pay!.steady).toBe(true); // the rate's 0/1 swing is what 0.5/s looks like
  });
});
