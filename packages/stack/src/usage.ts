// The gateway's GET /admin/metrics: every service's CPU seconds and shed responses (metrics.ts)
// on one page, gathered over HTTP (services in this process or not), for a drill to chart beside
// its own figures with one `observe:` source (docs/stack.md "Metrics").

import { HttpError } from './errors.js';
import { requireAdmin } from './admin.js';
import { SERVICE_NAMES, type Ctx, type Reply } from './http.js';
import { CPU_METRIC, SHED_METRIC } from './metrics.js';

const USAGE_METRICS = [CPU_METRIC, SHED_METRIC];

/** Only the usage series of one /metrics page, its HELP/TYPE lines included. */
export function usageLinesOf(text: string): string[] {
  return text.split('\n').filter((line) => USAGE_METRICS.some((m) => line.startsWith(`${m}{`) || line.startsWith(`# HELP ${m} `) || line.startsWith(`# TYPE ${m} `)));
}

/** GET /admin/metrics on the gateway: every service's CPU and shed series, one page (services elsewhere over HTTP). */
export async function adminMetrics(ctx: Ctx): Promise<Reply> {
  requireAdmin(ctx);
  const pages = await Promise.all(
    SERVICE_NAMES.map(async (svc) => {
      // a service in this process is read directly: no round trip through a loaded event loop
      const local = ctx.rt.localMetrics?.[svc];
      if (local) return local.render();
      const d = await ctx.call(svc, 'GET', '/metrics');
      if (d.status !== 200) throw new HttpError(502, 'METRICS_FAILED', `The ${svc} service did not answer /metrics (${d.status}).`, { service: svc });
      return d.body.toString('utf8');
    }),
  );
  // one HELP and TYPE per metric (promtool refuses repeats); the samples of every service
  const seen = new Set<string>();
  const head: Record<string, string[]> = Object.fromEntries(USAGE_METRICS.map((m) => [m, []]));
  const samples: Record<string, string[]> = Object.fromEntries(USAGE_METRICS.map((m) => [m, []]));
  for (const line of pages.flatMap(usageLinesOf)) {
    const metric = USAGE_METRICS.find((m) => line.includes(`${m} `) || line.startsWith(`${m}{`))!;
    if (line.startsWith('#')) {
      if (!seen.has(line.slice(0, 7) + metric)) head[metric]!.push(line);
      seen.add(line.slice(0, 7) + metric);
    } else samples[metric]!.push(line);
  }
  const body = USAGE_METRICS.flatMap((m) => (samples[m]!.length ? [...head[m]!, ...samples[m]!] : [])).join('\n') + '\n';
  return { status: 200, body: Buffer.from(body), contentType: 'text/plain; version=0.0.4; charset=utf-8' };
}
