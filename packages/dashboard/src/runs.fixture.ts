// Realistic run folders for tests and the bench, written with the run-file contract's own
// types and hlog writer, until real drills exist. Deterministic (seeded), so screenshots and
// figures are stable. Not part of the build (`*.fixture.ts` is excluded).

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HlogFile,
  newHistogram,
  recordMicros,
  summarizeHistogram,
  type BudgetResult,
  type Histogram,
  type LinkSummary,
  type OutcomeCounts,
  type Plan,
  type PostCheckResult,
  type Summary,
  type TimeseriesLine,
} from '@peakdrill/core';

export interface FixtureLink {
  name: string;
  /** Planned (target) rate, req/s. */
  rps: number;
  /** Typical latency, ms. */
  p50Ms: number;
  /** Achieved / planned (1 = keeps up). */
  keepUp?: number;
  /** Fraction of requests failing with 5xx. */
  errorRate?: number;
  /** Fraction shed with a declared 429. */
  shedRate?: number;
  /** p99 budget in ms (the link fails it when its p99 is above). */
  p99BudgetMs?: number;
  /** Server-Timing hops and their share of the latency. */
  hops?: { name: string; share: number }[];
  /** A latency spike (×factor) at second `atS` for `forS` seconds. */
  spike?: { atS: number; forS: number; factor: number };
}

export interface FixtureRun {
  runsDir: string;
  id: string;
  scenario: string;
  status: Summary['status'];
  durationS: number;
  links: FixtureLink[];
  startMs?: number;
  abort?: Summary['abort'];
  isolation?: PostCheckResult[];
  invariants?: PostCheckResult[];
  notes?: string[];
  /** Samples recorded per link per second into histograms.hlog (keep small for speed). */
  samplesPerSecond?: number;
  /** Leave the last timeseries line torn (a killed run). */
  tornTail?: boolean;
  /** Write the seconds [0, writeSeconds) only (a live run that continues with `appendFixtureSeconds`). */
  writeSeconds?: number;
}

const OUTCOME_ZERO: OutcomeCounts = { ok: 0, http_4xx: 0, http_5xx: 0, shed: 0, check_failed: 0, timeout: 0, connect_refused: 0, reset: 0, other: 0 };

/** Small seeded PRNG (mulberry32): the same fixture every time. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Planned rate at second t: ramp over the first 10% of the run, then hold. */
function plannedAt(link: FixtureLink, t: number, durationS: number): number {
  const ramp = Math.max(1, Math.floor(durationS * 0.1));
  return t < ramp ? Math.round((link.rps * (t + 1)) / ramp) : link.rps;
}

interface LinkState {
  whole: Histogram;
  service: Histogram;
  hops: Map<string, Histogram>;
  count: number;
  errors: number;
  shed: number;
  outcomes: OutcomeCounts;
}

function secondOf(run: FixtureRun, link: FixtureLink, t: number, state: LinkState, startMs: number): { line: TimeseriesLine; h: Histogram } {
  const r = rng(hash(run.id + link.name) + t * 7919);
  const planned = plannedAt(link, t, run.durationS);
  const keep = link.keepUp ?? 1;
  const achieved = Math.max(0, Math.round(planned * keep * (0.97 + 0.06 * r())));
  const errors = Math.round(achieved * (link.errorRate ?? 0) * (0.5 + r()));
  const shed = Math.round(achieved * (link.shedRate ?? 0) * (0.5 + r()));
  const spike = link.spike && t >= link.spike.atS && t < link.spike.atS + link.spike.forS ? link.spike.factor : 1;
  const overload = keep < 1 ? 1 + (1 - keep) * 8 : 1;
  const base = link.p50Ms * spike * overload * (0.9 + 0.2 * r());
  const h = newHistogram();
  const n = Math.min(achieved, run.samplesPerSecond ?? 100);
  const weight = n > 0 ? achieved / n : 0;
  for (let i = 0; i < n; i++) {
    const u = (i + r()) / n; // stratified: steadier per-second percentiles, like real thousands of samples
    // log-normal-ish body with a tail
    const ms = base * Math.exp(0.35 * (u - 0.5) * 2) * (u > 0.99 ? 2 + r() : u > 0.9 ? 1.4 : 1);
    const us = Math.max(1, Math.round(ms * 1000));
    h.recordValueWithCount(Math.min(us, 3_600_000_000), Math.max(1, Math.round(weight)));
  }
  const lat = summarizeHistogram(h);
  state.whole.add(h);
  state.service.add(h);
  for (const hop of link.hops ?? []) {
    let hh = state.hops.get(hop.name);
    if (!hh) {
      hh = newHistogram();
      state.hops.set(hop.name, hh);
    }
    recordMicros(hh, lat.p50 * hop.share * 1000);
    recordMicros(hh, lat.p99 * hop.share * 1000);
  }
  state.count += achieved;
  state.errors += errors;
  state.shed += shed;
  const outcomes: Partial<OutcomeCounts> = { ok: achieved - errors - shed };
  if (errors) outcomes.http_5xx = errors;
  if (shed) outcomes.shed = shed;
  if (errors && t % 7 === 0) outcomes.timeout = 1;
  for (const [k, v] of Object.entries(outcomes)) state.outcomes[k as keyof OutcomeCounts] += v ?? 0;
  const hops: Record<string, { p50: number; p99: number }> = {};
  for (const hop of link.hops ?? []) hops[hop.name] = { p50: +(lat.p50 * hop.share).toFixed(3), p99: +(lat.p99 * hop.share).toFixed(3) };
  const line: TimeseriesLine = {
    t,
    ts: startMs + t * 1000,
    link: link.name,
    planned,
    count: achieved,
    errors,
    shed,
    outcomes,
    rps: achieved,
    latencyMs: { p50: lat.p50, p90: lat.p90, p99: lat.p99, max: lat.max, mean: lat.mean },
    inFlight: Math.round((achieved * base) / 1000),
    ...(link.hops?.length ? { hops } : {}),
  };
  return { line, h };
}

