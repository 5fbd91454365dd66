// `observe:` — the system under test's own metrics beside the client-side figures: every
// source (a Prometheus /metrics page) is scraped once per drill second, and each series' value
// is appended to observe.ndjson as it arrives, so a drill killed mid-way keeps what it saw.

import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, type ObserveLine, type ObserveSource } from '@peakdrill/core';
import { metricValue } from '../abort.js';

/** A scrape slower than this counts as failed for that second (the next one starts on time). */
const SCRAPE_TIMEOUT_MS = 900;

export interface Observer {
  /** Stops scraping and waits for scrapes in flight to be written. */
  close(): Promise<void>;
}

export function startObserving(sources: readonly ObserveSource[], startMs: number, dir: string): Observer {
  const path = join(dir, RUN_FILES.observe);
  let t = Math.max(0, Math.floor((Date.now() - startMs) / 1000));
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const inFlight = new Set<Promise<void>>();

  const scrape = async (s: ObserveSource, second: number): Promise<void> => {
    const ts = Date.now();
    let line: ObserveLine;
    try {
      const res = await fetch(s.url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
      const text = await res.text();
      const ok = res.status >= 200 && res.status < 300;
      line = { t: second, ts, source: s.name, ok, values: Object.fromEntries(s.series.map((name) => [name, ok ? metricValue(text, name) : null])) };
      if (!ok) line.error = `HTTP ${res.status}`;
    } catch (err) {
      line = { t: second, ts, source: s.name, ok: false, values: Object.fromEntries(s.series.map((name) => [name, null])), error: (err as { code?: string; name?: string }).code ?? (err as Error).name };
    }
    appendFileSync(path, JSON.stringify(line) + '\n');
  };

  const tick = (): void => {
    if (closed) return;
    const second = t++;
    for (const s of sources) {
      const p = scrape(s, second).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    // the next drill second, by the drill's clock (no drift from the scrape's own time)
    timer = setTimeout(tick, Math.max(0, startMs + t * 1000 - Date.now()));
    timer.unref();
  };
  timer = setTimeout(tick, Math.max(0, startMs + t * 1000 - Date.now()));
  timer.unref();

  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await Promise.all([...inFlight]);
    },
  };
}
