import { describe, expect, it } from 'vitest';
import type { LoadModel } from '../plan.js';
import { steadyWindow, verdictWindow } from './window.js';
import { rampHold } from './verdict.fixture.js';

const open = (startRate: number, ...stages: [s: number, target: number][]): LoadModel => ({
  model: 'open',
  startRate,
  stages: stages.map(([s, target]) => ({ durationMs: s * 1000, target })),
  maxInFlight: 1000,
});

describe('steadyWindow', () => {
  it('takes the hold stage and never the ramps around it', () => {
    expect(steadyWindow(rampHold(100, 10, 60, 10))).toEqual({ fromS: 10, toS: 70 });
  });

  it('counts a first stage as a hold when it starts at its own rate (quick mode --rate)', () => {
    expect(steadyWindow(open(200, [30, 200]))).toEqual({ fromS: 0, toS: 30 });
  });

  it('takes the peak hold, merging adjacent holds at that rate', () => {
    // hold 100 for 20 s, spike to 300 over 5 s, hold 300 for 30 s + 10 s, back down
    const load = open(100, [20, 100], [5, 300], [30, 300], [10, 300], [5, 0]);
    expect(steadyWindow(load)).toEqual({ fromS: 25, toS: 65 });
  });

  it('prefers the longest of equal peak holds, then the first', () => {
    expect(steadyWindow(open(500, [10, 500], [5, 0], [5, 500], [20, 500]))).toEqual({ fromS: 20, toS: 40 });
    expect(steadyWindow(open(500, [10, 500], [5, 0], [5, 500], [10, 500]))).toEqual({ fromS: 0, toS: 10 });
  });

  it('a zero-length stage is an instant jump', () => {
    expect(steadyWindow(open(0, [0, 100], [10, 100], [0, 100], [10, 100]))).toEqual({ fromS: 0, toS: 20 });
    expect(steadyWindow(open(0, [10, 100], [0, 300], [5, 300]))).toEqual({ fromS: 10, toS: 15 });
  });

  it('keeps whole seconds only', () => {
    expect(steadyWindow(open(0, [2.5, 50], [10, 50]))).toEqual({ fromS: 3, toS: 12 });
  });

  it('returns null for a pure ramp, and ignores pauses at rate 0', () => {
    expect(steadyWindow(open(0, [60, 1000]))).toBeNull();
    expect(steadyWindow(open(0, [10, 0], [10, 100]))).toBeNull();
  });

  it('closed model: ramps from startVus, or holds from the first stage without it', () => {
    const stages = [{ durationMs: 10_000, target: 50 }, { durationMs: 20_000, target: 50 }];
    expect(steadyWindow({ model: 'closed', startVus: 0, stages, thinkTimeMs: { minMs: 0, maxMs: 0 } })).toEqual({ fromS: 10, toS: 30 });
    expect(steadyWindow({ model: 'closed', stages, thinkTimeMs: { minMs: 0, maxMs: 0 } })).toEqual({ fromS: 0, toS: 30 });
  });
});

describe('verdictWindow', () => {
  it('is the hold stage for a run that ran as planned', () => {
    expect(verdictWindow(rampHold(100, 10, 60, 10), 80.02)).toEqual({ fromS: 10, toS: 70, source: 'hold' });
  });

  it('falls back to the whole run, flagged, when the plan never holds', () => {
    const w = verdictWindow(open(0, [30, 1000]), 29.97);
    expect(w).toMatchObject({ fromS: 0, toS: 30, source: 'whole-run' });
    expect(w.note).toMatch(/no hold stage.*whole run, ramps included/);
  });

  it('clips to a run stopped inside its hold, and says so', () => {
    const w = verdictWindow(rampHold(100, 10, 60, 10), 40.4);
    expect(w).toMatchObject({ fromS: 10, toS: 40, source: 'hold' });
    expect(w.note).toMatch(/ended after 40 s, inside its steady stage/);
  });

  it('uses the whole run of a run stopped before its hold began', () => {
    const w = verdictWindow(rampHold(100, 10, 60, 10), 6.2);
    expect(w).toMatchObject({ fromS: 0, toS: 6, source: 'whole-run' });
    expect(w.note).toMatch(/before its steady stage \(seconds 10–70\)/);
  });
});
