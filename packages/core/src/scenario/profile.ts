// The load profile: what a plan's stages mean, computed here and nowhere else — the level at the
// start and at any instant, the total duration, the arrival integral of the open model and its
// planned rates, a description for people, and the even split of a total over generators.
//
// Arrival schedule of the open model: the rate ramps linearly within each stage, so the number
// of arrivals by time t is the integral of the rate, and the n-th arrival happens at the time
// that integral reaches n. Computing the exact due time of every arrival is what lets latency
// be measured from when a request *should* have been sent (no coordinated omission).

import type { LoadModel, Plan, Stage } from '../plan.js';
import { formatScenarioDuration } from './units.js';

interface Segment {
  fromMs: number;
  durationMs: number;
  r0: number; // per ms
  r1: number; // per ms
  before: number; // arrivals before this segment
}

export class ArrivalSchedule {
  private readonly segments: Segment[] = [];
  readonly totalMs: number;
  readonly totalArrivals: number;

  /** `scale` is this generator's share of the drill's rate. */
  constructor(startRate: number, stages: Stage[], scale: number) {
    let from = 0;
    let before = 0;
    let prev = startRate * scale;
    for (const s of stages) {
      const r1 = s.target * scale;
      const seg: Segment = { fromMs: from, durationMs: s.durationMs, r0: prev / 1000, r1: r1 / 1000, before };
      this.segments.push(seg);
      before += ((seg.r0 + seg.r1) / 2) * s.durationMs;
      from += s.durationMs;
      prev = r1;
    }
    this.totalMs = from;
    this.totalArrivals = before;
  }

  /** Planned rate (per second) at time t ms. */
  rateAt(tMs: number): number {
    for (const s of this.segments) {
      if (tMs < s.fromMs + s.durationMs) return (s.r0 + ((s.r1 - s.r0) * (tMs - s.fromMs)) / s.durationMs) * 1000;
    }
    return 0;
  }

  /** Arrivals due by time t ms (fractional). */
  arrivalsBy(tMs: number): number {
    for (const s of this.segments) {
      if (tMs < s.fromMs + s.durationMs) {
        const x = Math.max(0, tMs - s.fromMs);
        return s.before + s.r0 * x + ((s.r1 - s.r0) * x * x) / (2 * s.durationMs);
      }
    }
    return this.totalArrivals;
  }

  /** Time (ms) at which the arrivals integral reaches n; Infinity past the end. */
  timeOf(n: number): number {
    for (const s of this.segments) {
      const inSeg = ((s.r0 + s.r1) / 2) * s.durationMs;
      if (n < s.before + inSeg) {
        const k = n - s.before;
        const a = (s.r1 - s.r0) / (2 * s.durationMs);
        if (Math.abs(a) < 1e-15) return s.fromMs + k / s.r0;
        // a x² + r0 x - k = 0, the positive root
        const x = (-s.r0 + Math.sqrt(s.r0 * s.r0 + 4 * a * k)) / (2 * a);
        return s.fromMs + x;
      }
    }
    return Infinity;
  }
}

/** Target of a stage list at time t (linear ramps), used for closed-model VUs and planned rates. */
export function stageTargetAt(start: number, stages: readonly Stage[], tMs: number): number {
  let from = 0;
  let prev = start;
  for (const s of stages) {
    if (tMs < from + s.durationMs) return prev + ((s.target - prev) * (tMs - from)) / s.durationMs;
    from += s.durationMs;
    prev = s.target;
  }
  return prev;
}

export function totalDurationMs(stages: readonly Stage[]): number {
  let t = 0;
  for (const s of stages) t += s.durationMs;
  return t;
}

/**
 * The level (open: journeys/s, closed: VUs) the first stage ramps from: `startRate`, `startVus`
 * or, when absent, the first stage's own target (so it holds).
 */
export function startLevel(load: LoadModel): number {
  if (load.model === 'open') return load.startRate;
  if (load.model === 'closed') return load.startVus ?? load.stages[0]?.target ?? 0;
  return load.stages[0]?.target ?? 0;
}

/** The highest level the plan reaches (open: journeys/s, closed: VUs). */
export function peakLevel(load: LoadModel): number {
  return Math.max(...load.stages.map((s) => s.target), load.model === 'open' ? load.startRate : load.model === 'closed' ? (load.startVus ?? 0) : 0);
}

