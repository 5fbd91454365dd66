// Smooth curves: per hold stage and link, how steady the per-second achieved rate and p99
// were (coefficient of variation: standard deviation over mean), and the seconds that broke
// it — the database job no drill had sampled shows up as a run of marked seconds.
//
// Sampling noise first (docs/design/steadiness.md): even a perfectly steady link shows a CV
// by chance. Its per-second count varies by about √n (a random journey mix splits arrivals
// like a coin): a rate CV of 1/√n. Its per-second p99 is an order statistic of the second's n
// answers — at 8–16 a second, the maximum — whose spread depends on the tail of the latency
// distribution, so it is measured, not guessed: p99-noise.ts computes the exact spread (and
// kurtosis) of the per-second p99 if every second drew from the stage's pooled histogram. Each
// CV is judged against a limit that adds that noise (with a margin for the few seconds a stage
// has, wider for a heavy-tailed statistic) to the fixed RATE_CV_MAX / P99_CV_MAX: unsteady only
// when the variation is clearly beyond chance. The p99 is judged over the seconds that had
// answers (an empty second has no p99 to compare).
//
// A second breaks steadiness when its achieved rate is further off the stage's median than
// RATE_BAND or BREAK_SIGMAS × √median (whichever is wider), or its p99 is above the wider of
// P99_FACTOR and 1 + BREAK_SIGMAS × the p99 noise CV times the stage's median p99 (and at least
// P99_FLOOR_MS above it, so 1 ms → 2.5 ms jitter on a fast link is not a break). Informational:
// it does not change the run's status.

import type { Fault, LoadModel } from '../plan.js';
import type { StageSteadiness, SteadinessBreak, TimeseriesLine } from '../runfiles/summary.js';
import { holdStages } from './window.js';
import { p99Noise, type LatencyPool } from './p99-noise.js';

export const RATE_BAND = 0.15;
export const P99_FACTOR = 2;
export const P99_FLOOR_MS = 5;
export const RATE_CV_MAX = 0.1;
/**
 * Real p99 variation allowed beyond chance. A curve at 1× and 2× its p99 never reaches it (at
 * most 35%, with a third of its seconds doubled): a doubling shows as marked seconds, a tripling
 * for a quarter of the stage (58%) fails it. Lower maxima flagged real drills on a busy machine.
 */
export const P99_CV_MAX = 0.5;
/** How many standard deviations of sampling noise a second or a CV must exceed to count. */
export const BREAK_SIGMAS = 3;

/** Expected CV of a Poisson count of n a second: 1/√n (the per-second rate's sampling noise). */
export function samplingNoiseCv(perSecond: number): number {
  return perSecond > 0 ? 1 / Math.sqrt(perSecond) : 0;
}

/**
 * The highest CV still steady: observed CV² ≈ real CV² + noise², and a variance estimated from
 * m values of kurtosis κ wanders by √((κ−1)/(m−1)) of itself (√(2/(m−1)) for a normal law), so
 * the noise allowed is noise² × (1 + BREAK_SIGMAS × √((κ−1)/(m−1))) on top of the fixed maximum.
 */
export function cvLimit(max: number, noiseCv: number, seconds: number, kurtosis = 3): number {
  const margin = 1 + BREAK_SIGMAS * Math.sqrt((kurtosis - 1) / Math.max(1, seconds - 1));
  return Math.sqrt(max * max + noiseCv * noiseCv * margin);
}

/** The rate's limit at n requests a second over m seconds (Poisson noise). */
export function steadyCvLimit(max: number, perSecond: number, seconds: number): number {
  return cvLimit(max, samplingNoiseCv(perSecond), seconds);
}

