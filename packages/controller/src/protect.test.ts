import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { quickPlan } from '@peakdrill/core';
import { startTarget, tokenBucketTarget, type Target } from '@peakdrill/engine/testing';
import { protectMultiples, verifyProtection } from './protect.js';

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

/** Unprotected: one request at a time, `serviceMs` each, an unbounded queue in front. Past its knee the queue only grows. */
async function queueing(serviceMs: number): Promise<Target> {
  const t = await startTarget();
  let queue = Promise.resolve();
  t.handler = (_req, res) => {
    queue = queue.then(() => new Promise<void>((r) => setTimeout(() => { if (!res.destroyed) res.end('ok'); r(); }, serviceMs)));
    return true;
  };
  return t;
}

function options(url: string, budgets: string[], beyond = 3) {
  const plan = quickPlan({ url: `${url}/`, rate: 1, durationMs: 3000, budgets, timeoutMs: 500 });
  plan.shadow.enabled = false;
  plan.journeys[0]!.steps[0]!.shed = [429];
  return { plan, link: plan.journeys[0]!.steps[0]!.name, outDir: mkdtempSync(join(tmpdir(), 'peakdrill-protect-')), workers: 1, maxRate: 1000, startRate: 10, stepMs: 2500, warmupMs: 1000, growth: 2, precision: 0.25, maxSteps: 10, beyond };
}

describe('capacity --protect', () => {
  it('climbs to 1.5×, 2×, 3× … the knee, up to --beyond', () => {
    expect(protectMultiples(3)).toEqual([1.5, 2, 3]);
    expect(protectMultiples(2)).toEqual([1.5, 2]);
  });

  // Each test runs a capacity search and three more steps: real drills of 2.5 s each, and a
  // busy 2-core machine may take twice as long to start and stop them. Rates stay low (tens
  // per second) so the generator's own lateness on a busy machine does not move the knee much,
  // and the assertions hold wherever the search puts the knee.
  it('passes when rate limiting holds goodput on a plateau past the knee', async () => {
    target = await tokenBucketTarget(50, 429);
    const r = await verifyProtection(options(target.url, ['errors<1%', 'shed<5%'], 4));
    expect(r.steps.map((s) => s.multiple)).toEqual([1.5, 2, 3, 4]);
    expect(r.kneeGoodputRps).toBeGreaterThan(0);
    for (const s of r.steps) {
      expect(s.goodputRps, s.why).toBeGreaterThanOrEqual(r.kneeGoodputRps * 0.9);
      expect(s.goodputRps, 'the plateau is the limit').toBeLessThanOrEqual(50 * 1.15);
      expect(s.hardFailureShare).toBe(0);
    }
    // 4× the knee is past the 50/s limit wherever the search put the knee (it passes at most ~50/s)
    expect(r.steps.at(-1)!.shedShare).toBeGreaterThan(0.2);
    expect(r.passed).toBe(true);
    expect(r.recommendedLimitRps).toBe(Math.floor(r.kneeGoodputRps * 0.8));
    expect(r.sentence).toMatch(/protection held up to 4× the knee/);
  }, 240_000);

  it('fails and says where when goodput collapses past the knee (no limit, queueing)', async () => {
    target = await queueing(20); // 50 answers/s at most
    const r = await verifyProtection(options(target.url, ['errors<1%', 'p99<200ms'], 4));
    expect(r.passed).toBe(false);
    const broke = r.steps.find((s) => !s.held)!;
    expect(broke.hardFailureShare).toBeGreaterThan(0.001);
    expect(r.sentence).toContain(`protection broke at ${broke.rate.toLocaleString('en-US')}/s (${broke.multiple}× the knee`);
  }, 240_000);
});