export function fixturePlan(run: FixtureRun): Plan {
  return {
    name: run.scenario,
    description: 'Singles’ Day rehearsal: browse, cart, flash sale, order, pay',
    source: '/srv/drills/double11.yaml',
    targets: { gateway: 'http://127.0.0.1:8080', internal: 'https://drill:s3cr3t-pass@orders.internal:8443/api?token=abc123' },
    allow: ['orders.internal'],
    http: { connections: 64, pipelining: 1, timeoutMs: 5000, headers: { authorization: 'Bearer super-secret-token', 'x-team': 'sre' } },
    load: { model: 'open', startRate: 0, stages: [{ durationMs: run.durationS * 100, target: run.links[0]?.rps ?? 10 }, { durationMs: run.durationS * 900, target: run.links[0]?.rps ?? 10 }], maxInFlight: 10000 },
    journeys: [{ name: 'checkout', weight: 1, steps: run.links.map((l) => ({ name: l.name, target: 'gateway', method: 'GET', path: `/${encodeURIComponent(l.name)}`, headers: {}, captures: [], checks: [], shed: [429], stopOnFailure: true, thinkTimeMs: { minMs: 0, maxMs: 0 } })) }],
    data: { users: { source: { kind: 'list', rows: [{ user: 'u1', token: 'row-tok-4242' }] }, mode: 'random' } },
    shadow: { enabled: true, secretEnv: 'PEAKDRILL_SHADOW_SECRET', coverageFloor: 0.99, preflightRequests: 10 },
    capacity: { growth: 1.5, links: Object.fromEntries(run.links.map((l) => [l.name, { rps: l.rps, budgets: [{ kind: 'latency' as const, percentile: 'p99' as const, maxMs: l.p99BudgetMs ?? 250 }, { kind: 'errorRate' as const, max: 0.01 }] }])) },
    abort: [
      { kind: 'errorRate', above: 0.2, forMs: 10_000, text: 'error rate above 20% for 10 s' },
      { kind: 'health', url: 'http://ops:h3alth-pw@127.0.0.1:9000/health?sig=sig-777', forMs: 5_000, text: 'health http://ops:h3alth-pw@127.0.0.1:9000/health?sig=sig-777 for 5 s' },
    ],
    isolation: [{ name: 'no leaks', kind: 'http', url: 'http://127.0.0.1:8080/admin/audit?access_token=iso-tok-555', status: 200, path: '$.leaked.total', expect: { equals: 0 } }],
    invariants: [],
  };
}

function linkSummary(run: FixtureRun, link: FixtureLink, s: LinkState): LinkSummary {
  const lat = summarizeHistogram(s.whole);
  const secs = Math.max(1, run.writeSeconds ?? run.durationS);
  const achievedRps = +(s.count / secs).toFixed(1);
  const budgetMs = link.p99BudgetMs ?? 250;
  const errRate = s.count ? s.errors / s.count : 0;
  const budgets: BudgetResult[] = [
    { budget: `p99 ≤ ${budgetMs} ms`, measured: lat.p99, unit: 'ms', allowed: budgetMs, passed: lat.p99 <= budgetMs, reason: lat.p99 <= budgetMs ? `p99 ${lat.p99} ms is within ${budgetMs} ms` : `p99 ${lat.p99} ms is above the ${budgetMs} ms budget` },
    { budget: 'errors ≤ 1%', measured: errRate, unit: 'ratio', allowed: 0.01, passed: errRate <= 0.01, reason: `${(errRate * 100).toFixed(2)}% of requests failed` },
    { budget: `rps ≥ ${link.rps}`, measured: achievedRps, unit: 'rps', allowed: link.rps * 0.95, passed: achievedRps >= link.rps * 0.85, reason: `achieved ${achievedRps} req/s of ${link.rps}` },
  ];
  return {
    name: link.name,
    journey: 'checkout',
    count: s.count,
    errors: s.errors,
    shed: s.shed,
    outcomes: s.outcomes,
    rps: achievedRps,
    latencyMs: lat,
    serviceTimeMs: summarizeHistogram(s.service),
    target: link.rps,
    verdict: { passed: budgets.every((b) => b.passed), window: { fromS: Math.floor(run.durationS * 0.1), toS: run.durationS }, targetRps: link.rps, achievedRps, headroom: +(achievedRps / link.rps).toFixed(3), budgets },
    hops: [...s.hops].map(([name, h]) => ({ name, p50: summarizeHistogram(h).p50, p99: summarizeHistogram(h).p99, count: h.totalCount })),
  };
}

