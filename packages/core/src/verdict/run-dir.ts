// Verdicts recomputed from a run directory's files (`peakdrill report`, or a run copied out of
// CI): the plan and duration from summary.json, counts from timeseries.ndjson, latency and hop
// histograms from histograms.hlog. Reading itself is runfiles/read.ts's job.

import { join } from 'node:path';
import { UserError } from '../errors.js';
import { mergeHlogByTag, readRunDir, readTimeseries } from '../runfiles/read.js';
import type { LinkVerdict, Summary } from '../runfiles/summary.js';
import { tallyOutcomes, type LinkSecond } from './seconds.js';
import { computeVerdicts } from './verdicts.js';
import { verdictWindow, type SteadyWindow } from './window.js';

/**
 * The figures of a run directory over `window` as verdict input: one entry per
 * timeseries.ndjson line (counts), then one per hlog tag with the tag's histograms merged over
 * the window — `link` (latency) and `link|hop:NAME` (a Server-Timing hop); `link|service` is
 * not used by verdicts. Entries of the same link add up (see LinkSecond).
 *
 * Interval starts are seconds since the run's start (the log's base time). An interval belongs
 * to the second its start rounds to, so a few ms of timer drift never moves it to a neighbour.
 */
export function readRunSeconds(dir: string, window: SteadyWindow): LinkSecond[] {
  const out: LinkSecond[] = [];
  for (const line of readTimeseries(join(dir, 'timeseries.ndjson'))) {
    if (typeof line.t !== 'number' || typeof line.link !== 'string' || line.t < window.fromS || line.t >= window.toS) continue;
    const tally = line.outcomes && Object.keys(line.outcomes).length > 0 ? tallyOutcomes(line.outcomes) : { count: line.count ?? 0, errors: line.errors ?? 0, shed: line.shed ?? 0 };
    out.push({ t: line.t, link: line.link, ...tally });
  }
  const merged = mergeHlogByTag(join(dir, 'histograms.hlog'), { fromS: window.fromS - 0.5, toS: window.toS - 0.5 });
  for (const { tag, histogram } of merged.values()) {
    const bar = tag.indexOf('|');
    const link = bar < 0 ? tag : tag.slice(0, bar);
    const kind = bar < 0 ? '' : tag.slice(bar + 1);
    if (!link) continue;
    if (kind === '') out.push({ t: window.fromS, link, count: 0, errors: 0, shed: 0, latency: histogram });
    else if (kind.startsWith('hop:')) out.push({ t: window.fromS, link, count: 0, errors: 0, shed: 0, hops: { [kind.slice(4)]: histogram } });
  }
  return out;
}

/** The verdicts of a finished run, recomputed from its files. Throws UserError for a bad run dir. */
export function rebuildVerdictsFromRunDir(dir: string): Map<string, LinkVerdict> {
  return rebuildVerdicts(readRunDir(dir).summary, dir);
}

/** The same, for a summary already read from `dir`. */
export function rebuildVerdicts(summary: Summary, dir: string): Map<string, LinkVerdict> {
  const plan = summary.plan as Summary['plan'] | undefined;
  if (!plan || typeof plan !== 'object' || !plan.load || !plan.capacity || typeof summary.durationS !== 'number') {
    throw new UserError('RUN_SUMMARY_INVALID', `${join(dir, 'summary.json')} has no plan or duration, so its verdicts cannot be recomputed`);
  }
  const window = verdictWindow(plan.load, summary.durationS, plan.faults);
  return computeVerdicts({ plan, durationS: summary.durationS, intervals: readRunSeconds(dir, window) });
}
