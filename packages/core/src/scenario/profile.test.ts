import { describe, expect, it } from 'vitest';
import { ArrivalSchedule, stageTargetAt } from './profile.js';

describe('ArrivalSchedule', () => {
  it('spaces a constant rate evenly and counts exactly', () => {
    const s = new ArrivalSchedule(500, [{ durationMs: 5000, target: 500 }], 1);
    expect(s.totalArrivals).toBe(2500);
    expect(s.timeOf(0)).toBe(0);
    expect(s.timeOf(1)).toBeCloseTo(2, 9);
    expect(s.timeOf(2499)).toBeCloseTo(4998, 6);
    expect(s.timeOf(2500)).toBe(Infinity);
  });

  it('integrates a linear ramp and inverts it', () => {
    const s = new ArrivalSchedule(0, [{ durationMs: 10_000, target: 1000 }, { durationMs: 10_000, target: 1000 }], 1);
    expect(s.totalArrivals).toBeCloseTo(5000 + 10_000, 6);
    expect(s.arrivalsBy(5000)).toBeCloseTo(1250, 6); // ½ · 500/s · 5 s
    for (const n of [1, 10, 100, 1250, 4999, 5000, 9000]) {
      expect(s.arrivalsBy(s.timeOf(n))).toBeCloseTo(n, 4);
    }
    expect(s.rateAt(5000)).toBeCloseTo(500, 6);
  });

  it('scales by the generator share', () => {
    const half = new ArrivalSchedule(100, [{ durationMs: 1000, target: 100 }], 0.5);
    expect(half.totalArrivals).toBe(50);
  });

  it('gives stage targets with linear ramps (closed-model VUs)', () => {
    const stages = [{ durationMs: 1000, target: 10 }, { durationMs: 1000, target: 10 }, { durationMs: 1000, target: 0 }];
    expect(stageTargetAt(0, stages, 500)).toBe(5);
    expect(stageTargetAt(0, stages, 1500)).toBe(10);
    expect(stageTargetAt(0, stages, 2500)).toBe(5);
    expect(stageTargetAt(0, stages, 9999)).toBe(0);
  });
});
