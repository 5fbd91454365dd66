// One budget, measured against what it allows, with a reason a TPM understands.
// The label of a budget (`p99 ≤ 250 ms`) is also the JUnit testcase name and the table cell,
// so it is built in exactly one place.

import { HISTOGRAM_HIGHEST_US, type Histogram } from '../histogram.js';
import type { Budget, LinkTarget, Percentile } from '../plan.js';
import type { BudgetResult } from '../runfiles/summary.js';
import { formatBudgetFigure, formatCount, formatMs, formatNumber, formatRatio, formatRps } from './figures.js';

const PERCENTILE_VALUE: Record<Exclude<Percentile, 'max'>, number> = { p50: 50, p90: 90, p95: 95, p99: 99, p999: 99.9 };

/** The name of what a budget measures, as a scenario writes it: `p99`, `hop:db.p99`, `errors`, `shed`. */
export function budgetMetric(b: Budget): string {
  if (b.kind === 'latency') return b.hop !== undefined ? `hop:${b.hop}.${b.percentile}` : b.percentile;
  return b.kind === 'errorRate' ? 'errors' : 'shed';
}

/** `p99 ≤ 250 ms`, `hop:db.p99 ≤ 20 ms`, `errors ≤ 0.1%`, `shed ≤ 5%`. */
export function budgetLabel(b: Budget): string {
  return `${budgetMetric(b)} ≤ ${b.kind === 'latency' ? formatMs(b.maxMs) : formatRatio(b.max)}`;
}

/** `rps ≥ 15,000` */
export function throughputLabel(targetRps: number): string {
  return `rps ≥ ${formatNumber(targetRps, 1)}`;
}

/** A link's throughput target in req/s and how it was set, or null when it has none. */
export function resolveTarget(t: LinkTarget | undefined, scenarioGrowth: number): { rps: number; how: string } | null {
  if (!t) return null;
  if (t.rps !== undefined) return { rps: t.rps, how: '' };
  if (t.baseline !== undefined) {
    const growth = t.growth ?? scenarioGrowth;
    return { rps: t.baseline * growth, how: `${formatNumber(growth)} × last peak ${formatNumber(t.baseline)}` };
  }
  return null;
}

/** The percentile of a histogram in ms (`max` is the largest value recorded). */
export function percentileMs(h: Histogram, p: Percentile): number {
  const us = p === 'max' ? h.maxValue : h.getValueAtPercentile(PERCENTILE_VALUE[p]);
  return Math.min(us, HISTOGRAM_HIGHEST_US) / 1000;
}

/** "25% over" below double the budget, "2.4× the budget" beyond. */
function overBy(measured: number, allowed: number): string {
  if (allowed <= 0) return 'the budget allows none';
  const ratio = measured / allowed;
  if (ratio < 2) return `${Math.max(1, Math.round((ratio - 1) * 100))}% over`;
  return `${ratio.toLocaleString('en-US', { maximumFractionDigits: ratio < 10 ? 1 : 0 })}× the budget`;
}

function underBy(measured: number, allowed: number): string {
  if (measured === allowed || allowed <= 0) return 'at the budget';
  return `${Math.round((1 - measured / allowed) * 100)}% under`;
}

export interface WindowFacts {
  /** `seconds 30–90`: where the figures come from, for reasons that must say so. */
  where: string;
  count: number;
  errors: number;
  shed: number;
  latency: Histogram;
  hops: Map<string, Histogram>;
}

