// The live drill in the Prometheus text exposition format (version 0.0.4), rendered from the
// drill's live figures (live-figures.ts) at each scrape, so a scrape after the run reads
// exactly the counts of summary.json. Latency buckets come from the merged
// HDR histograms (docs/metrics.md has the layout and why it is fine enough for p99).

import { createServer, type Server } from 'node:http';
import { countsAtOrBelow, OUTCOME_CLASSES, UserError } from '@peakdrill/core';
import type { LiveFigures } from './live-figures.js';

/**
 * Bucket upper bounds in seconds: 100 µs .. 60 s, twenty per decade (Renard R20, rounded), so
 * neighbouring bounds are at most 15% apart (1.4 → 1.6) and histogram_quantile's linear interpolation
 * inside one bucket is off by at most that much.
 */
const R20 = [1, 1.1, 1.25, 1.4, 1.6, 1.8, 2, 2.25, 2.5, 2.8, 3.2, 3.6, 4, 4.5, 5, 5.6, 6.3, 7.1, 8, 9];
export const LATENCY_BUCKETS_S: readonly number[] = (() => {
  const out: number[] = [];
  for (let exp = -4; exp <= 1; exp++) for (const m of R20) out.push(Number((m * 10 ** exp).toPrecision(3)));
  out.push(60);
  return out.filter((b) => b <= 60);
})();
const BUCKETS_US = LATENCY_BUCKETS_S.map((s) => Math.round(s * 1e6));

/** Index of the bucket a latency (ms) falls in: what "within one bucket" is measured by. */
export function latencyBucketIndex(ms: number): number {
  const s = ms / 1000;
  const i = LATENCY_BUCKETS_S.findIndex((b) => s <= b);
  return i === -1 ? LATENCY_BUCKETS_S.length : i;
}

