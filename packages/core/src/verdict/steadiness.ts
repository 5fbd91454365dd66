// Smooth curves: per hold stage and link, how steady the per-second achieved rate and p99
// were (coefficient of variation: standard deviation over mean), and the seconds that broke
// it — the database job no drill had sampled shows up as a run of marked seconds.
//
// A second breaks steadiness when its achieved rate is more than RATE_BAND off the stage's
// median, or its p99 is above P99_FACTOR × the stage's median p99 (and at least P99_FLOOR_MS
// above it, so 1 ms → 2.5 ms jitter on a fast link is not a break). A stage is steady when the
// rate's CV is at most RATE_CV_MAX and the p99's at most P99_CV_MAX. Informational: it does not
// change the run's status.

import type { Fault, LoadModel } from '../plan.js';
import type { StageSteadiness, SteadinessBreak, TimeseriesLine } from '../runfiles/summary.js';
import { holdStages } from './window.js';

export const RATE_BAND = 0.15;
export const P99_FACTOR = 2;
export const P99_FLOOR_MS = 5;
export const RATE_CV_MAX = 0.1;
export const P99_CV_MAX = 0.5;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function cv(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (mean === 0) return 0;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
  return Math.sqrt(variance) / mean;
}

const round = (v: number, d = 4): number => Math.round(v * 10 ** d) / 10 ** d;

/** Steadiness of every hold stage the run reached, per link, from its per-second lines. */
export function steadinessOf(load: LoadModel, lines: readonly TimeseriesLine[], durationS: number, faults: readonly Fault[] = []): StageSteadiness[] {
  const ranS = Math.floor(durationS + 0.1);
  const byLink = new Map<string, Map<number, TimeseriesLine>>();
  for (const l of lines) {
    let m = byLink.get(l.link);
    if (!m) byLink.set(l.link, (m = new Map()));
    m.set(l.t, l);
  }
  const faultAt = (t: number): string | undefined => faults.find((f) => t >= Math.floor(f.atMs / 1000) && t < Math.ceil((f.atMs + f.forMs) / 1000))?.name;
  const out: StageSteadiness[] = [];
  for (const stage of holdStages(load)) {
    const toS = Math.min(stage.toS, ranS);
    if (toS - stage.fromS < 2) continue;
    const links: StageSteadiness['links'] = [];
    for (const [link, seconds] of [...byLink].sort(([a], [b]) => a.localeCompare(b))) {
      const ts: number[] = [];
      for (let t = stage.fromS; t < toS; t++) if (seconds.has(t)) ts.push(t);
      if (ts.length < 2) continue;
      const rates = ts.map((t) => seconds.get(t)!.rps);
      const p99s = ts.map((t) => seconds.get(t)!.latencyMs.p99);
      const rateMedian = median(rates);
      const p99Median = median(p99s);
      const broken: SteadinessBreak[] = [];
      ts.forEach((t, i) => {
        const why: string[] = [];
        const r = rates[i]!;
        const p = p99s[i]!;
        if (rateMedian > 0 && Math.abs(r - rateMedian) / rateMedian > RATE_BAND) why.push(`rate ${round(r, 1)}/s vs median ${round(rateMedian, 1)}/s`);
        if (p > P99_FACTOR * p99Median && p - p99Median >= P99_FLOOR_MS) why.push(`p99 ${round(p, 1)} ms, ${round(p / Math.max(p99Median, 0.001), 1)}× the median ${round(p99Median, 1)} ms`);
        if (why.length === 0) return;
        const fault = faultAt(t);
        broken.push({ t, why: why.join('; '), ...(fault !== undefined ? { fault } : {}) });
      });
      const rateCv = round(cv(rates));
      const p99Cv = round(cv(p99s));
      links.push({ link, rateCv, p99Cv, steady: rateCv <= RATE_CV_MAX && p99Cv <= P99_CV_MAX, broken });
    }
    out.push({ fromS: stage.fromS, toS, rate: stage.rate, links });
  }
  return out;
}

/** `order.create: rate CV 2.1%, p99 CV 12% · steady` / `… · unsteady: seconds 45, 46 (p99 …)`. */
export function formatSteadiness(stages: readonly StageSteadiness[]): string[] {
  const pct = (x: number): string => `${round(x * 100, 1)}%`;
  const out: string[] = [];
  for (const s of stages) {
    out.push(`Steadiness of the hold at ${s.rate} /s, seconds ${s.fromS}–${s.toS}:`);
    for (const l of s.links) {
      const marks = l.broken.slice(0, 5).map((b) => `${b.t} (${b.why}${b.fault ? `, fault ${b.fault}` : ''})`);
      const more = l.broken.length > 5 ? ` and ${l.broken.length - 5} more` : '';
      out.push(`  ${l.link}: rate CV ${pct(l.rateCv)}, p99 CV ${pct(l.p99Cv)} · ${l.steady ? 'steady' : 'unsteady'}${l.broken.length ? `; seconds that broke it: ${marks.join(', ')}${more}` : ''}`);
    }
  }
  return out;
}