/** Measures one budget over the window's merged figures. */
export function evaluateBudget(b: Budget, w: WindowFacts): BudgetResult {
  const budget = budgetLabel(b);
  if (b.kind === 'latency') {
    const allowed = b.maxMs;
    const h = b.hop !== undefined ? w.hops.get(b.hop) : w.latency;
    const what = b.hop !== undefined ? `the ${b.hop} hop's ${b.percentile}` : b.percentile;
    if (!h || h.totalCount === 0) {
      const reason = b.hop !== undefined
        ? `no response carried a Server-Timing entry for hop ${b.hop} in ${w.where}, so its ${b.percentile} cannot be measured`
        : `no responses in ${w.where}, so ${b.percentile} cannot be measured`;
      return { budget, measured: 0, unit: 'ms', allowed, passed: false, reason };
    }
    const measured = percentileMs(h, b.percentile);
    const passed = measured <= allowed;
    const was = `${what} was ${formatMs(measured)}`;
    const reason = passed
      ? `${was}, within the ${formatMs(allowed)} budget (${underBy(measured, allowed)})`
      : `${was}, budget ${formatMs(allowed)}: ${overBy(measured, allowed)}`;
    return { budget, measured, unit: 'ms', allowed, passed, reason };
  }
  const allowed = b.max;
  const n = b.kind === 'errorRate' ? w.errors : w.shed;
  const verb = b.kind === 'errorRate' ? 'failed' : 'were shed (answered with a declared overload status)';
  if (w.count === 0) {
    return { budget, measured: 0, unit: 'ratio', allowed, passed: false, reason: `no responses in ${w.where}, so the ${budgetMetric(b)} rate cannot be measured` };
  }
  const measured = n / w.count;
  const passed = measured <= allowed;
  const share = `${formatRatio(measured)} of requests ${verb} (${formatCount(n)} of ${formatCount(w.count)})`;
  let reason: string;
  if (passed) reason = allowed === 0 ? `no requests ${verb} (of ${formatCount(w.count)}); the budget allows none` : `${share}, within the ${formatRatio(allowed)} budget`;
  else if (allowed === 0) reason = `${formatCount(n)} of ${formatCount(w.count)} requests ${verb}; the budget allows none`;
  else reason = `${share}, budget ${formatRatio(allowed)}: ${overBy(measured, allowed)}`;
  return { budget, measured, unit: 'ratio', allowed, passed, reason };
}

/**
 * The throughput target as a budget. Met when achieved ≥ target × (1 − tolerance): the engine
 * holds a planned rate to within 1%, so a drill planned exactly at its target must not fail on
 * measurement noise. When the drill offered less than the target, the reason says so: the
 * target was not tested, and the fix is the plan's rate, not the system.
 */
export function evaluateThroughput(
  target: { rps: number; how: string },
  achievedRps: number,
  offeredRps: number | undefined,
  tolerance: number,
): BudgetResult {
  const allowed = target.rps;
  const passed = achievedRps >= allowed * (1 - tolerance);
  const share = allowed > 0 ? achievedRps / allowed : Infinity;
  const pct = `${(share * 100).toLocaleString('en-US', { maximumFractionDigits: share < 1 && share > 0.99 ? 1 : 0 })}% of target`;
  const targetText = `target ${formatRps(allowed)}${target.how ? ` (${target.how})` : ''}`;
  let reason = `achieved ${formatRps(achievedRps)}, ${targetText}: `;
  if (!passed) reason += `not met, ${pct}`;
  else if (achievedRps < allowed) reason += `${pct}, within the ${formatRatio(tolerance)} measurement tolerance`;
  else reason += `met, ${pct}`;
  if (!passed && offeredRps !== undefined && offeredRps < allowed * (1 - tolerance)) {
    reason += `; the drill only offered ${formatRps(offeredRps)}, so raise its rate to test the target`;
  }
  return { budget: throughputLabel(allowed), measured: achievedRps, unit: 'rps', allowed, passed, reason };
}

/**
 * The figure-and-budget line of a missed budget, as JUnit failure messages carry it:
 * `p99 312.4 ms > budget 250 ms`, `errors 0.42% > budget 0.1%`, `rps 4,200 < target 15,000`.
 */
export function budgetFailureMessage(r: BudgetResult): string {
  const op = r.unit === 'rps' ? ' ≥ ' : ' ≤ ';
  const cut = r.budget.indexOf(op);
  const metric = cut > 0 ? r.budget.slice(0, cut) : r.budget;
  // a budget that could not be measured (no responses in the window) has no figure to show
  if (!r.passed && r.unit !== 'rps' && r.measured <= r.allowed) return `${metric}: ${r.reason}`;
  if (r.unit === 'rps') return `${metric} ${formatNumber(r.measured, 1)} < target ${formatNumber(r.allowed, 1)}`;
  const f = r.unit === 'ms' ? formatMs : formatRatio;
  return `${metric} ${f(r.measured)} > budget ${f(r.allowed)}`;
}

/** `p99 312.4 ms`, `errors 0.42%`: a measured figure with its unit, for tables. */
export function formatMeasured(r: BudgetResult): string {
  return formatBudgetFigure(r.measured, r.unit);
}

/** The allowed figure with its unit. */
export function formatAllowed(r: BudgetResult): string {
  return formatBudgetFigure(r.allowed, r.unit);
}
