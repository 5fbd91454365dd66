// Test support: judges a replay per second against the recording, by the target's own clock,
// allowing for the generator's certified lateness bound, or (when the generator says it was
// late) checks that the run called itself inconclusive rather than passing.
// Used by import.test.ts and import-nginx.test.ts.

import { expect } from 'vitest';

export interface ReplayRunVerdict {
  status: string;
  notes: string[];
  generator: { keptUp: boolean; boundMs: number; behind: { cause: string }[]; latenessMs: { p99: number } };
}

/**
 * At integer `speed` s, second k of the replay carries recorded seconds s·k … s·k+s−1. Second 0
 * holds the start-up, so the seconds after it are judged within 2% plus the requests the
 * generator's lateness bound can carry across the second's two edges (rate there × bound).
 * A generator later than its bound says so: then what is asserted is that the run was
 * inconclusive, or failed where the target missed the budget by more than lateness explains,
 * for lateness alone. Returns how many seconds were judged (0 when the run was inconclusive).
 */
export function judgeReplaySeconds(perRecordedSecond: number[], perReplaySecond: Map<number, number>, speed: number, run: ReplayRunVerdict): number {
  const g = run.generator;
  if (!g.keptUp) {
    if (run.status !== 'inconclusive') {
      expect(run.status).toBe('failed');
      expect(run.notes.join('\n')).toContain('failed, not inconclusive');
    }
    expect(g.behind.map((b) => b.cause).filter((c) => c !== 'lateness')).toEqual([]);
    expect(g.latenessMs.p99).toBeGreaterThan(g.boundMs);
    // which way the judgement went shows in the test log (a loaded machine takes this one)
    console.info(`replay ×${speed}: the generator was late (lateness p99 ${g.latenessMs.p99} ms > ${g.boundMs} ms): the run said ${run.status}, no second judged`);
    return 0;
  }
  const rateAt = (recordedSecond: number): number => speed * (perRecordedSecond[recordedSecond] ?? 0);
  let checked = 0;
  for (let k = 1; speed * k + speed - 1 < perRecordedSecond.length; k++) {
    let want = 0;
    for (let j = 0; j < speed; j++) want += perRecordedSecond[speed * k + j]!;
    const acrossEdges = Math.ceil(((rateAt(speed * k - 1) + rateAt(speed * k + speed - 1)) * g.boundMs) / 1000);
    const got = perReplaySecond.get(k) ?? 0;
    expect(Math.abs(got - want), `second ${k}: ${got} arrivals, recorded ${want} (generator lateness p99 ${g.latenessMs.p99} ms, bound ${g.boundMs} ms)`).toBeLessThanOrEqual(Math.ceil(want * 0.02) + acrossEdges);
    checked++;
  }
  expect(checked).toBeGreaterThanOrEqual(1);
  console.info(`replay ×${speed}: ${checked} seconds judged by the target's own count, each within 2% of the recording (lateness p99 ${g.latenessMs.p99} ms, bound ${g.boundMs} ms)`);
  return checked;
}
