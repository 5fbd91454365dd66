// Test fixtures for verdicts: a minimal plan, histograms with known values, summaries.

import { newHistogram, recordMicros, type Histogram } from '../histogram.js';
import type { LinkTarget, LoadModel, Plan } from '../plan.js';
import { OUTCOME_CLASSES, type LinkSummary, type LinkVerdict, type OutcomeCounts, type Summary } from '../runfiles/summary.js';

export function makePlan(load: LoadModel, links: Record<string, LinkTarget>, growth = 1): Plan {
  return {
    name: 'fixture',
    source: '<test>',
    targets: { api: 'http://127.0.0.1:1' },
    allow: [],
    http: { connections: 1, pipelining: 1, timeoutMs: 1000, headers: {} },
    load,
    journeys: [],
    data: {},
    shadow: { enabled: false, secretEnv: 'X', coverageFloor: 0, preflightRequests: 0 },
    capacity: { growth, links },
    abort: [],
    isolation: [],
    invariants: [],
  };
}

/** Ramp 0 → rate over rampS, hold rate for holdS, ramp down to 0 over downS. */
export function rampHold(rate: number, rampS: number, holdS: number, downS = 0): LoadModel {
  const stages = [
    { durationMs: rampS * 1000, target: rate },
    { durationMs: holdS * 1000, target: rate },
  ];
  if (downS > 0) stages.push({ durationMs: downS * 1000, target: 0 });
  return { model: 'open', startRate: 0, stages, maxInFlight: 1_000_000 };
}

/** A histogram holding `n` values of `ms` milliseconds for each [ms, n] pair. */
export function hist(...values: [ms: number, n: number][]): Histogram {
  const h = newHistogram();
  for (const [ms, n] of values) for (let i = 0; i < n; i++) recordMicros(h, ms * 1000);
  return h;
}

export function outcomes(partial: Partial<OutcomeCounts>): OutcomeCounts {
  const o = Object.fromEntries(OUTCOME_CLASSES.map((c) => [c, 0])) as OutcomeCounts;
  return { ...o, ...partial };
}

const ZERO = { p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };

export function makeLink(name: string, over: Partial<LinkSummary> = {}): LinkSummary {
  return {
    name,
    count: 1000,
    errors: 0,
    shed: 0,
    outcomes: outcomes({ ok: 1000 }),
    rps: 100,
    latencyMs: { ...ZERO, p50: 10, p99: 50 },
    serviceTimeMs: { ...ZERO },
    target: null,
    verdict: null,
    hops: [],
    ...over,
  };
}

export function makeSummary(links: LinkSummary[], over: Partial<Summary> = {}): Summary {
  return {
    id: '20261123-103000-fixture-ab12',
    scenario: 'fixture',
    startedAt: '2026-11-23T10:30:00.000Z',
    endedAt: '2026-11-23T10:31:00.000Z',
    status: 'passed',
    durationS: 60,
    model: 'open',
    latencyFrom: 'scheduled',
    plannedRps: 100,
    achievedRps: 100,
    workers: 1,
    links,
    journeys: [],
    dropped: 0,
    maxInFlightHit: false,
    shadow: { mode: 'off' },
    isolation: [],
    invariants: [],
    abort: null,
    notes: [],
    plan: makePlan(rampHold(100, 0, 60), {}),
    passed: true,
    ...over,
  };
}

/** A verdict with one throughput target and two budgets: p99 missed, errors met. */
export function failingVerdict(): LinkVerdict {
  return {
    passed: false,
    window: { fromS: 10, toS: 70 },
    windowSource: 'hold',
    targetRps: 15000,
    achievedRps: 15230,
    headroom: 1.0153,
    budgets: [
      { budget: 'rps ≥ 15,000', measured: 15230, unit: 'rps', allowed: 15000, passed: true, reason: 'achieved 15,230 req/s, target 15,000 req/s: met, 102% of target' },
      { budget: 'p99 ≤ 250 ms', measured: 312.4, unit: 'ms', allowed: 250, passed: false, reason: 'p99 was 312.4 ms, budget 250 ms: 25% over' },
      { budget: 'errors ≤ 0.1%', measured: 0.0002, unit: 'ratio', allowed: 0.001, passed: true, reason: '0.02% of requests failed (2 of 10,000), within the 0.1% budget' },
    ],
  };
}
