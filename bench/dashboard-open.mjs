#!/usr/bin/env node
// How long a one-hour, ten-link run takes to open in the dashboard.
// Generates the run (3,600 s × 10 links: timeseries.ndjson + histograms.hlog + summary.json)
// in a temp folder, serves the dashboard on 127.0.0.1:0, and times, best of 3 (warm) after a
// cold first pass: GET /api/runs/:id, GET /api/runs/:id/timeseries (downsampled), GET
// /runs/:id (the page), /api/runs/:id/percentiles (cold, then cached), and, when Chromium is
// at /usr/bin/chromium, the page opened in the browser until every chart is drawn.
// Needs a build first (npx tsc -b packages/core packages/dashboard).
// usage: node bench/dashboard-open.mjs [--keep]      prints: open <ms> ms (last line)

import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HlogFile, newHistogram, summarizeHistogram } from '../packages/core/dist/index.js';
import { serveDashboard } from '../packages/dashboard/dist/index.js';

const SECONDS = 3600;
const LINKS = Array.from({ length: 10 }, (_, i) => ({ name: ['gateway.home', 'catalog.item', 'catalog.hot', 'cart.add', 'cart.view', 'inventory.reserve', 'order.create', 'order.get', 'payment.pay', 'payment.notify'][i], rps: 200 + 150 * i, p50: 5 + 9 * i }));
const SAMPLES = 20; // recorded per link per second, weighted to the second's count

let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

function generate(runsDir) {
  const id = '20261111-000000-double11-bench';
  const dir = join(runsDir, id);
  mkdirSync(dir, { recursive: true });
  const start = Date.parse('2026-11-11T00:00:00Z');
  const hlog = new HlogFile(join(dir, 'histograms.hlog'), start);
  const whole = LINKS.map(() => newHistogram());
  const counts = LINKS.map(() => ({ count: 0, errors: 0 }));
  let text = '';
  for (let t = 0; t < SECONDS; t++) {
    const entries = [];
    LINKS.forEach((l, i) => {
      const planned = t < 300 ? Math.round((l.rps * (t + 1)) / 300) : l.rps;
      const count = Math.round(planned * (0.97 + 0.05 * rnd()));
      const errors = rnd() < 0.02 ? Math.round(count * 0.01) : 0;
      const spike = t % 900 === 450 ? 8 : 1;
      const h = newHistogram();
      for (let k = 0; k < SAMPLES; k++) h.recordValueWithCount(Math.round(l.p50 * spike * 1000 * Math.exp((rnd() - 0.5) * 0.8) * (rnd() > 0.98 ? 4 : 1)), Math.max(1, Math.round(count / SAMPLES)));
      whole[i].add(h);
      counts[i].count += count;
      counts[i].errors += errors;
      const s = summarizeHistogram(h);
      text += JSON.stringify({ t, ts: start + t * 1000, link: l.name, planned, count, errors, shed: 0, outcomes: errors ? { ok: count - errors, http_5xx: errors } : { ok: count }, rps: count, latencyMs: { p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, mean: s.mean }, inFlight: Math.round((count * s.mean) / 1000) }) + '\n';
      entries.push({ tag: l.name, fromMs: start + t * 1000, toMs: start + (t + 1) * 1000, histogram: h });
    });
    hlog.append(entries);
    for (const e of entries) e.histogram.destroy();
    if (t % 300 === 299) { appendFileSync(join(dir, 'timeseries.ndjson'), text); text = ''; }
  }
  const links = LINKS.map((l, i) => {
    const lat = summarizeHistogram(whole[i]);
    const rps = counts[i].count / SECONDS;
    return { name: l.name, count: counts[i].count, errors: counts[i].errors, shed: 0, outcomes: { ok: counts[i].count - counts[i].errors, http_4xx: 0, http_5xx: counts[i].errors, shed: 0, check_failed: 0, timeout: 0, connect_refused: 0, reset: 0, other: 0 }, rps, latencyMs: lat, serviceTimeMs: lat, target: l.rps, verdict: { passed: lat.p99 < l.p50 * 4, window: { fromS: 300, toS: SECONDS }, targetRps: l.rps, achievedRps: rps, headroom: rps / l.rps, budgets: [{ budget: `p99 ≤ ${l.p50 * 4} ms`, measured: lat.p99, unit: 'ms', allowed: l.p50 * 4, passed: lat.p99 < l.p50 * 4, reason: '' }] }, hops: [] };
  });
  const summary = { id, scenario: 'double11', startedAt: new Date(start).toISOString(), endedAt: new Date(start + SECONDS * 1000).toISOString(), status: links.every((l) => l.verdict.passed) ? 'passed' : 'failed', durationS: SECONDS, model: 'open', latencyFrom: 'scheduled', plannedRps: LINKS.reduce((a, l) => a + l.rps, 0), achievedRps: links.reduce((a, l) => a + l.rps, 0), workers: 8, links, journeys: [], dropped: 0, maxInFlightHit: false, shadow: { mode: 'off' }, isolation: [], invariants: [], abort: null, notes: [], passed: true, plan: { name: 'double11', source: 'bench', targets: {}, allow: [], http: { connections: 1, pipelining: 1, timeoutMs: 1000, headers: {} }, load: { model: 'open', startRate: 0, stages: [{ durationMs: 300_000, target: 1 }, { durationMs: 3_300_000, target: 1 }], maxInFlight: 1 }, journeys: [], data: {}, shadow: { enabled: false, secretEnv: '', coverageFloor: 0, preflightRequests: 0 }, capacity: { growth: 1, links: {} }, abort: [], isolation: [], invariants: [] } };
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
  return id;
}

