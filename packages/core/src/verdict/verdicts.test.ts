import { describe, expect, it } from 'vitest';
import type { LinkTarget } from '../plan.js';
import { percentileMs } from './budget.js';
import type { LinkSecond } from './seconds.js';
import { tallyOutcomes } from './seconds.js';
import { computeVerdicts } from './verdicts.js';
import { hist, makePlan, rampHold } from './verdict.fixture.js';

const LINK = 'order.create';

/**
 * 10 s ramp (awful: 5 s latencies, half errors), 60 s hold at 100 req/s, 10 s ramp down (awful
 * again). Each hold second: 100 completed — 98 at 100 ms, 2 at 312 ms; 3 shed; one error every
 * 10th second; hop `db` at 25 ms.
 */
function drill(): LinkSecond[] {
  const out: LinkSecond[] = [];
  for (let t = 0; t < 80; t++) {
    const hold = t >= 10 && t < 70;
    if (!hold) {
      out.push({ t, link: LINK, count: 50, errors: 25, shed: 0, started: 50, latency: hist([5000, 50]), hops: { db: hist([900, 50]) } });
      continue;
    }
    out.push({
      t,
      link: LINK,
      ...tallyOutcomes({ ok: t % 10 === 0 ? 96 : 97, shed: 3, http_5xx: t % 10 === 0 ? 1 : 0 }),
      started: 100,
      latency: hist([100, 98], [312, 2]),
      hops: { db: hist([25, 100]) },
    });
  }
  return out;
}

const verdictOf = (target: LinkTarget, intervals = drill(), durationS = 80) =>
  computeVerdicts({ plan: makePlan(rampHold(100, 10, 60, 10), { [LINK]: target }, 2), intervals, durationS }).get(LINK)!;

