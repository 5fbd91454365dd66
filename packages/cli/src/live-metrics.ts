// The live outputs of one drill: `run --metrics` (a Prometheus endpoint) and `run --otlp URL`
// (OTLP/HTTP pushes), both over the same figures. At the end the figures are marked final and
// each output delivers them once more before it closes.

import { LiveFigures, loadOtlp, otlpMetricsUrl, parseListenAddress, serveMetrics, type DrillIdentity, type MetricsEndpoint, type OtlpExport, type SecondReport } from '@peakdrill/controller';

export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9464';
/** The longest wait at the end for a scraper to read the final figures. */
const FINAL_SCRAPE_MAX_MS = 30_000;

export interface LiveOutputs {
  /** Where Prometheus scrapes, when --metrics was given. */
  metricsUrl: string | null;
  otlpUrl: string | null;
  observe(s: SecondReport): void;
  /** Marks the figures final; a scraper that was reading gets one more scrape (bounded), OTLP one last push; then closes. */
  finish(onNote: (note: string) => void): Promise<void>;
}

export async function startLiveOutputs(flags: { metrics?: string | boolean; otlp?: string }, id: DrillIdentity): Promise<LiveOutputs | null> {
  if (flags.metrics === undefined && flags.otlp === undefined) return null;
  const figures = new LiveFigures(id);
  const otlpUrl = flags.otlp !== undefined ? otlpMetricsUrl(flags.otlp) : null;
  const at = flags.metrics !== undefined ? parseListenAddress('--metrics', typeof flags.metrics === 'string' ? flags.metrics : DEFAULT_METRICS_ADDRESS) : null;
  const endpoint: MetricsEndpoint | null = at ? await serveMetrics(figures, at) : null;
  const otlp: OtlpExport | null = otlpUrl ? (await loadOtlp()).startOtlpExport(figures, otlpUrl) : null;
  let finished = false;
  return {
    metricsUrl: endpoint?.url ?? null,
    otlpUrl,
    observe: (s) => figures.observe(s),
    async finish(onNote) {
      if (finished) return;
      finished = true;
      figures.finish();
      await Promise.all([
        (async () => {
          if (!otlp) return;
          await otlp.flush().catch((err: Error) => onNote(`the last OTLP export to ${otlpUrl} failed: ${err.message}`));
          await otlp.close().catch(() => undefined);
        })(),
        (async () => {
          if (!endpoint) return;
          if (endpoint.scrapes > 0) {
            const waitMs = Math.min(FINAL_SCRAPE_MAX_MS, 2 * (endpoint.scrapeIntervalMs() ?? 15_000) + 1_000);
            if (!(await endpoint.nextScrape(waitMs))) onNote(`no scrape of the final figures within ${Math.round(waitMs / 1000)} s; the run files hold them`);
          }
          await endpoint.close();
        })(),
      ]);
    },
  };
}
