// The generator must never measure itself: a run whose generator fell behind, dropped
// arrivals or lost a generator is `inconclusive` (exit 4), never `passed`.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { quickPlan } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { Drill } from './drill.js';

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

const tmp = (): string => mkdtempSync(join(tmpdir(), 'peakdrill-honest-'));

describe('a generator that falls behind makes the run inconclusive', () => {
  it('one worker asked for far more than it can send: inconclusive, exit 4, the late generator named', { timeout: 60_000 }, async () => {
    // 150,000 arrivals/s for one worker thread on a 2-core machine is beyond any Node thread:
    // the arrivals it cannot send on time are late by up to the whole window
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, rate: 150_000, durationMs: 1000, timeoutMs: 2000 });
    plan.shadow.enabled = false;
    if (plan.load.model === 'open') plan.load.maxInFlight = 1_000_000;
    const result = await new Drill({ plan, outDir: tmp(), workers: 1 }).run();
    const s = result.summary;
    expect(s.status).toBe('inconclusive');
    expect(result.exitCode).toBe(4);
    expect(s.passed).toBe(false);
    const g = s.generator!;
    expect(g.keptUp).toBe(false);
    expect(g.latenessMs.p99).toBeGreaterThan(g.boundMs);
    const late = g.behind.find((b) => b.cause === 'lateness');
    expect(late?.generator).toBe(`${s.id}/g0`);
    expect(late?.reason).toMatch(/sent late: lateness p99 .* ms over the window \(bound 10+ ms\)/);
    expect(g.advice).toMatch(/add workers/);
    expect(s.notes.join('\n')).toMatch(/generator: .*\/g0 sent late/);
  });

  it('a stalled target with a small maxInFlight: the refused arrivals fail the run or make it inconclusive, never a pass', { timeout: 30_000 }, async () => {
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, rate: 200, durationMs: 3000, budgets: ['p95<100ms'] });
    plan.shadow.enabled = false;
    plan.http.connections = 10;
    if (plan.load.model === 'open') plan.load.maxInFlight = 5;
    const drill = new Drill({
      plan,
      outDir: tmp(),
      workers: 1,
      // a one-second stall once the clock runs
      onSecond: (sec) => {
        if (sec.t === 0) {
          target!.mode = 'stall';
          setTimeout(() => target!.release(), 1000);
        }
      },
    });
    const result = await drill.run();
    const s = result.summary;
    expect(s.status).not.toBe('passed');
    expect([1, 4]).toContain(result.exitCode);
    expect(s.generator!.dropped).toBeGreaterThan(50);
    expect(s.dropped).toBe(s.generator!.dropped);
    if (s.status === 'inconclusive') expect(s.generator!.behind.some((b) => b.cause === 'dropped' && /dropped \d+ arrivals at maxInFlight/.test(b.reason))).toBe(true);
  });

  it('a healthy run says how well the generator kept up', { timeout: 30_000 }, async () => {
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, rate: 100, durationMs: 2000 });
    plan.shadow.enabled = false;
    const result = await new Drill({ plan, outDir: tmp(), workers: 1 }).run();
    const g = result.summary.generator!;
    expect(g.dropped).toBe(0);
    expect(g.died).toEqual([]);
    expect(g.boundMs).toBe(100);
    // figures are there (their size depends on the machine; only their presence is asserted)
    expect(g.latenessMs.max).toBeGreaterThanOrEqual(g.latenessMs.p99);
    expect(g.cpu.max).toBeGreaterThan(0);
    expect(g.cpu.max).toBeLessThanOrEqual(1);
  });
});