describe('computeVerdicts', () => {
  it('measures the hold stage only: p99, max and errors of the ramps do not count', () => {
    const v = verdictOf({
      budgets: [
        { kind: 'latency', percentile: 'p99', maxMs: 250 },
        { kind: 'latency', percentile: 'max', maxMs: 1000 },
        { kind: 'latency', percentile: 'p50', maxMs: 150 },
      ],
    });
    expect(v.window).toEqual({ fromS: 10, toS: 70 });
    expect(v.windowSource).toBe('hold');
    const [p99, max, p50] = v.budgets;
    // 5,880 at 100 ms and 120 at 312 ms: the 99th percentile (the 5,940th value) is 312 ms
    expect(p99!.measured).toBeCloseTo(312, 0);
    expect(p99!.passed).toBe(false);
    expect(p99!.reason).toBe('p99 was 312.1 ms, budget 250 ms: 25% over');
    expect(max!.measured).toBeCloseTo(312, 0);
    expect(max!.passed).toBe(true);
    expect(p50!.measured).toBeCloseTo(100, 0);
    expect(p50!.reason).toMatch(/^p50 was 100(\.\d)? ms, within the 150 ms budget \(33% under\)$/);
    expect(v.passed).toBe(false);
  });

  it('error rate excludes shed answers; shed rate counts them', () => {
    const v = verdictOf({ budgets: [{ kind: 'errorRate', max: 0.001 }, { kind: 'shedRate', max: 0.02 }] });
    const [errors, shed] = v.budgets;
    // 6 errors (one every 10th second) of 6,000 completed
    expect(errors!.measured).toBeCloseTo(0.001, 9);
    expect(errors!.passed).toBe(true);
    expect(errors!.reason).toBe('0.1% of requests failed (6 of 6,000), within the 0.1% budget');
    // 180 shed of 6,000 = 3% against 2%
    expect(shed!.measured).toBeCloseTo(0.03, 9);
    expect(shed!.passed).toBe(false);
    expect(shed!.reason).toBe('3% of requests were shed (answered with a declared overload status) (180 of 6,000), budget 2%: 50% over');
  });

  it('throughput: baseline × growth, achieved without errors, headroom, 1% tolerance', () => {
    // baseline 50 × scenario growth 2 = 100 req/s; achieved (6,000 − 6) / 60 s = 99.9 req/s
    const v = verdictOf({ baseline: 50, budgets: [] });
    expect(v.targetRps).toBe(100);
    expect(v.achievedRps).toBeCloseTo(99.9, 6);
    expect(v.headroom).toBeCloseTo(0.999, 4);
    expect(v.offeredRps).toBe(100);
    const [rps] = v.budgets;
    expect(rps).toMatchObject({ budget: 'rps ≥ 100', unit: 'rps', allowed: 100, passed: true });
    expect(rps!.reason).toBe('achieved 99.9 req/s, target 100 req/s (2 × last peak 50): 99.9% of target, within the 1% measurement tolerance');
    expect(v.passed).toBe(true);
  });

  it('a missed target says how far, and that the drill offered too little to test it', () => {
    const v = verdictOf({ rps: 150, budgets: [] });
    expect(v.headroom).toBeCloseTo(0.666, 3);
    expect(v.passed).toBe(false);
    expect(v.budgets[0]!.reason).toBe(
      'achieved 99.9 req/s, target 150 req/s: not met, 67% of target; the drill only offered 100 req/s, so raise its rate to test the target',
    );
  });

  it('a per-link growth overrides the scenario growth', () => {
    expect(verdictOf({ baseline: 50, growth: 1.5, budgets: [] }).targetRps).toBe(75);
  });

  it('hop budgets read the Server-Timing hop histograms; a missing hop fails with a reason', () => {
    const v = verdictOf({
      budgets: [
        { kind: 'latency', percentile: 'p99', maxMs: 20, hop: 'db' },
        { kind: 'latency', percentile: 'p99', maxMs: 20, hop: 'redis' },
      ],
    });
    const [db, redis] = v.budgets;
    expect(db!.budget).toBe('hop:db.p99 ≤ 20 ms');
    expect(db!.measured).toBeCloseTo(25, 1);
    expect(db!.reason).toMatch(/^the db hop's p99 was 25(\.\d+)? ms, budget 20 ms: 25% over$/);
    expect(redis!.passed).toBe(false);
    expect(redis!.reason).toBe('no response carried a Server-Timing entry for hop redis in seconds 10–70 (the steady stage), so its p99 cannot be measured');
  });

  it('quick mode: budgets without a throughput target', () => {
    const v = verdictOf({ budgets: [{ kind: 'latency', percentile: 'p99', maxMs: 5000 }, { kind: 'errorRate', max: 0.01 }] });
    expect(v.targetRps).toBeUndefined();
    expect(v.headroom).toBeUndefined();
    expect(v.budgets.map((b) => b.unit)).toEqual(['ms', 'ratio']);
    expect(v.passed).toBe(true);
  });

  it('a link with budgets that never answered fails; links without a capacity entry get no verdict', () => {
    const plan = makePlan(rampHold(100, 10, 60), { silent: { rps: 10, budgets: [{ kind: 'latency', percentile: 'p99', maxMs: 100 }] } });
    const verdicts = computeVerdicts({ plan, intervals: drill(), durationS: 70 });
    expect([...verdicts.keys()]).toEqual(['silent']);
    const v = verdicts.get('silent')!;
    expect(v.passed).toBe(false);
    expect(v.achievedRps).toBe(0);
    expect(v.budgets[1]!.reason).toBe('no responses in seconds 10–70 (the steady stage), so p99 cannot be measured');
  });

  it('without a hold stage, the whole run counts and the verdict says so', () => {
    const plan = makePlan({ model: 'open', startRate: 0, stages: [{ durationMs: 80_000, target: 100 }], maxInFlight: 1000 }, { [LINK]: { budgets: [{ kind: 'latency', percentile: 'max', maxMs: 1000 }] } });
    const v = computeVerdicts({ plan, intervals: drill(), durationS: 80 }).get(LINK)!;
    expect(v.window).toEqual({ fromS: 0, toS: 80 });
    expect(v.windowSource).toBe('whole-run');
    expect(v.note).toMatch(/no hold stage/);
    expect(v.budgets[0]!.measured).toBeCloseTo(5000, -1);
    expect(v.passed).toBe(false);
  });

  it('entries add up: one pre-merged entry per link gives the same verdict as per-second ones', () => {
    const target: LinkTarget = { rps: 100, budgets: [{ kind: 'latency', percentile: 'p99', maxMs: 250 }, { kind: 'errorRate', max: 0.01 }] };
    const perSecond = verdictOf(target);
    const window = drill().filter((s) => s.t >= 10 && s.t < 70);
    const latency = hist();
    for (const s of window) latency.add(s.latency!);
    const merged: LinkSecond = {
      t: 10,
      link: LINK,
      count: window.reduce((a, s) => a + s.count, 0),
      errors: window.reduce((a, s) => a + s.errors, 0),
      shed: window.reduce((a, s) => a + s.shed, 0),
      started: 6000,
      latency,
    };
    expect(verdictOf(target, [merged])).toEqual(perSecond);
  });

  it('leaves the input histograms untouched', () => {
    const intervals = drill();
    const before = percentileMs(intervals[20]!.latency!, 'p99');
    verdictOf({ budgets: [{ kind: 'latency', percentile: 'p99', maxMs: 1 }] }, intervals);
    expect(percentileMs(intervals[20]!.latency!, 'p99')).toBe(before);
    expect(intervals[20]!.latency!.totalCount).toBe(100);
  });
});
