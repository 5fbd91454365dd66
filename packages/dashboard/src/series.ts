// timeseries.ndjson → chart series: one set per link, each series downsampled on its own
// (min, max and last per bucket, so spikes survive) to at most `maxPoints` points.

import { downsample, type SeriesPoint, type TimeseriesLine } from '@peakdrill/core';

export interface LinkSeries {
  link: string;
  /** Requests per second: planned (the arrival rate asked for) and achieved (completed). */
  planned: SeriesPoint[];
  rps: SeriesPoint[];
  /** Latency in milliseconds. */
  p50: SeriesPoint[];
  p90: SeriesPoint[];
  p99: SeriesPoint[];
  /** Requests per second by outcome class, classes other than `ok` that occurred at least once. */
  outcomes: Record<string, SeriesPoint[]>;
  inFlight: SeriesPoint[];
}

export interface SeriesSet {
  links: LinkSeries[];
  /** Seconds covered: [0, lastT]. */
  lastT: number;
  /** Approximate seconds per chart point after downsampling (1 at full resolution). */
  resolutionS: number;
  maxPoints: number;
}

/** Default points per series: plenty for a chart a screen wide, small enough for an hour of ten links. */
export const DEFAULT_MAX_POINTS = 600;

interface Raw {
  planned: SeriesPoint[];
  rps: SeriesPoint[];
  p50: SeriesPoint[];
  p90: SeriesPoint[];
  p99: SeriesPoint[];
  outcomes: Map<string, SeriesPoint[]>;
  inFlight: SeriesPoint[];
  seen: Set<string>;
}

/** `linkOrder`: the summary's link order; links found only in the timeseries follow, in order of appearance. */
export function buildSeries(lines: readonly TimeseriesLine[], maxPoints: number, linkOrder: readonly string[] = []): SeriesSet {
  const byLink = new Map<string, Raw>();
  for (const name of linkOrder) byLink.set(name, emptyRaw());
  let lastT = 0;
  for (const l of lines) {
    let r = byLink.get(l.link);
    if (!r) {
      r = emptyRaw();
      byLink.set(l.link, r);
    }
    const t = l.t;
    if (t > lastT) lastT = t;
    if (typeof l.planned === 'number') r.planned.push([t, l.planned]);
    r.rps.push([t, num(l.rps ?? l.count)]);
    r.p50.push([t, num(l.latencyMs?.p50)]);
    r.p90.push([t, num(l.latencyMs?.p90)]);
    r.p99.push([t, num(l.latencyMs?.p99)]);
    r.inFlight.push([t, num(l.inFlight)]);
    const outcomes = l.outcomes ?? {};
    for (const k of Object.keys(outcomes)) if (k !== 'ok' && num(outcomes[k as keyof typeof outcomes]) > 0) r.seen.add(k);
    for (const k of r.seen) {
      let s = r.outcomes.get(k);
      if (!s) {
        s = [];
        r.outcomes.set(k, s);
      }
      s.push([t, num(outcomes[k as keyof typeof outcomes])]);
    }
  }
  const links: LinkSeries[] = [];
  let longest = 0;
  for (const [link, r] of byLink) {
    longest = Math.max(longest, r.rps.length);
    const outcomes: Record<string, SeriesPoint[]> = {};
    for (const [k, s] of r.outcomes) outcomes[k] = downsample(s, maxPoints);
    links.push({
      link,
      planned: downsample(r.planned, maxPoints),
      rps: downsample(r.rps, maxPoints),
      p50: downsample(r.p50, maxPoints),
      p90: downsample(r.p90, maxPoints),
      p99: downsample(r.p99, maxPoints),
      outcomes,
      inFlight: downsample(r.inFlight, maxPoints),
    });
  }
  const resolutionS = maxPoints > 0 && longest > maxPoints ? Math.ceil(longest / Math.max(1, Math.floor(maxPoints / 3))) : 1;
  return { links, lastT, resolutionS, maxPoints };
}

function emptyRaw(): Raw {
  return { planned: [], rps: [], p50: [], p90: [], p99: [], outcomes: new Map(), inFlight: [], seen: new Set() };
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
