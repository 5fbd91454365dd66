import { describe, expect, it } from 'vitest';
import { encodeHistogram, newHistogram, recordMicros } from '../histogram.js';
import type { GeneratorHealth } from '../protocol.js';
import { decodeHlogTag, encodeHlogTag } from '../runfiles/hlog.js';
import type { Summary } from '../runfiles/summary.js';
import { exitCodeOf } from './gate.js';
import { GeneratorHealthTally, latenessBoundMs, settleStatus } from './generator.js';

function health(lateMs: number[], cpu = 0.5): GeneratorHealth {
  const h = newHistogram();
  for (const ms of lateMs) recordMicros(h, ms * 1000);
  return { lateness: encodeHistogram(h), eventLoopDelayP99Us: 2000, eventLoopDelayMaxUs: 5000, cpu };
}

const budgets = (ms: number[]) => ({ growth: 1, links: { a: { budgets: ms.map((maxMs) => ({ kind: 'latency' as const, percentile: 'p99' as const, maxMs })) } } });

describe('the lateness bound', () => {
  it('is max(1 ms, 10% of the tightest latency budget), 100 ms without one', () => {
    expect(latenessBoundMs({ capacity: budgets([250, 50]) })).toBe(5);
    expect(latenessBoundMs({ capacity: budgets([5]) })).toBe(1);
    expect(latenessBoundMs({ capacity: { growth: 1, links: {} } })).toBe(100);
  });
});

describe('GeneratorHealthTally', () => {
  it('keeps up when every generator stays within the bound, over the window only', () => {
    const t = new GeneratorHealthTally(5, { fromS: 1, toS: 3 });
    expect(t.accept('r/g0', 0, 0, health([900]))).toBeNull(); // outside the window: a ramp second
    t.accept('r/g0', 1, 0, health([0.1, 0.2, 1]));
    t.accept('r/g1', 2, 0, health([0.1, 3], 0.25));
    const r = t.report();
    expect(r.keptUp).toBe(true);
    expect(r.latenessMs.max).toBeLessThan(5);
    expect(r.cpu).toEqual({ mean: 0.375, max: 0.5 });
    expect(r.eventLoopDelayMs).toEqual({ p99: 2, max: 5 });
    expect(r.advice).toBe('');
  });

  it('names the generator that fell behind, from when, why, and what to do', () => {
    const t = new GeneratorHealthTally(5, null);
    t.accept('r/g0', 0, 0, health([0.1]));
    t.accept('r/g1', 0, 0, health([0.1]));
    const note = t.accept('r/g1', 1, 0, health(Array(100).fill(40)));
    expect(note).toMatch(/r\/g1 is falling behind its schedule: lateness p99 40/);
    expect(t.accept('r/g1', 2, 0, health(Array(100).fill(40)))).toBeNull(); // said once
    t.accept('r/g0', 2, 7, health([0.1]));
    t.markDied('r/g2', 2, 'the worker ended without reporting its last interval');
    const r = t.report();
    expect(r.keptUp).toBe(false);
    expect(r.dropped).toBe(7);
    expect(r.died).toEqual(['r/g2']);
    expect(r.behind.map((b) => [b.generator, b.cause, b.atS])).toEqual([
      ['r/g0', 'dropped', 2],
      ['r/g1', 'lateness', 1],
      ['r/g2', 'died', 2],
    ]);
    expect(r.advice).toMatch(/add workers.*raise load\.maxInFlight.*died/);
  });
});

function summary(status: Summary['status'], keptUp: boolean, budget?: { measured: number; allowed: number; unit: 'ms' | 'ratio'; label: string }): Summary {
  return {
    status,
    abort: null,
    isolation: [],
    invariants: [],
    notes: [],
    passed: status === 'passed',
    links: [{ name: 'a', verdict: budget ? { passed: false, window: { fromS: 0, toS: 1 }, achievedRps: 1, budgets: [{ budget: budget.label, measured: budget.measured, allowed: budget.allowed, unit: budget.unit, passed: false, reason: '' }] } : null }],
    generator: { boundMs: 1, latenessMs: { p50: 1, p99: 20, p999: 25, max: 30 }, eventLoopDelayMs: { p99: 1, max: 1 }, dropped: 0, cpu: { mean: 1, max: 1 }, died: [], keptUp, behind: [], advice: '' },
  } as unknown as Summary;
}

describe('settleStatus and exit 4', () => {
  it('a pass whose generator fell behind is inconclusive, exit 4', () => {
    const s = settleStatus(summary('passed', false));
    expect(s.status).toBe('inconclusive');
    expect(s.passed).toBe(false);
    expect(exitCodeOf(s)).toBe(4);
    expect(settleStatus(summary('passed', true)).status).toBe('passed');
  });
  it('a miss the lateness can explain is inconclusive; one it cannot is failed', () => {
    expect(settleStatus(summary('failed', false, { label: 'p99 ≤ 10 ms', measured: 35, allowed: 10, unit: 'ms' })).status).toBe('inconclusive');
    expect(settleStatus(summary('failed', false, { label: 'p99 ≤ 10 ms', measured: 50, allowed: 10, unit: 'ms' })).status).toBe('failed');
    expect(settleStatus(summary('failed', false, { label: 'errors ≤ 1%', measured: 0.5, allowed: 0.01, unit: 'ratio' })).status).toBe('failed');
  });
  it('an isolation failure exits 1 even when inconclusive', () => {
    const s = { ...settleStatus(summary('passed', false)), isolation: [{ name: 'x', kind: 'sql' as const, passed: false, expected: '0', actual: '1' }] };
    expect(exitCodeOf(s)).toBe(1);
  });
});

describe('hlog tags', () => {
  it('encodes what the format forbids and maps back exactly', () => {
    for (const name of ['GET /', 'GET /cart, 下单 50%', 'a\tb\nc', 'order.create|hop:db', '%41', 'plain']) {
      const tag = encodeHlogTag(name);
      expect(tag).not.toMatch(/[\s,]/);
      expect(decodeHlogTag(tag)).toBe(name);
    }
    expect(encodeHlogTag('GET /x|service')).toBe('GET%20/x|service');
    expect(encodeHlogTag('order.create')).toBe('order.create');
  });
});
