// The rehearsal figures of a finished run, judged from its own timeseries.ndjson (the lines
// `report` reads later): each fault with its recovery verdict, and the steadiness of every
// hold stage.

import { join } from 'node:path';
import { judgeRecoveries, readTimeseries, RUN_FILES, steadinessOf, type FaultRecord, type Plan, type Summary } from '@peakdrill/core';

export function rehearsalOfRun(plan: Plan, records: readonly FaultRecord[], dir: string, durationS: number): Pick<Summary, 'faults' | 'steadiness'> {
  const lines = readTimeseries(join(dir, RUN_FILES.timeseries));
  const out: Pick<Summary, 'faults' | 'steadiness'> = { steadiness: steadinessOf(plan.load, lines, durationS, plan.faults) };
  if (records.length > 0) out.faults = judgeRecoveries(plan, records, lines, durationS);
  return out;
}
