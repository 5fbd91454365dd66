// `run --metrics`: the Prometheus endpoint for the life of one drill, and a last scrape of the
// final figures before it closes.

import { parseListenAddress, PrometheusMetrics, serveMetrics, type DrillIdentity, type MetricsEndpoint, type SecondReport } from '@peakdrill/controller';

export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9464';
/** The longest wait at the end for a scraper to read the final figures. */
const FINAL_SCRAPE_MAX_MS = 30_000;

export interface LiveMetrics {
  url: string;
  observe(s: SecondReport): void;
  /** Marks the figures final; when someone was scraping, waits for one more scrape (bounded), then closes. */
  finish(onNote: (note: string) => void): Promise<void>;
}

export async function serveLiveMetrics(flag: string | boolean, id: DrillIdentity): Promise<LiveMetrics> {
  const at = parseListenAddress('--metrics', typeof flag === 'string' ? flag : DEFAULT_METRICS_ADDRESS);
  const metrics = new PrometheusMetrics(id);
  const endpoint: MetricsEndpoint = await serveMetrics(metrics, at);
  let finished = false;
  return {
    url: endpoint.url,
    observe: (s) => metrics.observe(s),
    async finish(onNote) {
      if (finished) return;
      finished = true;
      metrics.finish();
      if (endpoint.scrapes > 0) {
        const interval = endpoint.scrapeIntervalMs() ?? 15_000;
        const waitMs = Math.min(FINAL_SCRAPE_MAX_MS, 2 * interval + 1_000);
        if (!(await endpoint.nextScrape(waitMs))) onNote(`no scrape of the final figures within ${Math.round(waitMs / 1000)} s; the run files hold them`);
      }
      await endpoint.close();
    },
  };
}
