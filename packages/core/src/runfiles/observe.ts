// observe.ndjson: the system under test's own metrics (`observe:` sources), one line per source
// per drill second, appended while the drill runs (controller/src/outputs/observe.ts writes it).

import { readFileSync } from 'node:fs';

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
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: ObserveLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as ObserveLine;
      if (typeof v.t === 'number' && typeof v.source === 'string' && v.values && typeof v.values === 'object') out.push(v);
    } catch {
      // a line cut by a killed drill: the rest still reads
    }
  }
  return out;
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