export interface WrittenFixture {
  id: string;
  dir: string;
  summary: Summary;
  /** Appends seconds [from, to) to a live fixture (timeseries and hlog). */
  appendSeconds(from: number, to: number): void;
  /** Writes the final summary with `status` (ends a live fixture). */
  finish(status: Summary['status']): void;
}

export function writeFixtureRun(run: FixtureRun): WrittenFixture {
  const startMs = run.startMs ?? Date.parse(`${run.id.slice(0, 4)}-${run.id.slice(4, 6)}-${run.id.slice(6, 8)}T${run.id.slice(9, 11)}:${run.id.slice(11, 13)}:${run.id.slice(13, 15)}Z`);
  const dir = join(run.runsDir, run.id);
  mkdirSync(dir, { recursive: true });
  const tsPath = join(dir, 'timeseries.ndjson');
  writeFileSync(tsPath, '');
  const hlog = new HlogFile(join(dir, 'histograms.hlog'), startMs);
  const states = new Map<string, LinkState>(run.links.map((l) => [l.name, { whole: newHistogram(), service: newHistogram(), hops: new Map(), count: 0, errors: 0, shed: 0, outcomes: { ...OUTCOME_ZERO } }]));

  const appendSeconds = (from: number, to: number): void => {
    let text = '';
    for (let t = from; t < to; t++) {
      const entries: { tag: string; fromMs: number; toMs: number; histogram: Histogram }[] = [];
      for (const link of run.links) {
        const { line, h } = secondOf(run, link, t, states.get(link.name)!, startMs);
        text += JSON.stringify(line) + '\n';
        entries.push({ tag: link.name, fromMs: startMs + t * 1000, toMs: startMs + (t + 1) * 1000, histogram: h });
      }
      // one write per second, like the controller, so a tailing reader sees whole seconds
      if (to - from <= 5) {
        appendFileSync(tsPath, text);
        text = '';
      }
      hlog.append(entries);
      for (const e of entries) e.histogram.destroy();
    }
    if (text) appendFileSync(tsPath, text);
  };

  const summaryOf = (status: Summary['status'], seconds: number): Summary => {
    const links = run.links.map((l) => linkSummary({ ...run, writeSeconds: seconds }, l, states.get(l.name)!));
    const plan = fixturePlan(run);
    return {
      id: run.id,
      scenario: run.scenario,
      startedAt: new Date(startMs).toISOString(),
      endedAt: status === 'running' ? null : new Date(startMs + seconds * 1000).toISOString(),
      status,
      durationS: seconds,
      model: 'open',
      latencyFrom: 'scheduled',
      plannedRps: run.links.reduce((a, l) => a + l.rps, 0),
      achievedRps: +links.reduce((a, l) => a + l.rps, 0).toFixed(1),
      workers: 8,
      links,
      journeys: [{ name: 'checkout', started: links[0]?.count ?? 0, completed: (links[0]?.count ?? 0) - (links[0]?.errors ?? 0), failed: links[0]?.errors ?? 0 }],
      dropped: 0,
      maxInFlightHit: false,
      shadow: { mode: 'tagged', secretEnv: 'PEAKDRILL_SHADOW_SECRET' },
      isolation: run.isolation ?? [],
      invariants: run.invariants ?? [],
      abort: run.abort ?? null,
      notes: run.notes ?? [],
      plan,
      passed: status === 'passed',
    };
  };

  const seconds = run.writeSeconds ?? run.durationS;
  appendSeconds(0, seconds);
  if (run.tornTail) appendFileSync(tsPath, '{"t":99999,"ts":1,"link":"torn","plan');
  let summary = summaryOf(run.status, seconds);
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  let written = seconds;
  return {
    id: run.id,
    dir,
    get summary() {
      return summary;
    },
    appendSeconds(from, to) {
      appendSeconds(from, to);
      written = Math.max(written, to);
    },
    finish(status) {
      summary = summaryOf(status, written);
      writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
    },
  };
}