/** The Prometheus text of the figures now. */
export function renderPrometheus(f: LiveFigures): string {
  const out: string[] = [];
  const id = f.id;
  const run = `run_id="${esc(id.runId)}",scenario="${esc(id.scenario)}"`;
  const family = (name: string, type: string, help: string): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  family('peakdrill_drill_info', 'gauge', 'The drill being served: run id, scenario and load model (always 1).');
  out.push(`peakdrill_drill_info{${run},model="${id.model}"} 1`);
  family('peakdrill_drill_running', 'gauge', '1 while the drill sends load, 0 once it ended (the figures are final).');
  out.push(`peakdrill_drill_running ${f.running ? 1 : 0}`);
  family('peakdrill_drill_elapsed_seconds', 'gauge', 'Seconds of the drill merged so far (the last closed second + 1).');
  out.push(`peakdrill_drill_elapsed_seconds ${f.elapsedS}`);

  const links = f.sortedLinks();
  family('peakdrill_requests_total', 'counter', 'Requests completed, by link and outcome class (ok, shed, http_4xx, http_5xx, timeout, ...).');
  for (const [name, l] of links) for (const k of OUTCOME_CLASSES) out.push(`peakdrill_requests_total{link="${esc(name)}",outcome="${k}"} ${l.outcomes[k]}`);
  family('peakdrill_request_duration_seconds', 'histogram', 'Latency from the scheduled send time (open model) or the send (closed model), merged from the HDR histograms.');
  for (const [name, l] of links) {
    const lk = `link="${esc(name)}"`;
    const cum = countsAtOrBelow(l.latency, BUCKETS_US);
    for (let i = 0; i < LATENCY_BUCKETS_S.length; i++) out.push(`peakdrill_request_duration_seconds_bucket{${lk},le="${LATENCY_BUCKETS_S[i]}"} ${cum[i]}`);
    const count = l.latency.totalCount;
    out.push(`peakdrill_request_duration_seconds_bucket{${lk},le="+Inf"} ${count}`);
    out.push(`peakdrill_request_duration_seconds_sum{${lk}} ${round6(count === 0 ? 0 : (l.latency.mean * count) / 1e6)}`);
    out.push(`peakdrill_request_duration_seconds_count{${lk}} ${count}`);
  }
  family('peakdrill_shadow_tags_sent_total', 'counter', 'Requests sent with the shadow tag, by link.');
  for (const [name, l] of links) out.push(`peakdrill_shadow_tags_sent_total{link="${esc(name)}"} ${l.tagSent}`);
  family('peakdrill_shadow_tags_acknowledged_total', 'counter', 'Tagged requests the target acknowledged as test traffic, by link (coverage = acknowledged / sent).');
  for (const [name, l] of links) out.push(`peakdrill_shadow_tags_acknowledged_total{link="${esc(name)}"} ${l.tagAcknowledged}`);

  family('peakdrill_arrivals_total', 'counter', 'Journeys started (arrivals of the open model, iterations of the closed model).');
  out.push(`peakdrill_arrivals_total ${f.arrivals}`);
  family('peakdrill_arrivals_planned_total', 'counter', 'Arrivals the plan scheduled so far (open model; 0 for the closed model).');
  out.push(`peakdrill_arrivals_planned_total ${round6(f.arrivalsPlanned)}`);
  family('peakdrill_arrival_rate_planned', 'gauge', 'Arrivals per second the plan scheduled in the last closed second.');
  out.push(`peakdrill_arrival_rate_planned ${f.plannedRate}`);
  family('peakdrill_arrival_rate_achieved', 'gauge', 'Arrivals per second started in the last closed second.');
  out.push(`peakdrill_arrival_rate_achieved ${f.achievedRate}`);
  family('peakdrill_dropped_arrivals_total', 'counter', 'Arrivals not sent because the in-flight limit was reached.');
  out.push(`peakdrill_dropped_arrivals_total ${f.dropped}`);
  family('peakdrill_in_flight_requests', 'gauge', 'Requests in flight at the end of the last closed second, over every generator.');
  out.push(`peakdrill_in_flight_requests ${f.inFlight}`);
  family('peakdrill_generator_lateness_p99_seconds', 'gauge', "The generators' own scheduling lateness p99 in the last closed second (the worst generator).");
  out.push(`peakdrill_generator_lateness_p99_seconds ${round6(f.lateP99S)}`);
  family('peakdrill_generators', 'gauge', 'Load generators (worker threads, local or on agents) still reporting.');
  out.push(`peakdrill_generators ${f.generators}`);
  return out.join('\n') + '\n';
}

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export interface MetricsEndpoint {
  url: string;
  /** Scrapes served so far. */
  readonly scrapes: number;
  /** Resolves at the next scrape after this call, or after `timeoutMs` (false then). */
  nextScrape(timeoutMs: number): Promise<boolean>;
  /** Median gap between the last scrapes (ms), or null before two scrapes. */
  scrapeIntervalMs(): number | null;
  close(): Promise<void>;
}

/** `host:port`, `:port` or `port`; the host defaults to 127.0.0.1 (the figures carry no secret, but the drill's names do). */
export function parseListenAddress(flag: string, value: string): { host: string; port: number } {
  const m = /^(?:(\[[^\]]+\]|[^:]*):)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new UserError('BAD_FLAG', `${flag} takes host:port (e.g. 127.0.0.1:9464), got "${value}"`);
  const host = m[1] ? m[1].replace(/^\[|\]$/g, '') : '127.0.0.1';
  return { host, port };
}

/** Serves `GET /metrics` from `metrics`; any other path is 404. */
export async function serveMetrics(figures: LiveFigures, at: { host: string; port: number }): Promise<MetricsEndpoint> {
  const times: number[] = [];
  let waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('peakdrill serves /metrics only\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(renderPrometheus(figures), () => {
      times.push(Date.now());
      if (times.length > 5) times.shift();
      count++;
      for (const w of waiters.splice(0)) w();
    });
  });
  let count = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new UserError('METRICS_LISTEN', `--metrics could not listen on ${at.host}:${at.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.code ?? err.message}`)),
    );
    server.listen(at.port, at.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : at.port;
  const host = at.host.includes(':') ? `[${at.host}]` : at.host;
  return {
    url: `http://${host}:${port}/metrics`,
    get scrapes() {
      return count;
    },
    nextScrape(timeoutMs) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== done);
          resolve(false);
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          resolve(true);
        };
        waiters.push(done);
      });
    },
    scrapeIntervalMs() {
      if (times.length < 2) return null;
      const gaps = times.slice(1).map((t, i) => t - times[i]!).sort((a, b) => a - b);
      return gaps[Math.floor(gaps.length / 2)]!;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
