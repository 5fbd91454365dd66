// The CI gate: what a finished run means as an exit code (DESIGN.md):
// 0 all budgets met · 1 a budget missed, a fault's recovery verdict failed, or an isolation/invariant check failed ·
// 2 bad input or could not run · 3 stopped by an abort rule or SIGINT · 4 inconclusive: the
// generator fell behind, so the figures describe the tool (an isolation or invariant failure
// is a fact about the target whatever the generator did: it still exits 1).

import { EXIT } from '../errors.js';
import { recoveriesPassed } from './recovery.js';
import { emptyOutcomes, type LinkSummary, type LinkVerdict, type Summary } from '../runfiles/summary.js';

/** Every budget met and every isolation and invariant check passed. */
export function budgetsPassed(summary: Pick<Summary, 'links' | 'isolation' | 'invariants' | 'faults'>): boolean {
  return (
    summary.links.every((l) => l.verdict === null || l.verdict.passed) &&
    recoveriesPassed(summary) &&
    summary.isolation.every((c) => c.passed) &&
    summary.invariants.every((c) => c.passed)
  );
}

/** The exit code of `peakdrill run` (and `report`'s view of it) for a written summary. */
export function exitCodeOf(summary: Pick<Summary, 'status' | 'abort' | 'links' | 'isolation' | 'invariants' | 'faults'>): number {
  if (summary.status === 'error') return EXIT.badInput;
  if (summary.status === 'aborted' || summary.abort) return EXIT.aborted;
  if (summary.status === 'inconclusive') {
    const leaked = !summary.isolation.every((c) => c.passed) || !summary.invariants.every((c) => c.passed);
    return leaked ? EXIT.budgetMissed : EXIT.inconclusive;
  }
  return budgetsPassed(summary) ? EXIT.ok : EXIT.budgetMissed;
}

/**
 * The summary with verdicts filled in: `links[].verdict` and `target`, then `passed`, and
 * `status` passed/failed (an aborted, errored, inconclusive or still running run keeps its status).
 * A link with a verdict but no entry (it never answered) is added with zero figures, so its
 * failed verdict is not lost.
 */
export function applyVerdicts(summary: Summary, verdicts: ReadonlyMap<string, LinkVerdict>): Summary {
  const links = summary.links.map((l) => {
    const v = verdicts.get(l.name);
    return v ? { ...l, verdict: v, target: v.targetRps ?? l.target } : l;
  });
  for (const [name, v] of verdicts) if (!links.some((l) => l.name === name)) links.push(silentLink(name, v));
  const next: Summary = { ...summary, links };
  next.passed = budgetsPassed(next) && summary.abort === null && (summary.status === 'passed' || summary.status === 'failed');
  if (summary.status === 'passed' || summary.status === 'failed') next.status = budgetsPassed(next) ? 'passed' : 'failed';
  return next;
}

const ZERO_LATENCY = { p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };

function silentLink(name: string, verdict: LinkVerdict): LinkSummary {
  const outcomes = emptyOutcomes();
  return {
    name, count: 0, errors: 0, shed: 0, outcomes, rps: 0,
    latencyMs: { ...ZERO_LATENCY }, serviceTimeMs: { ...ZERO_LATENCY },
    target: verdict.targetRps ?? null, verdict, hops: [],
  };
}
