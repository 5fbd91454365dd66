import { describe, expect, it } from 'vitest';
import type { Fault } from '../plan.js';
import type { FaultRecord, TimeseriesLine } from '../runfiles/summary.js';
import { exitCodeOf } from './gate.js';
import { judgeRecoveries, planSubject, recoveryOf } from './recovery.js';
import { makeLink, makePlan, makeSummary, rampHold } from './verdict.fixture.js';
import { renderJUnit } from './junit.js';
import { formatVerdictTable } from './table.js';
import { formatVerdictMarkdown } from './markdown.js';
import { verdictWindow } from './window.js';

const plan = makePlan(rampHold(100, 0, 40), {
  'order.create': { budgets: [{ kind: 'latency', percentile: 'p99', maxMs: 100 }, { kind: 'errorRate', max: 0.01 }] },
  'cart.add': { budgets: [{ kind: 'errorRate', max: 0.01 }] },
  'no.budget': { rps: 10, budgets: [] },
});
const fault = (within?: number): Fault => ({
  name: 'slow-inventory', atMs: 10_000, forMs: 10_000, plan: '#37 degrade recommendations',
  action: { kind: 'http', inject: { method: 'POST', url: 'http://127.0.0.1:1/f', headers: {} } },
  ...(within !== undefined ? { recovery: { withinMs: within } } : {}),
});
const record: FaultRecord = { name: 'slow-inventory', kind: 'http', what: 'POST', plannedS: { fromS: 10, toS: 20 }, injectedAtS: 10.01, undoneAtS: 20.02 };

/** 40 s of both links: slow p99 for order.create until `slowUntil`, cart.add failing 5% until `errorsUntil`. */
function lines(slowUntil: number, errorsUntil: number): TimeseriesLine[] {
  const out: TimeseriesLine[] = [];
  for (let t = 0; t < 40; t++) {
    const slow = t >= 10 && t < slowUntil;
    const failing = t >= 10 && t < errorsUntil;
    out.push({ t, ts: 0, link: 'order.create', planned: 100, count: 100, errors: 0, shed: 0, outcomes: {}, rps: 100, latencyMs: { p50: 10, p90: 20, p99: slow ? 500 : 50, max: 600, mean: 12 }, inFlight: 1 });
    out.push({ t, ts: 0, link: 'cart.add', planned: 100, count: 100, errors: failing ? 5 : 0, shed: 0, outcomes: {}, rps: 100, latencyMs: { p50: 10, p90: 20, p99: 30, max: 40, mean: 12 }, inFlight: 1 });
  }
  return out;
}

describe('recovery verdict', () => {
  it('measures how long after the undo each link was back within budget', () => {
    // the undo at 20.02 s: counting starts at second 21; order.create is slow through 23, cart.add fails through 21
    const r = recoveryOf(fault(10_000), record, plan, lines(24, 22), 40);
    expect(r.links).toEqual([
      { link: 'order.create', p99S: 3, errorsS: 0, recoveredS: 3, budgets: ['p99 ≤ 100 ms', 'errors ≤ 1%'] },
      { link: 'cart.add', p99S: 0, errorsS: 1, recoveredS: 1, budgets: ['errors ≤ 1%'] },
    ]);
    expect(r).toMatchObject({ passed: true, recoveredS: 3, withinMs: 10_000 });
    expect(r.reason).toBe('plan #37 (degrade recommendations) held: order.create: p99 back in 3 s, errors back in 0 s (budget 10 s)');
  });

  it('fails when recovery takes longer than the budget', () => {
    const r = recoveryOf(fault(2000), record, plan, lines(24, 22), 40);
    expect(r).toMatchObject({ passed: false, recoveredS: 3 });
    expect(r.reason).toContain('did not hold: order.create: p99 back in 3 s');
  });

  it('needs a stable stretch: one good second between bad ones is not recovery', () => {
    const ls = lines(30, 0).map((l) => (l.link === 'order.create' && l.t === 23 ? { ...l, latencyMs: { ...l.latencyMs, p99: 50 } } : l));
    expect(recoveryOf(fault(), record, plan, ls, 40).links[0]).toMatchObject({ p99S: 9 });
  });

  it('fails when a link never came back before the run ended, and when the fault never ran', () => {
    const never = recoveryOf(fault(10_000), record, plan, lines(99, 0), 40);
    expect(never).toMatchObject({ passed: false, recoveredS: null });
    expect(never.reason).toBe('plan #37 (degrade recommendations) did not hold: order.create: latency still over budget when the run ended, 19 s after the fault ended (budget 10 s)');
    const failed = recoveryOf(fault(), { ...record, error: 'HTTP 500 from http://127.0.0.1:1/f' }, plan, lines(0, 0), 40);
    expect(failed).toMatchObject({ passed: false, reason: 'plan #37 (degrade recommendations) was not exercised: HTTP 500 from http://127.0.0.1:1/f' });
  });

  it('measures without gating when no recovery budget is set, and fails the run when a budget is missed', () => {
    const [measured] = judgeRecoveries({ ...plan, faults: [fault()] }, [record], lines(30, 0), 40);
    expect(measured!.recovery).toMatchObject({ passed: true, recoveredS: 9 });
    expect(measured!.recovery!.reason).toContain('no recovery budget set');
    const [missed] = judgeRecoveries({ ...plan, faults: [fault(5000)] }, [record], lines(30, 0), 40);
    const summary = { status: 'failed' as const, abort: null, links: [], isolation: [], invariants: [] };
    expect(exitCodeOf({ ...summary, status: 'passed', faults: [measured!] })).toBe(0);
    expect(exitCodeOf({ ...summary, faults: [missed!] })).toBe(1);
  });

  it('names the plan as the scenario wrote it', () => {
    expect(planSubject({ name: 'x', plan: '#37 degrade recommendations' })).toBe('plan #37 (degrade recommendations)');
    expect(planSubject({ name: 'x', plan: 'failover to replica' })).toBe('plan failover to replica');
    expect(planSubject({ name: 'x' })).toBe('fault x');
  });
});

