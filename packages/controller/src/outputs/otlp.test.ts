// A drill exported over OTLP/HTTP by the OpenTelemetry SDK to a real receiver on loopback that
// decodes each ExportMetricsServiceRequest (OTLP JSON encoding): the request counter and the
// exponential histogram's count equal summary.json's; the histogram's p99 lands within one
// exponential bucket of the summary's.

import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newHistogram, quickPlan, recordMicros } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { Drill } from '../drill.js';
import { LiveFigures } from './live-figures.js';
import { exponentialBuckets, indexAt, startOtlpExport } from './otlp.js';
import { otlpMetricsUrl } from './otlp-url.js';

interface OtlpValue {
  asInt?: number | string;
  asDouble?: number;
}
interface OtlpPoint extends OtlpValue {
  attributes: { key: string; value: { stringValue?: string } }[];
  count?: number | string;
  sum?: number;
  scale?: number;
  zeroCount?: number | string;
  positive?: { offset?: number; bucketCounts?: (number | string)[] };
}
interface OtlpMetric {
  name: string;
  unit?: string;
  sum?: { dataPoints: OtlpPoint[]; isMonotonic?: boolean; aggregationTemporality?: number };
  gauge?: { dataPoints: OtlpPoint[] };
  exponentialHistogram?: { dataPoints: OtlpPoint[]; aggregationTemporality?: number };
}
interface ExportRequest {
  resourceMetrics: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeMetrics: { metrics: OtlpMetric[] }[] }[];
}

/** A minimal OTLP/HTTP receiver: decodes every POST /v1/metrics and keeps the requests. */
async function startReceiver(): Promise<{ url: string; received: ExportRequest[]; server: Server; next(pred: (r: ExportRequest) => boolean, ms: number): Promise<ExportRequest> }> {
  const received: ExportRequest[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/metrics' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(415).end();
        return;
      }
      received.push(JSON.parse(body) as ExportRequest);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    received,
    server,
    next: (pred, ms) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching OTLP export arrived')), ms);
        const check = (): void => {
          const hit = received.find(pred);
          if (hit) {
            clearTimeout(timer);
            resolve(hit);
          } else waiters.push(check);
        };
        check();
      }),
  };
}

const metricsOf = (r: ExportRequest): OtlpMetric[] => r.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics));
const attr = (p: OtlpPoint, key: string): string | undefined => p.attributes.find((a) => a.key === key)?.value.stringValue;
const num = (v: number | string | undefined): number => Number(v ?? 0);

/** The value of quantile q from an exponential histogram point: the upper bound of the bucket holding rank q·count. */
function quantileOf(p: OtlpPoint, q: number): { value: number; index: number } {
  const counts = (p.positive?.bucketCounts ?? []).map(num);
  const rank = q * num(p.count);
  let seen = num(p.zeroCount);
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) {
      const index = (p.positive?.offset ?? 0) + i;
      return { value: 2 ** ((index + 1) / 2 ** p.scale!), index };
    }
  }
  throw new Error('rank beyond the buckets');
}

let target: Target | null = null;
let closeReceiver: (() => Promise<void>) | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
  await closeReceiver?.();
  closeReceiver = null;
});

