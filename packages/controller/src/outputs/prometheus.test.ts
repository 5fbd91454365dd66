// A real Prometheus (Debian's `prometheus` package) scrapes a real drill: its counter equals
// summary.json's count, its histogram_quantile(0.99) lands within one bucket of the summary's
// p99, and promtool finds nothing to lint. With CI=true a missing prometheus fails the test.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { quickPlan } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { Drill } from '../drill.js';
import { LiveFigures } from './live-figures.js';
import { latencyBucketIndex, LATENCY_BUCKETS_S, parseListenAddress, renderPrometheus, serveMetrics, type MetricsEndpoint } from './prometheus.js';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const installed = existsSync(PROMETHEUS) && existsSync(PROMTOOL);
if (!installed && process.env.CI === 'true') throw new Error(`CI=true but ${PROMETHEUS} / ${PROMTOOL} are missing: apt-get install prometheus (see .ci/run)`);

let target: Target | null = null;
let endpoint: MetricsEndpoint | null = null;
let prometheus: ChildProcess | null = null;
afterEach(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once('exit', r));
    prometheus.kill('SIGTERM');
    await exited;
  }
  prometheus = null;
  await endpoint?.close();
  endpoint = null;
  await target?.close();
  target = null;
});

const tmp = (): string => mkdtempSync(join(tmpdir(), 'peakdrill-prom-'));

/** A loopback port nobody listens on now (Prometheus cannot report a port 0 it was given). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const DASHBOARD = fileURLToPath(new URL('../../../../deploy/grafana/peakdrill-live.json', import.meta.url));
function dashboardQueries(): string[] {
  const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  return d.panels.flatMap((p) => p.targets.map((t) => t.expr));
}

function promtoolCheck(text: string): { status: number | null; output: string } {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function query(base: string, promql: string): Promise<number | undefined> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
  const v = body.data.result[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

/** Answers after 1..20 ms, cycling: a spread of latencies for the histogram to describe. */
function spreadLatency(t: Target): void {
  t.handler = (_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), 1 + (t.received % 20));
    return true;
  };
}

describe('the latency buckets', () => {
  it('ascend from 100 µs to 60 s with neighbours at most 15% apart', () => {
    expect(LATENCY_BUCKETS_S[0]).toBe(0.0001);
    expect(LATENCY_BUCKETS_S.at(-1)).toBe(60);
    for (let i = 1; i < LATENCY_BUCKETS_S.length; i++) {
      const ratio = LATENCY_BUCKETS_S[i]! / LATENCY_BUCKETS_S[i - 1]!;
      expect(ratio).toBeGreaterThan(1);
      expect(ratio).toBeLessThanOrEqual(1.15);
    }
  });

  it('--metrics addresses: host defaults to 127.0.0.1, bad ones are one clear error', () => {
    expect(parseListenAddress('--metrics', '9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListenAddress('--metrics', '127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListenAddress('--metrics', '[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(() => parseListenAddress('--metrics', 'localhost:99999')).toThrow(/--metrics takes host:port/);
  });
});

describe.skipIf(!installed)('a real Prometheus scraping a drill', () => {
  it(
    'counter = summary count, histogram_quantile(0.99) within one bucket of the summary p99, promtool clean',
    async () => {
      target = await startTarget();
      spreadLatency(target);
      const plan = quickPlan({ url: `${target.url}/x`, rate: 200, durationMs: 5000 });
      plan.shadow.enabled = false;
      const metrics = new LiveFigures({ runId: 'prom-test', scenario: plan.name, model: 'open' });
      endpoint = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 });

      const dir = tmp();
      const promPort = await freePort();
      const config = join(dir, 'prometheus.yml');
      writeFileSync(
        config,
        `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: peakdrill\n    static_configs:\n      - targets: ['${new URL(endpoint.url).host}']\n`,
      );
      let log = '';
      prometheus = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      prometheus.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
      const base = `http://127.0.0.1:${promPort}`;
      // the drill starts once Prometheus scrapes us, so every second of it is seen
      expect(await endpoint.nextScrape(60_000), `prometheus never scraped:\n${log}`).toBe(true);

      const result = await new Drill({ plan, outDir: join(dir, 'runs'), workers: 1, onSecond: (s) => metrics.observe(s) }).run();
      metrics.finish();
      const summary = result.summary;
      const link = summary.links[0]!;
      expect(link.count).toBe(target.received);

      // final figures ingested: the series that says the drill ended reads 0
      await until('the final scrape in Prometheus', 30_000, async () => ((await query(base, 'peakdrill_drill_running')) === 0 ? true : undefined));
      const counted = await query(base, `sum(peakdrill_requests_total{link="${link.name}"})`);
      expect(counted).toBe(link.count);
      expect(await query(base, `peakdrill_request_duration_seconds_count{link="${link.name}"}`)).toBe(link.count);

      const p99s = await query(base, `histogram_quantile(0.99, sum by (le) (peakdrill_request_duration_seconds_bucket{link="${link.name}"}))`);
      expect(p99s).toBeDefined();
      const promBucket = latencyBucketIndex(p99s! * 1000);
      const trueBucket = latencyBucketIndex(link.latencyMs.p99);
      expect(Math.abs(promBucket - trueBucket), `prometheus p99 ${p99s! * 1000} ms vs summary ${link.latencyMs.p99} ms`).toBeLessThanOrEqual(1);
      // the spread target keeps p99 near 20 ms: a real figure, not the first or last bucket
      expect(link.latencyMs.p99).toBeGreaterThan(15);

      // every query of the Grafana dashboard parses and finds these series
      for (const expr of dashboardQueries()) {
        const promql = expr.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*');
        const res = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as { status: string; data: { result: unknown[] } };
        expect(res.status, promql).toBe('success');
        expect(res.data.result.length, promql).toBeGreaterThan(0);
      }

      const lint = promtoolCheck(renderPrometheus(metrics));
      expect(lint.output).toBe('');
      expect(lint.status).toBe(0);
    },
    // a 5 s drill, Prometheus' start-up and its first scrapes, on a busy 2-core machine
    120_000,
  );
});
