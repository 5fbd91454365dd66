// The input of a verdict: one second of one link, merged over every load generator.
//
// The controller fills these from its merged per-second state while a drill runs
// (`linkSecondFromInterval` turns a merged `IntervalLink` into one); `readRunSeconds` in
// run-dir.ts rebuilds the same thing from a run directory's timeseries.ndjson and
// histograms.hlog, so a verdict recomputed later from files equals the one of the live run.

import { decodeHistogram, type Histogram } from '../histogram.js';
import type { IntervalLink } from '../protocol.js';
import type { OutcomeClass, OutcomeCounts } from '../runfiles/summary.js';

/**
 * Entries add up: several entries for the same second and link (one per generator, or counts
 * and histograms given separately) are summed and merged. A caller that already merged the
 * whole window may pass one entry per link with any `t` inside the window.
 */
export interface LinkSecond {
  /** Second index since the run's start (0-based), as in timeseries.ndjson. */
  t: number;
  link: string;
  /** Requests completed in this second, whatever their outcome (shed included). */
  count: number;
  /** Completed requests that failed: every outcome except `ok` and `shed`. */
  errors: number;
  /** Completed requests answered with a status the scenario declared as expected shedding. */
  shed: number;
  /** Requests started (scheduled/sent) in this second, when known: the offered load. */
  started?: number;
  /** Latency in µs (from the scheduled send in the open model). Read, never modified. */
  latency?: Histogram;
  /** Server-Timing hops: hop name → duration histogram in µs. Read, never modified. */
  hops?: Record<string, Histogram>;
}

/** Outcomes that are not errors. Shed answers are the system protecting itself as designed. */
export const NON_ERROR_OUTCOMES: readonly OutcomeClass[] = ['ok', 'shed'];

/** count, errors and shed of a (possibly partial) outcome record. */
export function tallyOutcomes(outcomes: Partial<OutcomeCounts>): { count: number; errors: number; shed: number } {
  let count = 0;
  let errors = 0;
  for (const [cls, n] of Object.entries(outcomes) as [OutcomeClass, number | undefined][]) {
    if (!n) continue;
    count += n;
    if (!NON_ERROR_OUTCOMES.includes(cls)) errors += n;
  }
  return { count, errors, shed: outcomes.shed ?? 0 };
}

/** A merged interval of one link (histograms still encoded) as a verdict input. */
export function linkSecondFromInterval(t: number, link: IntervalLink): LinkSecond {
  const hops: Record<string, Histogram> = {};
  for (const [name, encoded] of Object.entries(link.hops)) hops[name] = decodeHistogram(encoded);
  return {
    t,
    link: link.name,
    ...tallyOutcomes(link.outcomes),
    started: link.started,
    latency: decodeHistogram(link.latency),
    hops,
  };
}
