// summary.json and timeseries.ndjson: the contract every consumer of a run reads
// (CLI, dashboard, report, compare, CI). Fields are only ever added, never renamed.

import type { LoadModel, Percentile, Plan } from '../plan.js';

export type RunStatus = 'running' | 'passed' | 'failed' | 'aborted' | 'error' | 'inconclusive';

export interface LatencySummary {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Outcome classes, by error code, never by message text. */
export const OUTCOME_CLASSES = [
  'ok',
  'http_4xx',
  'http_5xx',
  'shed',
  'check_failed',
  'timeout',
  'connect_refused',
  'reset',
  'other',
] as const;
export type OutcomeClass = (typeof OUTCOME_CLASSES)[number];
export type OutcomeCounts = Record<OutcomeClass, number>;

export function emptyOutcomes(): OutcomeCounts {
  const o = {} as OutcomeCounts;
  for (const k of OUTCOME_CLASSES) o[k] = 0;
  return o;
}

export interface BudgetResult {
  /** e.g. `p99 ≤ 250 ms`, `errors ≤ 0.1%`, `rps ≥ 15,000` */
  budget: string;
  /** What it measures, as budgetMetric names it: `p99`, `hop:db.p99`, `errors`, `shed`, `rps` (absent in older runs). */
  metric?: string;
  measured: number;
  /** Unit of `measured` and `allowed`: 'ms', 'ratio' or 'rps'. */
  unit: 'ms' | 'ratio' | 'rps';
  allowed: number;
  passed: boolean;
  /** One sentence a TPM understands. */
  reason: string;
}

export interface LinkVerdict {
  passed: boolean;
  /** Seconds (from run start, [from, to)) the verdict was computed over: hold stages only. */
  window: { fromS: number; toS: number };
  targetRps?: number;
  achievedRps: number;
  /** achieved / target; absent without a throughput target. */
  headroom?: number;
  budgets: BudgetResult[];
  /** `hold`: the plan's steady stage; `whole-run`: the plan never holds (or the run ended before it did). */
  windowSource?: 'hold' | 'whole-run';
  /** Why the window is not simply the plan's steady stage, in words. */
  note?: string;
  /** Requests started per second over the window: the load the drill offered the link. */
  offeredRps?: number;
}

export interface HopSummary {
  name: string;
  p50: number;
  p99: number;
  count: number;
}

export interface LinkSummary {
  name: string;
  journey?: string;
  count: number;
  errors: number;
  shed: number;
  outcomes: OutcomeCounts;
  rps: number;
  latencyMs: LatencySummary;
  /** Latency from the actual send (coordinated-omission-prone; for diagnosis only). */
  serviceTimeMs: LatencySummary;
  /** Throughput target in req/s when the scenario set one. */
  target: number | null;
  verdict: LinkVerdict | null;
  hops: HopSummary[];
  /** Shadow tag coverage: acknowledged / sent, when tagging is on. */
  tagCoverage?: { sent: number; acknowledged: number };
  /**
   * How the link's requests were sent: `fast` (serialized once, engine transport/), `undici`,
   * or `mixed` when steps of this name in several journeys differ. Absent in older runs.
   */
  transport?: 'fast' | 'undici' | 'mixed';
}

export interface PostCheckResult {
  name: string;
  kind: 'http' | 'sql';
  passed: boolean;
  expected: string;
  actual: string;
  error?: string;
}

/**
 * Why a drill stopped before its end: a signal (SIGINT/SIGTERM), one of the scenario's abort
 * rules, the shadow-tag coverage floor, a lost agent (`--on-agent-loss abort`), the controller's
 * own NATS link, or a request through the API (capacity search, live control). Code branches on
 * this, never on the text of `rule` or `reason`.
 */
export type StopCause = 'signal' | 'abort-rule' | 'tag-coverage' | 'agent-lost' | 'nats-lost' | 'request';

export interface AbortInfo {
  cause: StopCause;
  rule: string;
  /** Seconds since run start when it fired. */
  atS: number;
  figures: Record<string, number>;
  reason: string;
}

export interface Summary {
  id: string;
  scenario: string;
  startedAt: string;
  endedAt: string | null;
  status: RunStatus;
  durationS: number;
  model: LoadModel['model'];
  /** The latency reference: `scheduled` (open and replay models, CO-free) or `sent` (closed model). */
  latencyFrom: 'scheduled' | 'sent';
  plannedRps: number | null;
  achievedRps: number;
  /** The busiest second of the window (requests over every link). */
  peakRps?: number;
  workers: number;
  links: LinkSummary[];
  /** started = completed + failed + shed + interrupted (cut off by the window's end or a stop). */
  journeys: { name: string; started: number; completed: number; failed: number; shed?: number; interrupted?: number }[];
  /** Journeys not started because maxInFlight was reached (open model). */
  dropped: number;
  /** Open model: how late the scheduler started requests vs their plan, worst per-second p99 (ms). */
  schedulerLateP99Ms?: number;
  maxInFlightHit: boolean;
  shadow: { mode: 'tagged' | 'off'; secretEnv?: string };
  isolation: PostCheckResult[];
  invariants: PostCheckResult[];
  abort: AbortInfo | null;
  agents?: AgentSummary[];
  /** How well the generators kept up; `status` is `inconclusive` when they did not. */
  generator?: GeneratorReport;
  /** Faults of the drill's timeline: when each was injected and undone, and its recovery verdict. */
  faults?: FaultRecord[];
  /** Per hold stage and link: how steady the per-second rate and p99 were (verdict/steadiness.ts). */
  steadiness?: StageSteadiness[];
  /** Human-readable notes: dropped agents, requests outside the window, etc. */
  notes: string[];
  /** Error message when status is `error`. */
  error?: string;
  /** The plan as it ran, secrets never included (only the env variable's name). */
  plan: Plan;
  passed: boolean;
}

/** The generators' own health over the verdict window (see docs/design/honest-latency.md). */
export interface GeneratorReport {
  /** Lateness p99 above this (ms) makes the run inconclusive: max(1 ms, 10% of the tightest latency budget). */
  boundMs: number;
  /** Lateness of sends against their due time, all generators merged. */
  latenessMs: { p50: number; p99: number; p999: number; max: number };
  /** Event-loop delay of the generators' threads: the worst second. */
  eventLoopDelayMs: { p99: number; max: number };
  /** Arrivals the plan asked for that were never sent (maxInFlight reached). */
  dropped: number;
  /** Busy share of the generators' threads (0..1): mean over the window and the busiest second. */
  cpu: { mean: number; max: number };
  /** Generators that died (crashed, lost with their agent). */
  died: string[];
  /** True when the generators kept up: no lateness over the bound, nothing dropped, none died. */
  keptUp: boolean;
  /** Each generator that fell behind: why, and from which second. */
  behind: GeneratorBehind[];
  /** What to do about it, in words (empty when it kept up). */
  advice: string;
}

export interface GeneratorBehind {
  generator: string;
  cause: 'lateness' | 'saturated' | 'dropped' | 'died';
  /** First second (since run start) it showed. */
  atS: number;
  /** The figure: lateness p99 in ms, the thread's busy share when saturated, arrivals dropped, or 0 for a death. */
  figure: number;
  reason: string;
}

export interface AgentSummary {
  name: string;
  share: number;
  achievedRps: number;
  count: number;
  lost?: { atS: number; reason: string };
}

/** One line of timeseries.ndjson: one second of one link. */
export interface TimeseriesLine {
  /** Second index since the run's start (0-based). */
  t: number;
  /** Wall clock of the second's start, epoch ms. */
  ts: number;
  link: string;
  planned: number | null;
  /** Requests sent (or due to be sent) in this second: what the plan's arrival schedule governs. */
  started?: number;
  /** Requests that completed in this second (a slow target moves completions to later seconds). */
  count: number;
  errors: number;
  shed: number;
  outcomes: Partial<OutcomeCounts>;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  inFlight: number;
  hops?: Record<string, { p50: number; p99: number }>;
}

export type PercentileKey = Percentile;

/** One fault of a run (summary.json `faults`, and one line per inject/undo in faults.ndjson). */
export interface FaultRecord {
  name: string;
  kind: 'http' | 'command' | 'proxy';
  /** What was done, in words: `POST http://…/admin/faults`, `proxy on api: +200 ms latency`. */
  what: string;
  /** The contingency plan it exercised, as the scenario names it. */
  plan?: string;
  /** Planned seconds since the run's start, [fromS, toS). */
  plannedS: { fromS: number; toS: number };
  /** When it was injected and undone (seconds since the run's start); absent when that never happened. */
  injectedAtS?: number;
  undoneAtS?: number;
  /** Why injecting or undoing failed, when it did. */
  error?: string;
  recovery?: RecoveryResult;
}

/** One line of faults.ndjson: a fault injected or undone. */
export interface FaultEvent {
  fault: string;
  phase: 'inject' | 'undo';
  /** Seconds since the run's start. */
  atS: number;
  ok: boolean;
  detail: string;
}

/** How long after a fault ended each link was back within its p99 and error-rate budgets. */
export interface RecoveryResult {
  /** The `recovery.within` budget in ms; absent when the scenario set none (measured only). */
  withinMs?: number;
  /** False only against a budget: a link not back in time, or the fault never ran. */
  passed: boolean;
  /** The slowest link's recovery in seconds, null when one never recovered. */
  recoveredS: number | null;
  links: LinkRecovery[];
  /** One sentence: `plan #37 (degrade recommendations) held: p99 back in 3 s`. */
  reason: string;
}

export interface LinkRecovery {
  link: string;
  /** Seconds after the fault ended until p99 was back within budget and stayed there; null: never. */
  p99S: number | null;
  /** The same for the error rate. */
  errorsS: number | null;
  /** The later of the two (null when either never recovered). */
  recoveredS: number | null;
  /** The budgets judged, as labels (`p99 ≤ 250 ms`, `errors ≤ 1%`). */
  budgets: string[];
}

/** One hold stage's steadiness: per link the coefficient of variation of its per-second rate and p99. */
export interface StageSteadiness {
  fromS: number;
  toS: number;
  /** The stage's planned rate (journeys/s, or virtual users in the closed model). */
  rate: number;
  links: {
    link: string;
    rateCv: number;
    p99Cv: number;
    /** Mean requests completed per second over the stage: what sets the sampling noise. */
    perSecond?: number;
    /** The highest CVs still steady at that rate: the fixed maxima plus the expected noise (verdict/steadiness.ts). */
    rateCvLimit?: number;
    p99CvLimit?: number;
    steady: boolean;
    broken: SteadinessBreak[];
  }[];
}

/** A second that broke a stage's steadiness, and why; `fault` when a fault of the timeline was on. */
export interface SteadinessBreak {
  t: number;
  why: string;
  fault?: string;
}
