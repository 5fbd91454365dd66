// `observe:` — the target's own metrics to watch during the drill, beside peakdrill's figures:
//   observe:
//     - { url: "http://127.0.0.1:8080/metrics", series: [peakdrill_stack_http_requests_total, 'peakdrill_stack_shed_total{service="gateway"}'] }
//     - { target: api, url: /metrics, name: gateway, series: [process_cpu_seconds_total] }
// Each source is scraped once a second (Prometheus text format); each series is a metric name
// with an optional label selector (several matching series are summed, as in abort rules).

import type { ObserveSource } from '../plan.js';
import type { UrlUse } from './post-checks.js';
import { fields, isEmpty, list, str, type Ctx, type Val } from './reader.js';
import { resolveTargetUrl } from './target-url.js';

const SERIES_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{\s*\w+\s*=\s*"[^"]*"(\s*,\s*\w+\s*=\s*"[^"]*")*\s*\})?$/;

export function readObserve(ctx: Ctx, v: Val, urls: UrlUse[], targets: Readonly<Record<string, string>>): ObserveSource[] {
  const out: ObserveSource[] = [];
  for (const item of list(ctx, v) ?? []) {
    const f = fields(ctx, item, { keys: ['name', 'url', 'target', 'series'], required: ['url', 'series'] });
    const urlV = f?.get('url');
    const seriesV = f?.get('series');
    if (!f || !urlV || !seriesV) continue; // fields() reported what is missing
    const raw = str(ctx, urlV, { nonEmpty: true });
    const targetV = f.get('target');
    const target = targetV && !isEmpty(targetV) ? str(ctx, targetV) : undefined;
    const series: string[] = [];
    for (const sv of list(ctx, seriesV, { single: true }) ?? []) {
      const s = str(ctx, sv, { nonEmpty: true, pattern: SERIES_RE, patternHelp: 'a metric name with an optional label selector, e.g. shed_total{service="gateway"}' });
      if (s !== undefined) series.push(s.replace(/\s+/g, ''));
    }
    if (raw === undefined || series.length === 0) continue;
    const r = resolveTargetUrl(raw, target, targets);
    if ('problem' in r) {
      ctx.p.add('BAD_URL', `${item.path}.url: ${r.problem}`, urlV.at);
      continue;
    }
    const nameV = f.get('name');
    const name = nameV && !isEmpty(nameV) ? str(ctx, nameV, { nonEmpty: true }) : undefined;
    urls.push({ url: r.url, what: name ? `observe source \`${name}\`` : 'observe source', at: urlV.at });
    let host: string;
    try {
      host = new URL(r.url).host;
    } catch {
      ctx.p.add('BAD_URL', `${item.path}.url: \`${r.url}\` is not a URL; write e.g. http://127.0.0.1:8080/metrics`, urlV.at);
      continue;
    }
    out.push({ name: name ?? host, url: r.url, series });
  }
  return out;
}
