// The verdict of each link against its capacity target and budgets, computed from the
// per-second figures of the steady window only (see window.ts).
//
// Called once at the end of a run by the controller (with its merged per-second state), by
// `peakdrill report` (rebuilt from the run files), and by the capacity search per step. Pure:
// histograms are read, merged into fresh ones, and never modified.

import { newTotalHistogram, type Histogram } from '../histogram.js';
import type { Plan } from '../plan.js';
import type { LinkVerdict } from '../runfiles/summary.js';
import { evaluateBudget, evaluateThroughput, resolveTarget, type WindowFacts } from './budget.js';
import type { LinkSecond } from './seconds.js';
import { verdictWindow, type VerdictWindow } from './window.js';

/** A throughput target counts as met at ≥ 99% of it: the engine's rate accuracy (see budget.ts). */
export const THROUGHPUT_TOLERANCE = 0.01;

export interface VerdictInput {
  plan: Plan;
  /** Per-second, per-link figures; seconds outside the window and links without budgets are ignored. */
  intervals: Iterable<LinkSecond>;
  /** How long the run lasted, in seconds (shorter than planned when it was stopped). */
  durationS: number;
  /** Override the throughput tolerance (a fraction); default THROUGHPUT_TOLERANCE. */
  throughputTolerance?: number;
  /** The window of `plan` and `durationS` when the caller has it already (verdictWindow); computed here otherwise. */
  window?: VerdictWindow;
}

/**
 * One verdict per link that has an entry in `plan.capacity.links` (a throughput target, budgets,
 * or both — quick mode's `--budget` arrive there with no target), keyed by link name.
 * Links without an entry get no verdict (their summary `verdict` stays null).
 */
export function computeVerdicts(input: VerdictInput): Map<string, LinkVerdict> {
  const { plan } = input;
  const tolerance = input.throughputTolerance ?? THROUGHPUT_TOLERANCE;
  const window = input.window ?? verdictWindow(plan.load, input.durationS, plan.faults);
  const seconds = window.toS - window.fromS;
  const links = Object.keys(plan.capacity.links);

  const acc = new Map<string, { count: number; errors: number; shed: number; started: number; sawStarted: boolean; latency: Histogram; hops: Map<string, Histogram> }>();
  for (const name of links) acc.set(name, { count: 0, errors: 0, shed: 0, started: 0, sawStarted: false, latency: newTotalHistogram(), hops: new Map() });

  for (const s of input.intervals) {
    if (s.t < window.fromS || s.t >= window.toS) continue;
    const a = acc.get(s.link);
    if (!a) continue;
    a.count += s.count;
    a.errors += s.errors;
    a.shed += s.shed;
    if (s.started !== undefined) { a.started += s.started; a.sawStarted = true; }
    if (s.latency) a.latency.add(s.latency);
    for (const [hop, h] of Object.entries(s.hops ?? {})) {
      let merged = a.hops.get(hop);
      if (!merged) { merged = newTotalHistogram(); a.hops.set(hop, merged); }
      merged.add(h);
    }
  }

  const verdicts = new Map<string, LinkVerdict>();
  for (const name of links) {
    const a = acc.get(name)!;
    const target = plan.capacity.links[name];
    const facts: WindowFacts = { where: describeWindow(window), count: a.count, errors: a.errors, shed: a.shed, latency: a.latency, hops: a.hops };
    // Throughput is what the link answered without error: a failed request is not capacity;
    // shed answers count, they are the system's designed answer under overload.
    const achievedRps = (a.count - a.errors) / seconds;
    const offeredRps = a.sawStarted ? a.started / seconds : undefined;
    const resolved = resolveTarget(target, plan.capacity.growth);
    const budgets = (target?.budgets ?? []).map((b) => evaluateBudget(b, facts));
    if (resolved) budgets.unshift(evaluateThroughput(resolved, achievedRps, offeredRps, tolerance));
    const verdict: LinkVerdict = {
      passed: budgets.every((b) => b.passed),
      window: { fromS: window.fromS, toS: window.toS },
      achievedRps: round(achievedRps, 3),
      budgets,
      windowSource: window.source,
    };
    if (resolved) {
      verdict.targetRps = resolved.rps;
      verdict.headroom = resolved.rps > 0 ? round(achievedRps / resolved.rps, 4) : 0;
    }
    if (offeredRps !== undefined) verdict.offeredRps = round(offeredRps, 3);
    if (window.note) verdict.note = window.note;
    verdicts.set(name, verdict);
    a.latency.destroy();
    for (const h of a.hops.values()) h.destroy();
  }
  return verdicts;
}

/** `seconds 30–90 (the steady stage)` / `seconds 0–30 (the whole run)`. */
export function describeWindow(w: Pick<VerdictWindow, 'fromS' | 'toS'> & { source?: VerdictWindow['source'] }): string {
  return `seconds ${w.fromS}–${w.toS}${w.source === 'whole-run' ? ' (the whole run)' : w.source === 'hold' ? ' (the steady stage)' : ''}`;
}

const round = (v: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};
