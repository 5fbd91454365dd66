// Capacity search: the highest arrival rate a link sustains within its budgets.
//
// Design (docs/design/capacity-search.md): every step is a real drill held at one constant
// rate; the first seconds of a step are a warm-up and do not count. The search climbs
// geometrically (×growth) from a start rate until a step breaks a budget, cannot keep up with
// its offered rate, or reaches --max-rate; it then bisects between the last passing and the
// first failing rate until they are within --precision of each other. It never goes past
// --max-rate and stops early on the first breach of a climb.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRunId, UserError, type BudgetResult, type LinkSummary, type Plan, type Summary } from '@peakdrill/core';
import { Drill, type DrillOptions } from './drill.js';

export interface CapacityOptions {
  plan: Plan;
  link: string;
  outDir: string;
  workers?: number;
  shadowSecret?: string;
  maxRate: number;
  startRate?: number;
  /** How long each step holds its rate, ms (the first `warmupMs` of it do not count). */
  stepMs: number;
  warmupMs: number;
  /** Multiplier of the climb. */
  growth: number;
  /** Stop bisecting when the bracket is narrower than this fraction of its low end. */
  precision: number;
  maxSteps: number;
  onStep?: (step: CapacityStep) => void;
  onStepStart?: (rate: number, index: number) => void;
  /** Extra drill options for each step (fleet, progress). */
  drill?: Partial<DrillOptions>;
}

export interface CapacityStep {
  index: number;
  /** Planned arrival rate of the drill (journeys/s; equals the link's rate for a one-link drill). */
  rate: number;
  /** The link's planned and achieved rate, req/s, over the measured seconds. */
  linkPlannedRps: number;
  achievedRps: number;
  /** p99 over the measured part of the step (warm-up excluded) when a p99 budget measured it, else over the whole step. */
  p99Ms: number;
  /** Every budget of the link, measured over the step's measured part: the evidence. */
  budgets: BudgetResult[];
  errorRate: number;
  passed: boolean;
  reasons: string[];
  runDir: string;
  aborted: boolean;
  /** The generator fell behind during the step: neither a pass nor a fail (it ran out of generator, not the target). */
  inconclusive: boolean;
}

export interface CapacityResult {
  id: string;
  scenario: string;
  link: string;
  /** The link's achieved rate at the highest passing step (req/s); 0 when nothing passed. */
  sustainedRate: number;
  /** The drill's arrival rate at that step. */
  sustainedArrivalRate: number;
  target: number | null;
  targetText: string | null;
  budgets: string[];
  met: boolean | null;
  /** Why the search stopped. */
  stoppedBecause: string;
  /** The search stopped because a step was inconclusive: the generator, not the target, gave out. */
  outOfGenerator: boolean;
  steps: CapacityStep[];
  sentence: string;
  dir: string;
}

/** A step keeps up when the link answers at least this share of what it was offered. */
const KEEP_UP = 0.97;