async function timed(fn) {
  const t0 = performance.now();
  const v = await fn();
  return { ms: performance.now() - t0, v };
}

const runsDir = mkdtempSync(join(tmpdir(), 'pd-bench-'));
process.stderr.write('generating 1 h × 10 links … ');
const gen = await timed(() => generate(runsDir));
process.stderr.write(`${(gen.ms / 1000).toFixed(1)} s\n`);
const id = gen.v;
const dash = await serveDashboard({ runsDir, port: 0 });
const base = dash.url.replace(/\/$/, '');
const fetchMs = async (path) => (await timed(async () => { const r = await fetch(base + path); if (!r.ok) throw new Error(`${path}: ${r.status}`); return (await r.arrayBuffer()).byteLength; }));

const results = {};
const note = (k, r) => { results[k] = results[k] ?? []; results[k].push(r); };
const pct = await import('../packages/dashboard/dist/percentiles.js');
const view = await import('../packages/dashboard/dist/view.js');
const clearCaches = () => { pct.clearPercentileCache(); view.clearSeriesCache(); };
const browserOpen = await openInBrowser();
clearCaches();
note('GET /runs/:id (cold: parses 36,000 seconds)', await fetchMs(`/runs/${id}`));
note('GET /api/runs/:id/percentiles (cold: merges 36,000 interval histograms)', await fetchMs(`/api/runs/${id}/percentiles`));
for (let i = 0; i < 3; i++) {
  note('GET /api/runs/:id', await fetchMs(`/api/runs/${id}`));
  note('GET /api/runs/:id/timeseries', await fetchMs(`/api/runs/${id}/timeseries`));
  note('GET /runs/:id (page with its chart data, cached)', await fetchMs(`/runs/${id}`));
  note('GET /api/runs/:id/percentiles (cached)', await fetchMs(`/api/runs/${id}/percentiles`));
}
note('GET /api/runs/:id/timeseries?maxPoints=0 (full resolution)', await fetchMs(`/api/runs/${id}/timeseries?maxPoints=0`));

async function openInBrowser() {
  if (!existsSync('/usr/bin/chromium')) return null;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const drawnAll = () => [...document.querySelectorAll('canvas')].every((c) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 3; i < d.length; i += 64) if (d[i]) return true; return false; });
  const times = [];
  const firstScreen = [];
  for (let i = 0; i < 5; i++) {
    // Run 0 warms the browser (chart.js parsed once, as in a dashboard tab already open);
    // run 1 opens with the server's caches empty (a run nobody looked at yet); 2..4 again.
    if (i === 1) clearCaches();
    // Time from navigation start to every chart (percentile curves included) drawn.
    const t0 = performance.now();
    await page.goto(`${base}/runs/${id}`, { waitUntil: 'load' });
    firstScreen.push(performance.now() - t0); // the top of the page drawn (charts near the first screen)
    await page.waitForFunction(() => window.__pdReady === true, undefined, { timeout: 30_000, polling: 10 });
    times.push(performance.now() - t0);
    if (i === 0 && !(await page.evaluate(drawnAll))) throw new Error('not every chart was drawn');
  }
  await browser.close();
  return { cold: times[1], warm: Math.min(...times.slice(2)), firstCold: firstScreen[1], firstWarm: Math.min(...firstScreen.slice(2)) };
}
if (browserOpen) {
  note('first screen drawn in Chromium (server caches empty)', { ms: browserOpen.firstCold, v: 0 });
  note('first screen drawn in Chromium (again)', { ms: browserOpen.firstWarm, v: 0 });
  note('page open in Chromium until every chart is drawn (server caches empty)', { ms: browserOpen.cold, v: 0 });
  note('page open in Chromium until every chart is drawn (again)', { ms: browserOpen.warm, v: 0 });
}
const browserMs = browserOpen ? browserOpen.cold : null;
await dash.close();
if (!process.argv.includes('--keep')) rmSync(runsDir, { recursive: true, force: true });
else process.stderr.write(`kept ${runsDir}\n`);

for (const [k, rs] of Object.entries(results)) {
  const best = Math.min(...rs.map((r) => r.ms));
  const size = rs[0].v ? ` · ${(rs[0].v / 1024).toFixed(0)} KiB` : '';
  process.stdout.write(`${k.padEnd(62)} ${best.toFixed(0).padStart(6)} ms${size}\n`);
}
const open = browserMs ?? Math.min(...results['GET /runs/:id (cold: parses 36,000 seconds)'].map((r) => r.ms)) + Math.min(...results['GET /api/runs/:id/percentiles (cached)'].map((r) => r.ms));
process.stdout.write(`open ${open.toFixed(0)} ms\n`);
