import { describe, expect, it } from 'vitest';
import { compareRuns, formatCompare } from './compare.js';
import { makeLink, makeSummary } from './verdict.fixture.js';

const lat = (p50: number, p99: number) => ({ p50, p90: p99, p95: p99, p99, p999: p99, max: p99, mean: p50 });

const base = makeSummary([
  makeLink('order.create', { rps: 1000, count: 60000, errors: 6, latencyMs: lat(20, 200) }),
  makeLink('cart.add', { rps: 500, count: 30000, errors: 0, latencyMs: lat(5, 40) }),
  makeLink('old.link'),
]);

describe('compareRuns', () => {
  it('gives absolute and relative change per link and flags p99 and throughput beyond the limit', () => {
    const next = makeSummary(
      [
        makeLink('order.create', { rps: 850, count: 51000, errors: 51, latencyMs: lat(22, 264) }),
        makeLink('cart.add', { rps: 520, count: 31200, errors: 0, latencyMs: lat(5, 42) }),
        makeLink('new.link'),
      ],
      { id: '20261124-103000-fixture-cd34' },
    );
    const r = compareRuns(base, next, { maxRegression: 0.1 });
    const order = r.links.find((l) => l.name === 'order.create')!;
    expect(order.throughput).toEqual({ base: 1000, next: 850, delta: -150, relative: -0.15 });
    expect(order.p99.delta).toBe(64);
    expect(order.p99.relative).toBeCloseTo(0.32, 9);
    expect(order.p50.relative).toBeCloseTo(0.1, 9);
    expect(order.errors.base).toBeCloseTo(0.0001, 9);
    expect(order.errors.next).toBeCloseTo(0.001, 9);
    expect(order.errorCounts).toEqual({ base: 6, next: 51 });
    expect(order.regressed).toBe(true);
    expect(order.regressions).toEqual(['p99 +32% (200 ms → 264 ms), limit 10%', 'throughput -15% (1,000 req/s → 850 req/s), limit 10%']);
    const cart = r.links.find((l) => l.name === 'cart.add')!;
    expect(cart.regressed).toBe(false); // p99 +5%, throughput up
    expect(r.onlyInBase).toEqual(['old.link']);
    expect(r.onlyInNext).toEqual(['new.link']);
    expect(r.regressed).toBe(true);

    expect(compareRuns(base, next, { maxRegression: 0.5 }).regressed).toBe(false);
    const ungated = compareRuns(base, next);
    expect(ungated.regressed).toBe(false);
    expect(ungated.maxRegression).toBeNull();
  });

  it('compares steady-window throughput when both runs have verdicts', () => {
    const v = (achievedRps: number) => ({ passed: true, window: { fromS: 10, toS: 70 }, achievedRps, budgets: [] });
    const b = makeSummary([makeLink('a', { rps: 700, verdict: v(1000) })]);
    const n = makeSummary([makeLink('a', { rps: 700, verdict: v(880) })]);
    const r = compareRuns(b, n, { maxRegression: 0.1 });
    expect(r.links[0]!.throughput.relative).toBeCloseTo(-0.12, 9);
    expect(r.regressed).toBe(true);
  });

  it('notes differences that make it less like-for-like', () => {
    const next = makeSummary(base.links, { scenario: 'other', plannedRps: 2000, durationS: 30, status: 'aborted' });
    expect(compareRuns(base, next).notes).toEqual([
      'the runs are of different scenarios (fixture vs other)',
      'the planned rates differ (100 req/s vs 2,000 req/s), so throughput changes reflect the plans too',
      'the runs lasted 60 s and 30 s',
      'the new run ended with status aborted',
    ]);
  });
});

describe('formatCompare', () => {
  it('prints base → new with both changes, marks regressions and ends with the outcome', () => {
    const next = makeSummary([makeLink('order.create', { rps: 850, count: 51000, errors: 51, latencyMs: lat(22, 264) })]);
    const text = formatCompare(compareRuns(base, next, { maxRegression: 0.1 }));
    const lines = text.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^order\.create\s+throughput\s+1,000 req\/s\s+850 req\/s\s+-150 req\/s\s+\(-15%\)\s+REGRESSION$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\s+p99\s+200 ms\s+264 ms\s+\+64 ms\s+\(\+32%\)\s+REGRESSION$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\s+p50\s+20 ms\s+22 ms\s+\+2 ms\s+\(\+10%\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\s+errors\s+0\.01%\s+0\.1%\s+\+0\.09 pt\s+\(\+900%\)$/));
    expect(text).toContain('Only in the base run: cart.add, old.link');
    expect(text).toContain('REGRESSION beyond 10%:\n  order.create: p99 +32% (200 ms → 264 ms), limit 10%');
    expect(formatCompare(compareRuns(base, base, { maxRegression: 0.1 }))).toContain("OK: no link's p99 rose or throughput fell by more than 10%.");
    expect(formatCompare(compareRuns(base, base))).toContain('No --max-regression given: changes reported, not gated.');
  });
});
