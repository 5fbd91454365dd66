import { describe, expect, it } from 'vitest';
import { budgetFailureMessage, budgetLabel, evaluateBudget, evaluateThroughput, resolveTarget } from './budget.js';
import { formatChange, formatClock, formatDuration, formatMs, formatRatio, formatRps } from './figures.js';
import { hist } from './verdict.fixture.js';

const facts = (count: number, errors: number, shed = 0) => ({ where: 'seconds 0–10', count, errors, shed, latency: hist([10, 10]), hops: new Map() });

describe('budget labels and messages', () => {
  it('labels read like the scenario, with ≤', () => {
    expect(budgetLabel({ kind: 'latency', percentile: 'p99', maxMs: 250 })).toBe('p99 ≤ 250 ms');
    expect(budgetLabel({ kind: 'latency', percentile: 'p999', maxMs: 1500 })).toBe('p999 ≤ 1,500 ms');
    expect(budgetLabel({ kind: 'latency', percentile: 'p99', maxMs: 0.001 })).toBe('p99 ≤ 0.001 ms');
    expect(budgetLabel({ kind: 'latency', percentile: 'p95', maxMs: 50, hop: 'db' })).toBe('hop:db.p95 ≤ 50 ms');
    expect(budgetLabel({ kind: 'errorRate', max: 0.001 })).toBe('errors ≤ 0.1%');
    expect(budgetLabel({ kind: 'shedRate', max: 0.05 })).toBe('shed ≤ 5%');
  });

  it('failure messages carry the measured figure and the budget', () => {
    expect(budgetFailureMessage({ budget: 'p99 ≤ 250 ms', measured: 312.4, unit: 'ms', allowed: 250, passed: false, reason: '' })).toBe('p99 312.4 ms > budget 250 ms');
    expect(budgetFailureMessage({ budget: 'errors ≤ 0.1%', measured: 0.0042, unit: 'ratio', allowed: 0.001, passed: false, reason: '' })).toBe('errors 0.42% > budget 0.1%');
    expect(budgetFailureMessage({ budget: 'rps ≥ 15,000', measured: 4200, unit: 'rps', allowed: 15000, passed: false, reason: '' })).toBe('rps 4,200 < target 15,000');
  });

  it('an unmeasurable budget reports why instead of a zero figure', () => {
    const r = evaluateBudget({ kind: 'latency', percentile: 'p99', maxMs: 250 }, { ...facts(0, 0), latency: hist() });
    expect(budgetFailureMessage(r)).toBe('p99: no responses in seconds 0–10, so p99 cannot be measured');
  });

  it('error budgets: none allowed, far over, exactly at', () => {
    expect(evaluateBudget({ kind: 'errorRate', max: 0 }, facts(4012, 3)).reason).toBe('3 of 4,012 requests failed; the budget allows none');
    expect(evaluateBudget({ kind: 'errorRate', max: 0 }, facts(4012, 0))).toMatchObject({ passed: true, reason: 'no requests failed (of 4,012); the budget allows none' });
    expect(evaluateBudget({ kind: 'errorRate', max: 0.001 }, facts(4012, 17)).reason).toBe('0.424% of requests failed (17 of 4,012), budget 0.1%: 4.2× the budget');
    expect(evaluateBudget({ kind: 'errorRate', max: 0.01 }, facts(1000, 10)).passed).toBe(true);
  });

  it('latency far over the budget is said as a multiple', () => {
    const r = evaluateBudget({ kind: 'latency', percentile: 'p50', maxMs: 0.001 }, facts(10, 0));
    expect(r.passed).toBe(false);
    expect(r.reason).toMatch(/^p50 was 10(\.\d+)? ms, budget 0.001 ms: 10,00\d× the budget$/);
  });

  it('throughput targets', () => {
    expect(resolveTarget({ rps: 15000, budgets: [] }, 1.5)).toEqual({ rps: 15000, how: '' });
    expect(resolveTarget({ baseline: 10000, budgets: [] }, 1.5)).toEqual({ rps: 15000, how: '1.5 × last peak 10,000' });
    expect(resolveTarget({ budgets: [] }, 1.5)).toBeNull();
    const r = evaluateThroughput({ rps: 15000, how: '1.5 × last peak 10,000' }, 4200, 15000, 0.01);
    expect(r).toMatchObject({ passed: false, measured: 4200, allowed: 15000 });
    expect(r.reason).toBe('achieved 4,200 req/s, target 15,000 req/s (1.5 × last peak 10,000): not met, 28% of target');
    expect(evaluateThroughput({ rps: 100, how: '' }, 98.9, 100, 0.01).passed).toBe(false);
    expect(evaluateThroughput({ rps: 100, how: '' }, 120, 120, 0.01).reason).toBe('achieved 120 req/s, target 100 req/s: met, 120% of target');
  });
});

describe('figures', () => {
  it('writes figures the same way everywhere', () => {
    expect(formatMs(312.4)).toBe('312.4 ms');
    expect(formatMs(0.4123)).toBe('0.412 ms');
    expect(formatMs(2400)).toBe('2,400 ms');
    expect(formatRatio(0.001)).toBe('0.1%');
    expect(formatRatio(0.25)).toBe('25%');
    expect(formatRps(15000)).toBe('15,000 req/s');
    expect(formatRps(199.64)).toBe('199.6 req/s');
    expect(formatChange(0.25)).toBe('+25%');
    expect(formatChange(-0.032)).toBe('-3.2%');
    expect(formatChange(0)).toBe('±0%');
    expect(formatChange(null)).toBe('n/a');
    // one rule for durations: milliseconds at any size (no switch to seconds), missing as a dash
    expect(formatMs(12_345.6)).toBe('12,345.6 ms');
    expect(formatMs(null)).toBe('—');
    expect(formatMs(Number.NaN)).toBe('—');
    expect(formatDuration(125)).toBe('2 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
    expect(formatClock(65)).toBe('1:05');
    expect(formatClock(3723)).toBe('1:02:03');
  });
});
