// observe.ndjson: the system under test's own metrics (`observe:` sources), one line per source
// per drill second, appended while the drill runs (controller/src/outputs/observe.ts writes it).

import { readNdjsonFile } from './ndjson.js';

export interface ObserveLine {
  /** Drill second the scrape belongs to. */
  t: number;
  /** Epoch ms the scrape started. */
  ts: number;
  source: string;
  ok: boolean;
  /** Series → value (several matching series summed); null when the page did not have it. */
  values: Record<string, number | null>;
  error?: string;
}

/** The per-second series of each source, for charts: counters (`_total`) as per-second increases. */
export interface ObservedSource {
  name: string;
  series: { name: string; perSecond: boolean; points: [number, number | null][] }[];
}

export function readObserveFile(path: string): ObserveLine[] {
  return readNdjsonFile(path, (v) => {
    const o = v as ObserveLine | null;
    return o !== null && typeof o === 'object' && typeof o.t === 'number' && typeof o.source === 'string' && o.values !== null && typeof o.values === 'object' ? o : null;
  });
}

export function observedSources(lines: readonly ObserveLine[]): ObservedSource[] {
  const bySource = new Map<string, Map<string, Map<number, number | null>>>();
  for (const l of lines) {
    let s = bySource.get(l.source);
    if (!s) bySource.set(l.source, (s = new Map()));
    for (const [name, v] of Object.entries(l.values)) {
      let m = s.get(name);
      if (!m) s.set(name, (m = new Map()));
      m.set(l.t, v);
    }
  }
  return [...bySource].map(([name, s]) => ({
    name,
    series: [...s].map(([series, m]) => {
      const perSecond = /_total(\{|$)/.test(series);
      const ts = [...m.keys()].sort((a, b) => a - b);
      const points: [number, number | null][] = [];
      for (let i = 0; i < ts.length; i++) {
        const v = m.get(ts[i]!) ?? null;
        if (!perSecond) points.push([ts[i]!, v]);
        else if (i > 0) {
          const prev = m.get(ts[i - 1]!) ?? null;
          // a counter that went down was reset (the service restarted): no rate for that second
          points.push([ts[i]!, v === null || prev === null || v < prev ? null : (v - prev) / (ts[i]! - ts[i - 1]!)]);
        }
      }
      return { name: series, perSecond, points };
    }),
  }));
}
