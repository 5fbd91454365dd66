// The rehearsal figures of a finished run, judged from its own timeseries.ndjson and
// histograms.hlog (the files `report` reads later): each fault with its recovery verdict, and
// the steadiness of every hold stage, whose p99 noise is measured from each link's pooled
// latencies over the stage (core verdict/p99-noise.ts).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  damagedLog,
  encodeHlogTag,
  HlogDamaged,
  HlogMerger,
  hlogLines,
  judgeRecoveries,
  poolOfHistogram,
  readTimeseries,
  RUN_FILES,
  steadinessOf,
  type FaultRecord,
  type LatencyPool,
  type Plan,
  type StagePools,
  type Summary,
} from '@peakdrill/core';

export function rehearsalOfRun(plan: Plan, records: readonly FaultRecord[], dir: string, durationS: number): Pick<Summary, 'faults' | 'steadiness'> {
  const lines = readTimeseries(join(dir, RUN_FILES.timeseries));
  const links = new Set(lines.map((l) => l.link));
  const out: Pick<Summary, 'faults' | 'steadiness'> = { steadiness: steadinessOf(plan.load, lines, durationS, plan.faults, stagePools(join(dir, RUN_FILES.histograms), links)) };
  if (records.length > 0) out.faults = judgeRecoveries(plan, records, lines, durationS);
  return out;
}

/**
 * Each link's latencies merged over a stage's seconds, from the interval log (read once, on the
 * first stage). Only the links' own tags are merged, not their `|service` and `|hop:` ones.
 */
export function stagePools(hlogPath: string, links: ReadonlySet<string>): StagePools {
  let text: string | undefined;
  const prefixes = new Map([...links].map((l) => [`Tag=${encodeHlogTag(l)},`, l]));
  return (fromS, toS) => {
    const pools = new Map<string, LatencyPool>();
    try {
      text ??= readFileSync(hlogPath, 'utf8');
    } catch {
      return pools; // no log (a run written before it existed): the 1/√n fallback
    }
    const merger = new HlogMerger({ fromS, toS });
    try {
      for (const line of hlogLines(text)) {
        const comma = line.indexOf(',');
        if (line.startsWith('Tag=') && !prefixes.has(line.slice(0, comma + 1))) continue;
        merger.addLine(line);
      }
    } catch (err) {
      if (err instanceof HlogDamaged) throw damagedLog(hlogPath, err);
      throw err;
    }
    for (const [tag, m] of merger.result()) {
      const pool = links.has(tag) ? poolOfHistogram(m.histogram) : undefined;
      if (pool) pools.set(tag, pool);
      m.histogram.destroy();
    }
    return pools;
  };
}
