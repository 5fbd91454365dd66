// `capacity --protect` (摸高 + 限流): find the knee with the capacity search, then climb past it
// to a multiple of it and check that protection holds — rate limiting and degradation keep the
// goodput on a plateau instead of letting it collapse.
//
// Per step beyond the knee, for the link: goodput (answered without error and not shed, per
// second), the shed share, p99 (of every answer: a shed 429 is fast, so this is the p99 the
// client saw), and hard failures (5xx, timeouts, resets, refused connections). Protection holds
// when every step's goodput stays at least PLATEAU_SHARE of the knee's and hard failures stay
// under HARD_FAILURE_MAX; the first step that breaks either is where it broke. The recommended
// limit is RECOMMENDED_SHARE of the knee's goodput: the headroom a limiter should keep.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunDir, type LinkSummary } from '@peakdrill/core';
import { runStep, searchCapacity, type CapacityOptions, type CapacityResult, type CapacityStep } from './capacity.js';

export const PLATEAU_SHARE = 0.9;
export const HARD_FAILURE_MAX = 0.001;
export const RECOMMENDED_SHARE = 0.8;

export interface ProtectOptions extends CapacityOptions {
  /** How far past the knee to climb, as a multiple of its rate (default 3). */
  beyond: number;
  onProtectStep?: (step: ProtectStep) => void;
}

export interface ProtectStep {
  /** Arrival rate of the step and its multiple of the knee's. */
  rate: number;
  multiple: number;
  offeredRps: number;
  goodputRps: number;
  shedShare: number;
  p99Ms: number;
  hardFailureShare: number;
  held: boolean;
  why: string;
  runDir: string;
}

export interface ProtectResult {
  knee: CapacityResult;
  kneeGoodputRps: number;
  steps: ProtectStep[];
  passed: boolean;
  recommendedLimitRps: number;
  /** Where protection broke, or that it held. */
  sentence: string;
}

const HARD = ['http_5xx', 'timeout', 'reset', 'connect_refused', 'other'] as const;

/** Goodput and the rest of one step, from its run folder. */
function measure(step: CapacityStep, link: string, multiple: number, kneeGoodput: number | null): ProtectStep {
  const summary = readRunDir(step.runDir).summary;
  const l: LinkSummary | undefined = summary.links.find((x) => x.name === link);
  const count = l?.count ?? 0;
  const ok = l?.outcomes.ok ?? 0;
  const shed = l?.outcomes.shed ?? 0;
  const hard = l ? HARD.reduce((a, k) => a + l.outcomes[k], 0) : 0;
  // the verdict's window rate (warm-up excluded) split by the whole step's mix of ok and shed
  const answered = step.achievedRps;
  const goodputRps = ok + shed > 0 ? answered * (ok / (ok + shed)) : 0;
  const shedShare = count > 0 ? shed / count : 0;
  const hardFailureShare = count > 0 ? hard / count : 0;
  const why: string[] = [];
  if (kneeGoodput !== null && goodputRps < kneeGoodput * PLATEAU_SHARE) why.push(`goodput fell to ${fmt(goodputRps)} req/s, ${Math.round((goodputRps / kneeGoodput) * 100)}% of the knee's ${fmt(kneeGoodput)} (plateau: at least ${PLATEAU_SHARE * 100}%)`);
  if (hardFailureShare > HARD_FAILURE_MAX) why.push(`${(hardFailureShare * 100).toFixed(2)}% of answers were 5xx, timeouts or resets (at most ${HARD_FAILURE_MAX * 100}% with protection on)`);
  return {
    rate: step.rate,
    multiple,
    offeredRps: step.linkPlannedRps,
    goodputRps: Math.round(goodputRps * 10) / 10,
    shedShare,
    p99Ms: l?.latencyMs.p99 ?? 0,
    hardFailureShare,
    held: why.length === 0,
    why: why.length === 0 ? `held: goodput ${fmt(goodputRps)} req/s, ${(shedShare * 100).toFixed(1)}% shed` : why.join('; '),
    runDir: step.runDir,
  };
}

/** The multiples of the knee to try: 1.5×, 2×, … up to `beyond`. */
export function protectMultiples(beyond: number): number[] {
  const out = [1.5, 2, 3, 5, 8].filter((m) => m < beyond);
  out.push(beyond);
  return [...new Set(out)].filter((m) => m > 1).sort((a, b) => a - b);
}

export async function verifyProtection(opts: ProtectOptions): Promise<ProtectResult> {
  const knee = await searchCapacity(opts);
  const kneeStep = [...knee.steps].reverse().find((s) => s.passed && s.rate === knee.sustainedArrivalRate);
  const journey = opts.plan.journeys.find((j) => j.steps.some((s) => s.name === opts.link))!;
  const share = journey.weight / opts.plan.journeys.reduce((a, j) => a + j.weight, 0);
  const steps: ProtectStep[] = [];
  let kneeGoodput = 0;
  if (kneeStep) {
    kneeGoodput = measure(kneeStep, opts.link, 1, null).goodputRps;
    let index = knee.steps.length;
    for (const m of protectMultiples(opts.beyond)) {
      const rate = Math.max(kneeStep.rate + 1, Math.round(kneeStep.rate * m));
      opts.onStepStart?.(rate, index);
      const step = await runStep(opts, rate, share, index++, join(knee.dir, 'steps'));
      const p = measure(step, opts.link, m, kneeGoodput);
      steps.push(p);
      opts.onProtectStep?.(p);
      if (step.aborted && step.reasons.some((r) => r.startsWith('stopped'))) break;
    }
  }
  const broke = steps.find((s) => !s.held);
  const passed = kneeStep !== undefined && steps.length > 0 && broke === undefined;
  const recommendedLimitRps = Math.floor(kneeGoodput * RECOMMENDED_SHARE);
  const sentence = !kneeStep
    ? `${opts.link}: no step passed its budgets, so there is no knee to climb past`
    : broke
      ? `${opts.link}: protection broke at ${fmt(broke.rate)}/s (${broke.multiple}× the knee of ${fmt(kneeStep.rate)}/s): ${broke.why}`
      : `${opts.link}: protection held up to ${opts.beyond}× the knee (${fmt(kneeStep.rate)}/s): goodput stayed at ${fmt(Math.min(...steps.map((s) => s.goodputRps)))}–${fmt(Math.max(...steps.map((s) => s.goodputRps)))} req/s (knee ${fmt(kneeGoodput)}), hard failures under ${HARD_FAILURE_MAX * 100}%; recommended limit ${fmt(recommendedLimitRps)} req/s (${RECOMMENDED_SHARE * 100}% of the knee)`;
  const result: ProtectResult = { knee, kneeGoodputRps: kneeGoodput, steps, passed, recommendedLimitRps, sentence };
  writeFileSync(join(knee.dir, 'protect.json'), JSON.stringify({ ...result, knee: { id: knee.id, sustainedRate: knee.sustainedRate, sustainedArrivalRate: knee.sustainedArrivalRate } }, null, 2) + '\n');
  return result;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
