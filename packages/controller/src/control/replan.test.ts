import { describe, expect, it } from 'vitest';
import { ArrivalSchedule, type Stage } from '@peakdrill/core';
import { cutAt, levelAt, parseControlWords, replan } from './replan.js';

// ramp 0 → 400/s over 10 s, hold 400/s for 20 s
const plan = { start: 0, stages: [{ durationMs: 10_000, target: 400 }, { durationMs: 20_000, target: 400 }] as Stage[] };
const limits = { totalMs: 30_000, max: 1_000_000, unit: 'journeys/s' };
const total = (stages: Stage[]): number => stages.reduce((a, s) => a + s.durationMs, 0);

describe('replan: a change is a cut plus a jump', () => {
  it('keeps every arrival before the change where it was, and the drill its length', () => {
    const r = replan({ command: 'rate', value: 1000 }, plan, plan.stages, 4_321, limits);
    const before = new ArrivalSchedule(0, plan.stages, 1);
    const after = new ArrivalSchedule(0, r.stages, 1);
    for (const t of [0, 1_000, 2_500, 4_000, 4_321]) expect(after.arrivalsBy(t)).toBeCloseTo(before.arrivalsBy(t), 9);
    for (let n = 0; n < before.arrivalsBy(4_321); n++) expect(after.timeOf(n)).toBeCloseTo(before.timeOf(n), 9);
    expect(total(r.stages)).toBe(30_000);
    expect(after.rateAt(5_000)).toBeCloseTo(1000, 6);
    expect(after.rateAt(29_000)).toBeCloseTo(1000, 6);
  });

  it('hold stays at the level of the instant; step scales it; resume goes back to the plan at that instant', () => {
    const held = replan({ command: 'hold' }, plan, plan.stages, 2_500, limits);
    expect(held.level).toBe(100);
    expect(levelAt(0, held.stages, 20_000)).toBe(100);
    const stepped = replan({ command: 'step', percent: 20 }, plan, held.stages, 5_000, limits);
    expect(stepped.level).toBe(120);
    const resumed = replan({ command: 'resume' }, plan, stepped.stages, 6_000, limits);
    expect(resumed.level).toBe(240);
    expect(levelAt(0, resumed.stages, 8_000)).toBeCloseTo(320, 6);
    expect(levelAt(0, resumed.stages, 25_000)).toBe(400);
    expect(total(resumed.stages)).toBe(30_000);
    // what ran before each change is still there
    expect(levelAt(0, resumed.stages, 4_000)).toBe(100);
    expect(levelAt(0, resumed.stages, 5_500)).toBe(120);
  });

  it('caps at the ceiling and says so', () => {
    const r = replan({ command: 'rate', value: 5e6 }, plan, plan.stages, 1_000, limits);
    expect(r.level).toBe(1_000_000);
    expect(r.capped).toMatch(/above the drill's ceiling of 1,000,000 journeys\/s/);
  });

  it('cutAt splits the stage the instant falls in', () => {
    expect(cutAt(0, plan.stages, 5_000)).toEqual({
      before: [{ durationMs: 5_000, target: 200 }],
      after: [{ durationMs: 5_000, target: 400 }, { durationMs: 20_000, target: 400 }],
    });
  });
});

describe('the words of peakdrill ctl', () => {
  it('parses each command and refuses the rest in plain words', () => {
    expect(parseControlWords(['rate', '3000'])).toEqual({ command: 'rate', value: 3000 });
    expect(parseControlWords(['step', '+20%'])).toEqual({ command: 'step', percent: 20 });
    expect(parseControlWords(['step', '-10%'])).toEqual({ command: 'step', percent: -10 });
    expect(parseControlWords(['hold'])).toEqual({ command: 'hold' });
    expect(parseControlWords(['rate', '-5'])).toMatch(/rate takes a number ≥ 0/);
    expect(parseControlWords(['step', '20'])).toMatch(/signed percentage/);
    expect(parseControlWords(['step', '-100%'])).toMatch(/use "rate 0" or "stop"/);
    expect(parseControlWords(['pause'])).toMatch(/unknown control command "pause"/);
  });
});