describe('the verdict window keeps clear of faults', () => {
  const load = rampHold(100, 0, 60);
  const f = (atS: number, forS: number, withinS?: number): Fault => ({
    name: `f${atS}`, atMs: atS * 1000, forMs: forS * 1000, action: { kind: 'command', inject: ['true'], timeoutMs: 1000 },
    ...(withinS !== undefined ? { recovery: { withinMs: withinS * 1000 } } : {}),
  });
  it('takes the longest stretch no fault or recovery budget touches', () => {
    expect(verdictWindow(load, 60, [f(10, 10, 10)])).toMatchObject({ fromS: 30, toS: 60, source: 'hold', note: 'seconds 10–30 left out: faults on the timeline and their recovery (judged by the recovery verdicts)' });
    expect(verdictWindow(load, 60, [f(30, 5, 5), f(2, 3)])).toMatchObject({ fromS: 5, toS: 30 });
    expect(verdictWindow(load, 60, [])).toEqual(verdictWindow(load, 60));
  });
  it('keeps the window, and says so, when faults cover all of it', () => {
    const w = verdictWindow(load, 60, [f(0, 60)]);
    expect(w).toMatchObject({ fromS: 0, toS: 60 });
    expect(w.note).toContain('cover the whole window');
  });
});

describe('faults in the terminal verdict and junit.xml', () => {
  it('shows each fault with its recovery, and a missed recovery fails the overall line and a testcase', () => {
    const [held] = judgeRecoveries({ ...plan, faults: [fault(10_000)] }, [record], lines(24, 22), 40);
    const [missed] = judgeRecoveries({ ...plan, faults: [{ ...fault(1000), name: 'slow-inventory' }] }, [record], lines(24, 22), 40);
    const ok = formatVerdictTable(makeSummary([makeLink('order.create')], { faults: [held!] }));
    expect(ok).toMatch(/fault +slow-inventory +seconds 10\.01–20\.02 +PASS +plan #37 \(degrade recommendations\) held/);
    const bad = makeSummary([makeLink('order.create')], { faults: [missed!], status: 'failed' });
    expect(formatVerdictTable(bad)).toContain('FAIL: 1 fault recovery missed its budget');
    const xml = renderJUnit(bad);
    expect(xml).toContain('name="fault: slow-inventory recovery ≤ 1 s"');
    expect(xml).toContain('<failure message="back in 3 s" type="recovery"');
    expect(formatVerdictMarkdown(bad)).toContain('| slow-inventory |  | ❌ **did not hold** | plan #37 (degrade recommendations) did not hold: order.create: p99 back in 3 s, errors back in 0 s, budget 1 s |');
  });
});
