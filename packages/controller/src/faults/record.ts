// The faults of a finished run as summary.json carries them: each record with its recovery
// verdict, judged from the run's own timeseries.ndjson (the same lines `report` reads later).

import { join } from 'node:path';
import { judgeRecoveries, readTimeseries, RUN_FILES, type FaultRecord, type Plan } from '@peakdrill/core';

export function faultsOfRun(plan: Plan, records: readonly FaultRecord[], dir: string, durationS: number): FaultRecord[] {
  return judgeRecoveries(plan, records, readTimeseries(join(dir, RUN_FILES.timeseries)), durationS);
}
