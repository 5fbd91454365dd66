import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { quickPlan } from '@peakdrill/core';
import { startTarget, tokenBucketTarget, type Target } from '@peakdrill/engine/testing';
import { searchCapacity } from './capacity.js';

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

describe('capacity search', () => {
  it('lands within 10% of a known capacity', async () => {
    const capacity = 600;
    target = await tokenBucketTarget(capacity, 503);
    const plan = quickPlan({ url: `${target.url}/`, rate: 1, durationMs: 3000, budgets: ['errors<1%'], targetRps: 500 });
    plan.shadow.enabled = false;
    const result = await searchCapacity({
      plan,
      link: plan.journeys[0]!.steps[0]!.name,
      outDir: mkdtempSync(join(tmpdir(), 'peakdrill-cap-')),
      workers: 1,
      maxRate: 5000,
      startRate: 100,
      stepMs: 2500,
      warmupMs: 1000,
      growth: 2,
      precision: 0.05,
      maxSteps: 12,
    });
    expect(Math.abs(result.sustainedRate - capacity) / capacity, JSON.stringify(result.steps.map((s) => [s.rate, s.achievedRps, s.passed, s.inconclusive, s.reasons]))).toBeLessThan(0.1);
    expect(result.met).toBe(true);
    expect(result.steps.some((s) => !s.passed)).toBe(true);
    expect(result.steps.every((s) => s.rate <= 5000)).toBe(true);
    expect(result.sentence).toMatch(/holds .* req\/s within errors ≤ 1%; target 500: met/);
  }, 120_000);

  it('never goes past --max-rate and reports a missed target', async () => {
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, rate: 1, durationMs: 2000, budgets: ['p99<1s'], targetRps: 10_000 });
    plan.shadow.enabled = false;
    const result = await searchCapacity({ plan, link: plan.journeys[0]!.steps[0]!.name, outDir: mkdtempSync(join(tmpdir(), 'peakdrill-cap-')), workers: 1, maxRate: 200, startRate: 100, stepMs: 2000, warmupMs: 500, growth: 2, precision: 0.05, maxSteps: 5 });
    expect(result.steps.map((s) => s.rate)).toEqual([100, 200]);
    expect(result.stoppedBecause).toMatch(/max-rate/);
    expect(result.met).toBe(false);
    expect(result.sentence).toMatch(/not met, 2% of target/);
  }, 60_000);
});
