// Arrival schedule of the open model: the rate ramps linearly within each stage, so the number
// of arrivals by time t is the integral of the rate, and the n-th arrival happens at the time
// that integral reaches n. Computing the exact due time of every arrival is what lets latency
// be measured from when a request *should* have been sent (no coordinated omission).

import type { Stage } from '@peakdrill/core';

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

export function totalDurationMs(stages: Stage[]): number {
  let t = 0;
  for (const s of stages) t += s.durationMs;
  return t;
}