export async function searchCapacity(opts: CapacityOptions): Promise<CapacityResult> {
  const { plan, link } = opts;
  const journey = plan.journeys.find((j) => j.steps.some((s) => s.name === link));
  if (!journey) throw new UserError('UNKNOWN_LINK', `no link named "${link}" in ${plan.name}; links: ${plan.journeys.flatMap((j) => j.steps.map((s) => s.name)).join(', ')}`);
  const capacity = plan.capacity.links[link];
  if (!capacity || capacity.budgets.length === 0) {
    throw new UserError('NO_BUDGETS', `the link "${link}" has no budgets to search against: add them under capacity.links.${link} (e.g. p99: 250ms, errors: 1%) or pass --budget "p99<250ms"`);
  }
  const share = journey.weight / plan.journeys.reduce((a, j) => a + j.weight, 0);
  const id = makeRunId(`${plan.name}-capacity`);
  const dir = join(opts.outDir, id);
  mkdirSync(join(dir, 'steps'), { recursive: true });
  const targetRps = capacity.rps ?? (capacity.baseline !== undefined ? capacity.baseline * (capacity.growth ?? plan.capacity.growth) : null);

  const steps: CapacityStep[] = [];
  const tryRate = async (rate: number): Promise<CapacityStep> => {
    opts.onStepStart?.(rate, steps.length);
    const step = await runStep(opts, rate, share, steps.length, join(dir, 'steps'));
    steps.push(step);
    opts.onStep?.(step);
    writeProgress();
    return step;
  };
  const writeProgress = (): void => writeFileSync(join(dir, 'capacity.json'), JSON.stringify({ id, scenario: plan.name, link, steps }, null, 2) + '\n');

  let low: CapacityStep | null = null;
  let high: CapacityStep | null = null;
  let rate = Math.min(opts.maxRate, opts.startRate ?? Math.max(1, Math.round((targetRps ?? opts.maxRate) / share / 8)));
  let stoppedBecause = '';
  // climb
  for (;;) {
    if (steps.length >= opts.maxSteps) {
      stoppedBecause = `reached the step limit (${opts.maxSteps})`;
      break;
    }
    const s = await tryRate(rate);
    if (s.aborted && !s.passed && s.reasons.some((r) => r.startsWith('stopped'))) {
      stoppedBecause = 'stopped by request';
      high = s;
      break;
    }
    if (s.inconclusive) {
      stoppedBecause = ranOutOfGenerator(s);
      break;
    }
    if (!s.passed) {
      high = s;
      break;
    }
    low = s;
    if (rate >= opts.maxRate) {
      stoppedBecause = `reached --max-rate ${opts.maxRate}`;
      break;
    }
    rate = Math.min(opts.maxRate, Math.ceil(rate * opts.growth));
  }
  // bisect
  while (low && high && !stoppedBecause && high.rate - low.rate > Math.max(1, low.rate * opts.precision)) {
    if (steps.length >= opts.maxSteps) {
      stoppedBecause = `reached the step limit (${opts.maxSteps})`;
      break;
    }
    const mid = Math.round((low.rate + high.rate) / 2);
    const s = await tryRate(mid);
    if (s.inconclusive) {
      stoppedBecause = ranOutOfGenerator(s);
      break;
    }
    if (s.passed) low = s;
    else high = s;
  }
  if (!stoppedBecause) {
    stoppedBecause = low === null ? `the first step (${steps[0]?.rate}/s) already broke a budget` : `bracketed between ${low.rate}/s (passed) and ${high?.rate}/s (failed) within ${Math.round(opts.precision * 100)}%`;
  }
  const sustainedRate = low ? Math.round(low.achievedRps * 10) / 10 : 0;
  const met = targetRps === null ? null : sustainedRate >= targetRps * 0.99;
  const budgets = capacity.budgets.map(describeBudget);
  const targetText = targetRps === null ? null : capacity.rps !== undefined ? `target ${fmt(targetRps)}` : `target ${fmt(targetRps)} (${capacity.growth ?? plan.capacity.growth} × last peak ${fmt(capacity.baseline!)})`;
  const within = budgets.join(', ');
  const sentence =
    `${link} holds ${fmt(sustainedRate)} req/s within ${within}` +
    (targetText === null ? '' : `; ${targetText}: ${met ? 'met' : 'not met'}, ${Math.round((sustainedRate / targetRps!) * 100)}% of target`);
  const result: CapacityResult = {
    id,
    scenario: plan.name,
    link,
    sustainedRate,
    sustainedArrivalRate: low?.rate ?? 0,
    target: targetRps,
    targetText,
    budgets,
    met,
    stoppedBecause,
    outOfGenerator: steps.some((x) => x.inconclusive),
    steps,
    sentence,
    dir,
  };
  writeFileSync(join(dir, 'capacity.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}

async function runStep(opts: CapacityOptions, rate: number, share: number, index: number, stepsDir: string): Promise<CapacityStep> {
  const plan = structuredClone(opts.plan);
  // The warm-up starts a hair below the rate, so it is a (negligible) ramp rather than a hold:
  // the verdict window, which covers holds only, is then exactly the measured part.
  plan.load = {
    model: 'open',
    startRate: rate * 0.999,
    stages: [
      { durationMs: opts.warmupMs, target: rate },
      { durationMs: opts.stepMs - opts.warmupMs, target: rate },
    ],
    maxInFlight: opts.plan.load.model === 'open' ? opts.plan.load.maxInFlight : 10_000,
  };
  // Budgets only: a throughput target is judged by the search, not per step.
  plan.capacity = { growth: plan.capacity.growth, links: { [opts.link]: { budgets: opts.plan.capacity.links[opts.link]!.budgets } } };
  const drill = new Drill({
    ...opts.drill,
    plan,
    outDir: stepsDir,
    runId: makeRunId(`${plan.name}-step${String(index + 1).padStart(2, '0')}-${rate}`),
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    ...(opts.shadowSecret ? { shadowSecret: opts.shadowSecret } : {}),
  });
  currentDrill = drill;
  const { summary, dir } = await drill.run().finally(() => (currentDrill = null));
  return judge(summary, opts.link, rate * share, rate, index, dir);
}

let currentDrill: Drill | null = null;

/** Stops the step in progress (SIGINT); the search then ends with what it has. */
export function stopCapacitySearch(reason: string): void {
  currentDrill?.stop(reason);
}

function judge(summary: Summary, link: string, linkPlanned: number, rate: number, index: number, runDir: string): CapacityStep {
  const l: LinkSummary | undefined = summary.links.find((x) => x.name === link);
  const v = l?.verdict ?? null;
  const achieved = v?.achievedRps ?? 0;
  const reasons: string[] = [];
  if (summary.status === 'aborted') reasons.push(summary.abort?.rule && !summary.abort.rule.startsWith('SIG') ? `aborted: ${summary.abort.reason}` : 'stopped before the step ended');
  for (const b of v?.budgets ?? []) if (!b.passed) reasons.push(b.reason);
  if (achieved < linkPlanned * KEEP_UP) reasons.push(`answered ${fmt(achieved)} of ${fmt(linkPlanned)} req/s offered: it could not keep up`);
  if (summary.dropped > 0) reasons.push(`${summary.dropped} arrivals dropped at maxInFlight`);
  const inconclusive = summary.status === 'inconclusive';
  if (inconclusive) reasons.unshift(...(summary.generator?.behind.map((b) => `inconclusive: ${b.reason}`) ?? ['inconclusive: the generator fell behind']));
  const count = l ? l.count : 0;
  const p99Budget = v?.budgets.find((b) => b.unit === 'ms' && b.budget.startsWith('p99 '));
  return {
    index,
    rate,
    linkPlannedRps: Math.round(linkPlanned * 10) / 10,
    achievedRps: achieved,
    p99Ms: p99Budget ? p99Budget.measured : (l?.latencyMs.p99 ?? 0),
    budgets: v?.budgets ?? [],
    errorRate: count > 0 ? l!.errors / count : 0,
    passed: !inconclusive && reasons.length === 0 && v !== null && v.passed,
    reasons,
    runDir,
    aborted: summary.status === 'aborted',
    inconclusive,
  };
}

function ranOutOfGenerator(s: CapacityStep): string {
  return `ran out of generator at ${s.rate}/s, not of target (the step was inconclusive: add workers or agents to search higher): ${s.reasons.join('; ')}`;
}

function describeBudget(b: Plan['capacity']['links'][string]['budgets'][number]): string {
  switch (b.kind) {
    case 'latency':
      return `${b.hop ? `${b.hop} ` : ''}${b.percentile} ≤ ${fmt(b.maxMs)} ms`;
    case 'errorRate':
      return `errors ≤ ${+(b.max * 100).toFixed(3)}%`;
    case 'shedRate':
      return `shed ≤ ${+(b.max * 100).toFixed(3)}%`;
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