/** Per stage, each link's pooled latencies (from histograms.hlog); without one the p99 noise falls back to 1/√n. */
export type StagePools = (fromS: number, toS: number) => ReadonlyMap<string, LatencyPool>;

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
export function steadinessOf(load: LoadModel, lines: readonly TimeseriesLine[], durationS: number, faults: readonly Fault[] = [], pools?: StagePools): StageSteadiness[] {
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
    const stagePools = pools?.(stage.fromS, toS);
    for (const [link, seconds] of [...byLink].sort(([a], [b]) => a.localeCompare(b))) {
      const ts: number[] = [];
      for (let t = stage.fromS; t < toS; t++) if (seconds.has(t)) ts.push(t);
      if (ts.length < 2) continue;
      const rates = ts.map((t) => seconds.get(t)!.rps);
      // a second with no answer has no p99 (its 0 is not a measurement): the p99 is judged over answered seconds
      const answered = ts.filter((t) => seconds.get(t)!.count > 0);
      const p99s = answered.map((t) => seconds.get(t)!.latencyMs.p99);
      const rateMedian = median(rates);
      const p99Median = p99s.length ? median(p99s) : 0;
      const perSecond = ts.reduce((a, t) => a + seconds.get(t)!.count, 0) / ts.length;
      const perAnsweredSecond = answered.length ? (perSecond * ts.length) / answered.length : 0;
      const rateBand = Math.max(RATE_BAND, BREAK_SIGMAS * samplingNoiseCv(median(ts.map((t) => seconds.get(t)!.count))));
      const pool = stagePools?.get(link);
      const noise = pool ? p99Noise(pool, answered.map((t) => seconds.get(t)!.count)) : { cv: samplingNoiseCv(perAnsweredSecond), kurtosis: 3 };
      const p99Factor = Math.max(P99_FACTOR, 1 + BREAK_SIGMAS * noise.cv);
      const broken: SteadinessBreak[] = [];
      ts.forEach((t, i) => {
        const why: string[] = [];
        const r = rates[i]!;
        const p = seconds.get(t)!.count > 0 ? seconds.get(t)!.latencyMs.p99 : 0;
        if (rateMedian > 0 && Math.abs(r - rateMedian) / rateMedian > rateBand) why.push(`rate ${round(r, 1)}/s vs median ${round(rateMedian, 1)}/s`);
        if (p > p99Factor * p99Median && p - p99Median >= P99_FLOOR_MS) why.push(`p99 ${round(p, 1)} ms, ${round(p / Math.max(p99Median, 0.001), 1)}× the median ${round(p99Median, 1)} ms`);
        if (why.length === 0) return;
        const fault = faultAt(t);
        broken.push({ t, why: why.join('; '), ...(fault !== undefined ? { fault } : {}) });
      });
      const rateCv = round(cv(rates));
      const p99Cv = round(cv(p99s));
      const rateCvLimit = round(steadyCvLimit(RATE_CV_MAX, perSecond, ts.length));
      const p99CvLimit = round(cvLimit(P99_CV_MAX, noise.cv, answered.length, noise.kurtosis));
      links.push({ link, rateCv, p99Cv, perSecond: round(perSecond, 1), rateCvLimit, p99CvLimit, steady: rateCv <= rateCvLimit && p99Cv <= p99CvLimit, broken });
    }
    out.push({ fromS: stage.fromS, toS, rate: stage.rate, links });
  }
  return out;
}

/**
 * `order.create (12/s): rate CV 21% (steady up to 52%), p99 CV 12% (up to 64%) · steady; outlier seconds: 45 (p99 …)` /
 * `… · unsteady; seconds that broke it: 45 (p99 …)`: a steady link's outliers did not break it.
 */
export function formatSteadiness(stages: readonly StageSteadiness[]): string[] {
  const pct = (x: number): string => `${round(x * 100, 1)}%`;
  const out: string[] = [];
  for (const s of stages) {
    out.push(`Steadiness of the hold at ${s.rate} /s, seconds ${s.fromS}–${s.toS}:`);
    for (const l of s.links) {
      const marks = l.broken.slice(0, 5).map((b) => `${b.t} (${b.why}${b.fault ? `, fault ${b.fault}` : ''})`);
      const more = l.broken.length > 5 ? ` and ${l.broken.length - 5} more` : '';
      const limits = l.rateCvLimit !== undefined && l.p99CvLimit !== undefined;
      const rate = `rate CV ${pct(l.rateCv)}${limits ? ` (steady up to ${pct(l.rateCvLimit!)})` : ''}`;
      const p99 = `p99 CV ${pct(l.p99Cv)}${limits ? ` (up to ${pct(l.p99CvLimit!)})` : ''}`;
      out.push(`  ${l.link}${l.perSecond !== undefined ? ` (${round(l.perSecond, 1)}/s)` : ''}: ${rate}, ${p99} · ${l.steady ? 'steady' : 'unsteady'}${l.broken.length ? `; ${l.steady ? 'outlier seconds' : 'seconds that broke it'}: ${marks.join(', ')}${more}` : ''}`);
    }
  }
  return out;
}