/** The open model's average planned rate (journeys/s) over the whole run, to one decimal; 0 for the other models. */
export function plannedAverageRps(load: LoadModel): number {
  if (load.model !== 'open') return 0;
  const schedule = new ArrivalSchedule(load.startRate, load.stages, 1);
  return schedule.totalMs > 0 ? round1(schedule.totalArrivals / (schedule.totalMs / 1000)) : 0;
}

export interface PlannedRates {
  /** Journeys planned to start in second `t` of the run (null past the end, or not the open model). */
  total(t: number): number | null;
  /** The same for the first link of the journeys: the total times their share of the weights. */
  forLink(link: string, t: number): number | null;
}

/**
 * Planned rates per second: the whole drill and each journey's first link (open model only).
 * Live control replaces `load.stages`; the rates follow the stages in effect.
 */
export function plannedRates(plan: Pick<Plan, 'load' | 'journeys'>): PlannedRates {
  if (plan.load.model !== 'open') return { total: () => null, forLink: () => null };
  const load = plan.load;
  let stages = load.stages;
  let schedule = new ArrivalSchedule(load.startRate, stages, 1);
  const total = (t: number): number | null => {
    if (load.stages !== stages) schedule = new ArrivalSchedule(load.startRate, (stages = load.stages), 1);
    if (t * 1000 >= schedule.totalMs) return null;
    return round1(schedule.arrivalsBy((t + 1) * 1000) - schedule.arrivalsBy(t * 1000));
  };
  const weights = new Map<string, number>();
  const sum = plan.journeys.reduce((a, j) => a + j.weight, 0);
  for (const j of plan.journeys) {
    const first = j.steps[0];
    if (first) weights.set(first.name, (weights.get(first.name) ?? 0) + j.weight / sum);
  }
  return {
    total,
    forLink: (link, t) => {
      const w = weights.get(link);
      const tot = total(t);
      return w === undefined || tot === null ? null : round1(tot * w);
    },
  };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Generator `index` of `count`'s part of a whole `total` (VUs, rows): an even split, the remainder on the first ones. */
export function evenShare(total: number, index: number, count: number): number {
  return Math.floor(total / count) + (index < total % count ? 1 : 0);
}

/** Items [from, to) of generator `index` of `count`: its `evenShare`, in order. */
export function evenBlock(total: number, index: number, count: number): [number, number] {
  const per = Math.floor(total / count);
  const extra = total % count;
  const from = index * per + Math.min(index, extra);
  return [from, from + evenShare(total, index, count)];
}

export type LevelUnit = 'journeys/s' | 'VUs';

/** What a level of the load counts: the open model's arrivals per second, the closed model's users. */
export function levelUnit(model: LoadModel['model']): LevelUnit {
  return model === 'closed' ? 'VUs' : 'journeys/s';
}

const fmtLevel = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** The load in words, for `validate`, the drill's first line and the run page. */
export function describeLoad(load: LoadModel): string {
  const total = totalDurationMs(load.stages);
  if (load.model === 'replay') return `replay of ${load.log.split('/').pop()} at ${load.speed}× for ${formatScenarioDuration(total)}${load.unsafe ? ', unsafe methods included' : ''}`;
  const peak = peakLevel(load);
  const n = load.stages.length;
  const stages = n === 1 ? '' : ` (${n} stages)`;
  const start = startLevel(load);
  const constant = load.stages.every((s) => s.target === start);
  const unit = load.model === 'open' ? 'req/s' : 'VUs';
  return constant
    ? `${load.model} model, ${fmtLevel(peak)} ${unit} for ${formatScenarioDuration(total)}${stages}`
    : `${load.model} model, up to ${fmtLevel(peak)} ${unit} over ${formatScenarioDuration(total)}${stages}`;
}

/**
 * Each stage in words, in order (`ramp 0 → 2,000 req/s over 30s`, `hold 2,000 req/s for 2m`,
 * `jump to 3,000 req/s` for a live change), for the run page; none for a replay, whose stages
 * are its log's time span.
 */
export function describeStages(load: LoadModel): string[] {
  if (load.model === 'replay') return [];
  const unit = load.model === 'open' ? 'req/s' : 'VUs';
  let prev = startLevel(load);
  return load.stages.map((s) => {
    const from = prev;
    prev = s.target;
    if (s.durationMs <= 0) return `jump to ${fmtLevel(s.target)} ${unit}`;
    if (s.target === from) return `hold ${fmtLevel(s.target)} ${unit} for ${formatScenarioDuration(s.durationMs)}`;
    return `ramp ${fmtLevel(from)} → ${fmtLevel(s.target)} ${unit} over ${formatScenarioDuration(s.durationMs)}`;
  });
}