export const XSS_NAME = '<script>alert(1)</script>';

/** observe.ndjson of a run: the gateway's shed counter and CPU (counters), the store's pool waits (a gauge). */
export function writeObserveFixture(dir: string, startMs: number, seconds: number): void {
  const lines: string[] = [];
  let shed = 0;
  let cpu = 0;
  for (let t = 0; t < seconds; t++) {
    shed += t >= 90 && t < 110 ? 40 : 2;
    cpu += 0.4 + (t >= 90 && t < 110 ? 0.5 : 0);
    lines.push(JSON.stringify({ t, ts: startMs + t * 1000, source: 'gateway', ok: true, values: { 'peakdrill_stack_shed_total{service="gateway"}': shed, process_cpu_seconds_total: Math.round(cpu * 100) / 100 } }));
    lines.push(JSON.stringify({ t, ts: startMs + t * 1000, source: 'store', ok: true, values: { 'db_pool_connections{state="waiting"}': t >= 90 && t < 110 ? 12 : 0 } }));
  }
  writeFileSync(join(dir, 'observe.ndjson'), lines.join('\n') + '\n');
}

/** The standard set: a passed run, a failed one (budgets and an isolation check), an aborted one, and an XSS-named link. */
export function writeStandardRuns(runsDir: string): { passed: WrittenFixture; failed: WrittenFixture; aborted: WrittenFixture } {
  const hops = [
    { name: 'gateway', share: 0.1 },
    { name: 'order', share: 0.35 },
    { name: 'inventory', share: 0.25 },
    { name: 'payment', share: 0.3 },
  ];
  const passed = writeFixtureRun({
    runsDir,
    id: '20261120-093000-double11-aa01',
    scenario: 'double11',
    status: 'passed',
    durationS: 120,
    links: [
      { name: 'catalog.item', rps: 400, p50Ms: 18, p99BudgetMs: 200 },
      { name: 'cart.add', rps: 200, p50Ms: 25, p99BudgetMs: 250, shedRate: 0.002 },
      { name: 'order.create', rps: 100, p50Ms: 60, p99BudgetMs: 400, hops },
    ],
    isolation: [
      { name: 'no shadow orders in production', kind: 'sql', passed: true, expected: '0', actual: '0' },
      { name: 'production stock untouched', kind: 'http', passed: true, expected: '10000', actual: '10000' },
    ],
    invariants: [{ name: 'stock never below zero', kind: 'sql', passed: true, expected: 'min ≥ 0', actual: '0' }],
  });
  const failed = writeFixtureRun({
    runsDir,
    id: '20261122-210000-double11-bb02',
    scenario: 'double11',
    status: 'failed',
    durationS: 180,
    links: [
      { name: 'catalog.item', rps: 400, p50Ms: 20, p99BudgetMs: 200, spike: { atS: 95, forS: 3, factor: 12 } },
      { name: 'cart.add', rps: 200, p50Ms: 30, p99BudgetMs: 250, shedRate: 0.01 },
      { name: 'order.create', rps: 100, p50Ms: 140, p99BudgetMs: 400, keepUp: 0.8, errorRate: 0.03, hops },
      { name: XSS_NAME, rps: 20, p50Ms: 12, p99BudgetMs: 100 },
    ],
    isolation: [
      { name: 'no shadow orders in production', kind: 'sql', passed: false, expected: '0', actual: '3', error: `3 rows tagged ${XSS_NAME} in public.orders` },
      { name: 'production stock untouched', kind: 'http', passed: true, expected: '10000', actual: '10000' },
    ],
    notes: ['agent agent-2 lost at 02:41; its share was carried by the others', 'abort rule health http://ops:h3alth-pw@127.0.0.1:9000/health?sig=sig-777 did not answer for 2 s'],
  });
  writeObserveFixture(failed.dir, Date.parse(failed.summary.startedAt), 180);
  const aborted = writeFixtureRun({
    runsDir,
    id: '20261123-001500-flashsale-cc03',
    scenario: 'flash-sale',
    status: 'aborted',
    durationS: 75,
    links: [
      { name: 'flash.buy', rps: 800, p50Ms: 40, p99BudgetMs: 300, keepUp: 0.6, errorRate: 0.25, shedRate: 0.2 },
      { name: 'inventory.reserve', rps: 800, p50Ms: 15, p99BudgetMs: 100, errorRate: 0.05 },
    ],
    abort: { rule: 'errorRate', atS: 70, figures: { errorRate: 0.27, forS: 10 }, reason: 'error rate 27% above 20% for 10 s: the drill was stopped to protect the target' },
  });
  return { passed, failed, aborted };
}
