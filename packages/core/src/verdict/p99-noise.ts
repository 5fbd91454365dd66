// How much a per-second p99 wanders by chance alone, measured from the link's own latencies
// (docs/design/steadiness.md). The null hypothesis: every second of a stage draws its answers
// from the same distribution, the stage's pooled histogram. A second with n answers then
// reports as its p99 the k-th smallest of n draws, k = ⌈0.99·n⌉ (HdrHistogram's rank: up to 50
// answers that is the maximum), and the k-th order statistic of n draws from a distribution F
// has the exact law P(X₍ₖ₎ ≤ v) = P(Binomial(n, F(v)) ≥ k). Its moments over the pool's buckets
// give the spread expected of the per-second p99s, at the link's real answer counts and with
// the real shape of its tail: no 1/√n guess, no resampling, deterministic.

import { forEachRecorded, type Histogram } from '../histogram.js';

/** A latency distribution: distinct values (ms, ascending) and the share of answers at or below each. */
export interface LatencyPool {
  valuesMs: readonly number[];
  cdf: readonly number[];
}

/** The stage's pooled histogram as a pool (undefined when it holds nothing). */
export function poolOfHistogram(h: Histogram): LatencyPool | undefined {
  const valuesMs: number[] = [];
  const counts: number[] = [];
  forEachRecorded(h, (us, c) => {
    valuesMs.push(Math.round(us) / 1000);
    counts.push(c);
  });
  return poolOfCounts(valuesMs, counts);
}

/** A pool from values (ms) and their counts, values ascending. */
export function poolOfCounts(valuesMs: readonly number[], counts: readonly number[]): LatencyPool | undefined {
  const total = counts.reduce((a, c) => a + c, 0);
  if (total <= 0) return undefined;
  let run = 0;
  const cdf = counts.map((c) => (run += c) / total);
  cdf[cdf.length - 1] = 1;
  return { valuesMs: [...valuesMs], cdf };
}

/** The rank HdrHistogram's getValueAtPercentile(99) reports out of n values (1-based). */
export function p99Rank(n: number): number {
  return Math.max(1, Math.ceil(0.99 * n - 1e-9));
}

/** ln P(Binomial(n, p) ≥ k), from the terms i = n down to k in log space (no underflow at large n). */
function logTailAtLeast(n: number, k: number, p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return 0;
  const lp = Math.log(p);
  const lratio = Math.log1p(-p) - lp;
  let term = n * lp; // i = n: pⁿ
  let max = term;
  const terms = [term];
  for (let i = n; i > k; i--) {
    term += Math.log(i / (n - i + 1)) + lratio; // term(i−1) from term(i)
    terms.push(term);
    if (term > max) max = term;
  }
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return max + Math.log(sum);
}

/** Beyond this many terms the tail is taken from the normal law (n·p·(1−p) ≥ ~100 there: error ≪ the noise judged). */
const EXACT_TERMS = 200;

/** 1 − Φ(z), Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7). */
function upperNormal(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** P(Binomial(n, p) ≥ k): exact below EXACT_TERMS terms, else normal with a continuity correction. */
function tailAtLeast(n: number, k: number, p: number): number {
  if (n - k + 1 <= EXACT_TERMS) return Math.exp(logTailAtLeast(n, k, p));
  return upperNormal((k - 0.5 - n * p) / Math.sqrt(n * p * (1 - p)));
}

/** Kullback–Leibler divergence of Bernoulli(a) from Bernoulli(p): the Chernoff exponent of a binomial tail. */
function kl(a: number, p: number): number {
  const x = a <= 0 ? 0 : a * Math.log(a / p);
  const y = a >= 1 ? 0 : (1 - a) * Math.log((1 - a) / (1 - p));
  return x + y;
}

/** Beyond e^-CHERNOFF_CUT a tail is 0 (or 1) for every purpose here: skips the far buckets at high rates. */
const CHERNOFF_CUT = 40;

/** The law of the p99 a second of n answers from the pool reports: probability per pool value. */
export function p99Law(pool: LatencyPool, n: number): number[] {
  const k = p99Rank(n);
  const mass = new Array<number>(pool.cdf.length).fill(0);
  let prev = 0;
  for (let j = 0; j < pool.cdf.length; j++) {
    const f = pool.cdf[j]!;
    let at: number;
    if (f >= 1) at = 1;
    else if (f < k / n && n * kl(k / n, f) > CHERNOFF_CUT) at = 0;
    else if (f > (k - 1) / n && n * kl((k - 1) / n, f) > CHERNOFF_CUT) at = 1;
    else at = tailAtLeast(n, k, f);
    mass[j] = Math.max(0, at - prev);
    prev = Math.max(prev, at);
    if (at >= 1) break;
  }
  return mass;
}

export interface P99Noise {
  /** Expected CV of the per-second p99s under the null (standard deviation over mean). */
  cv: number;
  /** Their kurtosis (3 for a normal law): how far a CV measured over few seconds can stray. */
  kurtosis: number;
}

/**
 * The spread of per-second p99s expected by chance over seconds with these answer counts
 * (seconds with none left out): the mixture of each second's p99 law.
 */
export function p99Noise(pool: LatencyPool, answersPerSecond: readonly number[]): P99Noise {
  const counts = answersPerSecond.filter((n) => n > 0).map((n) => Math.round(n));
  if (counts.length === 0) return { cv: 0, kurtosis: 3 };
  // scaled by the pool's top value, so the fourth powers neither overflow nor lose the spread
  const scale = pool.valuesMs[pool.valuesMs.length - 1]! || 1;
  const moments = new Map<number, [number, number, number, number]>();
  const raw = [0, 0, 0, 0];
  for (const count of counts) {
    // above 1,000 answers a second the law barely moves between n and n ± 0.5%: one per 3 significant digits
    const n = count <= 1000 ? count : Number(count.toPrecision(3));
    let m = moments.get(n);
    if (!m) {
      m = [0, 0, 0, 0];
      p99Law(pool, n).forEach((w, j) => {
        if (w === 0) return;
        const x = pool.valuesMs[j]! / scale;
        m![0] += w * x;
        m![1] += w * x * x;
        m![2] += w * x ** 3;
        m![3] += w * x ** 4;
      });
      moments.set(n, m);
    }
    for (let r = 0; r < 4; r++) raw[r]! += m[r]! / counts.length;
  }
  const [m1, m2, m3, m4] = raw as [number, number, number, number];
  const variance = m2 - m1 * m1;
  if (m1 <= 0 || variance <= 1e-15 * m2) return { cv: 0, kurtosis: 3 };
  const central4 = m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1 ** 4;
  return { cv: Math.sqrt(variance) / m1, kurtosis: Math.max(1, central4 / (variance * variance)) };
}
