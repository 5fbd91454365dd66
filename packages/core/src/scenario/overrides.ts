// Command-line overrides of a scenario: `--target NAME=URL`, `--rate R`, `--duration D`.
//
// --rate R      open model: every stage (and startRate) is scaled so the peak rate is R —
//               the ramp keeps its shape. Closed model: replaced by the open model at a
//               constant R for the scenario's whole duration.
// --duration D  every stage's duration is scaled so the stages last D in total — ramps
//               and holds keep their proportions.

import type { LoadModel } from '../plan.js';
import { DEFAULT_MAX_IN_FLIGHT } from './defaults.js';
import { peakLevel, totalDurationMs } from './profile.js';
import type { Problems } from './problems.js';
import { formatScenarioDuration, MAX_DURATION_MS, rateProblem } from './units.js';

export interface ScenarioOverrides {
  /** target name → base URL, replacing the scenario's (the name must exist in the scenario). */
  targets?: Record<string, string>;
  /** Peak arrival rate, req/s (see above). */
  rate?: number;
  /** Total duration, ms (see above). */
  durationMs?: number;
  /** Extra hosts allowed besides the scenario's `allow:` (e.g. from `--allow`). */
  allow?: string[];
}

/** Checks the numeric overrides; problems have no position (they come from flags). */
export function checkOverrides(o: ScenarioOverrides, p: Problems): void {
  if (o.rate !== undefined) {
    const r = rateProblem(o.rate);
    if (r !== undefined) p.add('BAD_RATE', `--rate: ${r}`);
    else if (o.rate === 0) p.add('BAD_RATE', '--rate must be more than 0');
  }
  if (o.durationMs !== undefined && (!Number.isFinite(o.durationMs) || o.durationMs <= 0 || o.durationMs > MAX_DURATION_MS)) {
    p.add('BAD_DURATION', `--duration must be more than 0 and at most 24h, got ${Number.isFinite(o.durationMs) ? formatScenarioDuration(o.durationMs) : o.durationMs}`);
  }
}

/** Applies valid `rate`/`durationMs` overrides to a load model (checked by checkOverrides first). */
export function applyLoadOverrides(load: LoadModel, o: ScenarioOverrides): LoadModel {
  let out: LoadModel = load;
  if (o.rate !== undefined && out.model !== 'replay') {
    const total = totalDurationMs(out.stages);
    if (out.model === 'closed') {
      out = { model: 'open', startRate: o.rate, stages: [{ durationMs: total, target: o.rate }], maxInFlight: DEFAULT_MAX_IN_FLIGHT };
    } else {
      const peak = peakLevel(out);
      const k = peak > 0 ? o.rate / peak : 0;
      out =
        k > 0
          ? { ...out, startRate: out.startRate * k, stages: out.stages.map((s) => ({ durationMs: s.durationMs, target: s.target * k })) }
          : { ...out, startRate: o.rate, stages: [{ durationMs: total, target: o.rate }] };
    }
  }
  if (o.durationMs !== undefined) {
    const total = totalDurationMs(out.stages);
    const k = o.durationMs / total;
    const stages = out.stages.map((s) => ({ durationMs: Math.max(1, Math.round(s.durationMs * k)), target: s.target }));
    // Rounding must not change the total the user asked for: the last stage takes the rest.
    const rest = o.durationMs - totalDurationMs(stages.slice(0, -1));
    stages[stages.length - 1]!.durationMs = Math.max(1, rest);
    out = { ...out, stages };
  }
  return out;
}