describe('exponential buckets from an HDR histogram', () => {
  it('every value lands in the bucket whose bounds hold it; counts add up; wide ranges downscale', () => {
    const h = newHistogram();
    for (const us of [150, 1_000, 1_000, 20_000, 20_000, 20_000, 900_000]) recordMicros(h, us);
    const e = exponentialBuckets(h);
    expect(e.count).toBe(7);
    expect(e.positive.bucketCounts.reduce((a, b) => a + b, 0)).toBe(7);
    const base = 2 ** (2 ** -e.scale);
    const at = (s: number): number => e.positive.bucketCounts[indexAt(s, e.scale) - e.positive.offset]!;
    expect(at(0.02)).toBe(3);
    const i = indexAt(0.02, e.scale);
    expect(base ** i).toBeLessThan(0.02);
    expect(base ** (i + 1)).toBeGreaterThanOrEqual(0.02 * 0.999);
    const wide = newHistogram();
    recordMicros(wide, 1);
    recordMicros(wide, 3_600_000_000);
    const w = exponentialBuckets(wide);
    expect(w.positive.bucketCounts.length).toBeLessThanOrEqual(160);
    expect(w.scale).toBeLessThan(5);
  });

  it('--otlp URLs: a collector base gets /v1/metrics; other schemes are one clear error', () => {
    expect(otlpMetricsUrl('http://127.0.0.1:4318')).toBe('http://127.0.0.1:4318/v1/metrics');
    expect(otlpMetricsUrl('http://127.0.0.1:4318/custom/path')).toBe('http://127.0.0.1:4318/custom/path');
    expect(() => otlpMetricsUrl('grpc://127.0.0.1:4317')).toThrow(/OTLP\/HTTP/);
  });
});

describe('a drill over OTLP/HTTP to a real receiver', () => {
  it(
    'counter and exponential-histogram counts equal the summary; p99 within one bucket of it',
    async () => {
      target = await startTarget();
      target.handler = (_req, res) => {
        setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), 1 + (target!.received % 20));
        return true;
      };
      const receiver = await startReceiver();
      closeReceiver = () => new Promise((r) => receiver.server.close(() => r()));
      const plan = quickPlan({ url: `${target.url}/o`, rate: 150, durationMs: 3000 });
      plan.shadow.enabled = false;
      const figures = new LiveFigures({ runId: 'otlp-test', scenario: plan.name, model: 'open' });
      const otlp = startOtlpExport(figures, otlpMetricsUrl(receiver.url), { intervalMs: 500 });
      const result = await new Drill({ plan, outDir: mkdtempSync(join(tmpdir(), 'peakdrill-otlp-')), workers: 1, onSecond: (s) => figures.observe(s) }).run();
      figures.finish();
      await otlp.flush();
      await otlp.close();
      const link = result.summary.links[0]!;
      expect(link.count).toBe(target.received);

      // the last export carries the final figures (drill.running = 0)
      const final = await receiver.next((r) => metricsOf(r).some((m) => m.name === 'peakdrill.drill.running' && m.gauge!.dataPoints[0]!.asDouble === 0), 10_000);
      expect(receiver.received.length).toBeGreaterThan(1); // it exported during the drill too
      const resourceRun = final.resourceMetrics[0]!.resource.attributes.find((a) => a.key === 'peakdrill.run_id')?.value.stringValue;
      expect(resourceRun).toBe('otlp-test');
      const metrics = metricsOf(final);
      const requests = metrics.find((m) => m.name === 'peakdrill.requests')!;
      expect(requests.sum!.isMonotonic).toBe(true);
      const counted = requests.sum!.dataPoints.filter((p) => attr(p, 'link') === link.name).reduce((a, p) => a + num(p.asInt), 0);
      expect(counted).toBe(link.count);

      const duration = metrics.find((m) => m.name === 'peakdrill.request.duration')!;
      expect(duration.unit).toBe('s');
      const point = duration.exponentialHistogram!.dataPoints.find((p) => attr(p, 'link') === link.name)!;
      expect(num(point.count)).toBe(link.count);
      expect((point.positive!.bucketCounts ?? []).map(num).reduce((a, b) => a + b, 0) + num(point.zeroCount)).toBe(link.count);
      const p99 = quantileOf(point, 0.99);
      const trueIndex = indexAt(link.latencyMs.p99 / 1000, point.scale!);
      expect(Math.abs(p99.index - trueIndex), `otlp p99 ≤ ${p99.value * 1000} ms vs summary ${link.latencyMs.p99} ms`).toBeLessThanOrEqual(1);
      expect(link.latencyMs.p99).toBeGreaterThan(15);
    },
    // a 3 s drill and the exporter's last push on a busy 2-core machine
    60_000,
  );
});
