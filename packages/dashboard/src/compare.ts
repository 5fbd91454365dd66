// Run vs run for the compare page: the figures of `peakdrill compare` (core's compareRuns:
// throughput, p50, p99, error rate), plus p99.9 and the shed rate, each with its change and
// whether the change is better or worse for the link.

import { compareRuns, type Change, type CompareResult, type LinkSummary, type Summary } from '@peakdrill/core';

export interface MetricDelta {
  key: string;
  label: string;
  unit: 'req/s' | 'ms' | '%';
  base: number | null;
  next: number | null;
  /** (next - base) / base; null when either side is missing or base is 0. */
  change: number | null;
  /** 'worse' / 'better' when the change exceeds the noise band, else 'same'. */
  verdict: 'better' | 'worse' | 'same' | 'n/a';
}

export interface LinkComparison {
  link: string;
  presence: 'both' | 'base-only' | 'new-only';
  basePassed: boolean | null;
  newPassed: boolean | null;
  /** compareRuns' words for a regression beyond --max-regression (empty without a limit). */
  regressions: string[];
  metrics: MetricDelta[];
}

export interface PageComparison {
  links: LinkComparison[];
  notes: string[];
  maxRegression: number | null;
}

/** Changes smaller than this (relative) are shown as unchanged: run-to-run noise. */
export const NOISE_BAND = 0.05;

function verdictOf(change: number | null, base: number, next: number, higherBetter: boolean, percentPoints: boolean): MetricDelta['verdict'] {
  if (percentPoints ? Math.abs(next - base) < 0.1 : change !== null && Math.abs(change) < NOISE_BAND) return 'same';
  if (next === base) return 'same';
  return next > base === higherBetter ? 'better' : 'worse';
}

function fromChange(key: string, label: string, unit: MetricDelta['unit'], c: Change, higherBetter: boolean, scale = 1): MetricDelta {
  const base = c.base * scale;
  const next = c.next * scale;
  return { key, label, unit, base, next, change: c.relative, verdict: verdictOf(c.relative, base, next, higherBetter, unit === '%') };
}

function extra(key: string, label: string, unit: MetricDelta['unit'], b: number, n: number, higherBetter: boolean): MetricDelta {
  const change = b === 0 ? null : (n - b) / Math.abs(b);
  return { key, label, unit, base: b, next: n, change, verdict: verdictOf(change, b, n, higherBetter, unit === '%') };
}

const shedRate = (l: LinkSummary): number => (l.count > 0 ? (100 * l.shed) / l.count : 0);

export function comparePage(base: Summary, next: Summary, maxRegression?: number): PageComparison {
  const r: CompareResult = compareRuns(base, next, maxRegression === undefined ? {} : { maxRegression });
  const links: LinkComparison[] = r.links.map((c) => {
    const b = base.links.find((l) => l.name === c.name)!;
    const n = next.links.find((l) => l.name === c.name)!;
    return {
      link: c.name,
      presence: 'both',
      basePassed: b.verdict ? b.verdict.passed : null,
      newPassed: n.verdict ? n.verdict.passed : null,
      regressions: c.regressions,
      metrics: [
        fromChange('throughput', 'Throughput', 'req/s', c.throughput, true),
        fromChange('p50', 'p50 latency', 'ms', c.p50, false),
        fromChange('p99', 'p99 latency', 'ms', c.p99, false),
        extra('p999', 'p99.9 latency', 'ms', b.latencyMs.p999, n.latencyMs.p999, false),
        fromChange('errors', 'Error rate', '%', c.errors, false, 100),
        extra('shed', 'Shed rate', '%', shedRate(b), shedRate(n), false),
      ],
    };
  });
  const only = (names: string[], presence: LinkComparison['presence']): LinkComparison[] =>
    names.map((link) => ({ link, presence, basePassed: null, newPassed: null, regressions: [], metrics: [] }));
  return { links: [...links, ...only(r.onlyInBase, 'base-only'), ...only(r.onlyInNext, 'new-only')], notes: r.notes, maxRegression: r.maxRegression };
}
