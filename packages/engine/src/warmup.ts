// Warm-up: before the clock starts, every pool opens its connections to the drill's targets and
// the request path is run hot, so no arrival of the drill pays for a TCP handshake, waits for a
// connection being set up, or runs in V8's interpreter before the JIT has compiled the send and
// response path (at 10,000/s, a cold start left the first second's p99 at 100+ ms against a
// target that answers in microseconds).
//
// What reaches a target of the drill by default: nothing but its connections (`http.connections`
// per generator and origin, TCP or TLS, opened and left idle). The requests that run the path hot
// go to the generator's own loopback server (warmup-target.ts), so the target's request count is
// the drill's. With `http.warmup.path` set they go to the drill's targets instead (to warm a
// target's own caches and JIT too): `GET <path>` to every origin.
//
// The requests, per generator and per warm-up origin: rounds of `connections × pipelining`
// concurrent `GET <path>` (default `/`), with the scenario's common `http.headers`, the header
// `x-peakdrill-warmup: 1` and no shadow tag, until `warmupBounds` requests have been answered
// per origin (2,000, or half a second of an open model's peak rate, up to 10,000) or its budget
// has passed (400 ms to 1 s; at least one round). Their answers (any status, even an error) are
// read and thrown away, never counted in any figure. On the fast transport the rounds run
// through the drill's own journey machinery (journey.ts: the same send, parse, judge and record
// code, on a throwaway recorder), so what gets compiled is exactly what second 0 runs; undici
// pools get plain `request()` rounds. The recorders' per-second encoding is warmed on throwaway
// data. An open model at a high rate then warms up paced as well (generator.ts, `pacedWarmup`),
// with the same requests to the same place (`Warmup.site`). `http.warmup: false` sends nothing
// and opens nothing (connections then open on the first arrivals, and that setup time is
// measured as latency, as it would be for any client).

import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { peakLevel, type Plan, type Step, type WarmupSettings } from '@peakdrill/core/plan';
import { unanswered } from './classify.js';
import { Journeys, type JourneyHost, type JourneyRun } from './journey.js';
import { LinkRecorder } from './recorder.js';
import { Pools, USER_AGENT } from './steps.js';
import { WarmupTarget } from './warmup-target.js';

export const WARMUP_HEADER = 'x-peakdrill-warmup';
/** A warm-up request that takes longer than this is abandoned (the drill starts regardless). */
const WARMUP_TIMEOUT_MS = 5_000;
/**
 * Rounds go on until this many requests were answered per origin (at least WARMUP_REQUESTS; an
 * open model's generator sends WARMUP_LOAD_S of its peak rate, up to WARMUP_MAX_REQUESTS), or
 * the budget is spent: at 20,000/s one worker's first two seconds kept a p99 of 50–140 ms
 * after 2,000 warm-up requests and 13–40 ms after 10,000 (bench/RESULTS.md), the JIT still
 * compiling the path.
 */
export const WARMUP_REQUESTS = 2_000;
export const WARMUP_MAX_REQUESTS = 10_000;
const WARMUP_LOAD_S = 0.5;
/** The budget: 400 ms, or a tenth of a millisecond per request, up to a second. */
const WARMUP_BUDGET_MS = 400;
const WARMUP_MAX_BUDGET_MS = 1_000;

export interface WarmupBounds {
  requests: number;
  budgetMs: number;
}

/** How much one generator warms up per origin, from its part of the plan's peak load. */
export function warmupBounds(plan: Plan, share: number): WarmupBounds {
  const peakRate = plan.load.model === 'open' ? peakLevel(plan.load) * share : 0;
  const requests = Math.min(WARMUP_MAX_REQUESTS, Math.max(WARMUP_REQUESTS, Math.ceil(peakRate * WARMUP_LOAD_S)));
  return { requests, budgetMs: Math.min(WARMUP_MAX_BUDGET_MS, Math.max(WARMUP_BUDGET_MS, requests / 10)) };
}

export interface WarmupResult {
  requests: number;
  failed: number;
  ms: number;
  /** Connections opened to the drill's targets, and attempts that failed. */
  connected: number;
  connectFailed: number;
}

/** Where the warm-up's requests go, and through which pools. */
export interface WarmupSite {
  pools: Pools;
  origins: string[];
  path: string;
  headers: Record<string, string>;
}

export class Warmup {
  /** Where the requests went; null when the warm-up is off. */
  site: WarmupSite | null = null;
  private loopback: WarmupTarget | null = null;

  constructor(
    private readonly plan: Plan,
    private readonly pools: Pools,
  ) {}

  /** Opens the drill's connections and runs the closed-loop rounds. */
  async run(now: () => number, bounds: WarmupBounds): Promise<WarmupResult> {
    const plan = this.plan;
    const settings: WarmupSettings = plan.http.warmup ?? { enabled: true };
    const t0 = now();
    const result: WarmupResult = { requests: 0, failed: 0, ms: 0, connected: 0, connectFailed: 0 };
    if (!settings.enabled) return result;
    warmRecorders();
    const opened = await this.pools.preconnect();
    result.connected = opened.opened;
    result.connectFailed = opened.failed;
    const headers = warmupHeaders(plan);
    let undiciOrigins = this.pools.all().map(([origin]) => origin);
    let fastOrigins = this.pools.allFast().map(([origin]) => origin);
    if (settings.path !== undefined) {
      this.site = { pools: this.pools, origins: drillOrigins(this.pools), path: settings.path, headers };
    } else {
      this.loopback = await WarmupTarget.start().catch(() => null);
      // no loopback port to be had: the connections are open, the path runs cold
      if (this.loopback === null) return { ...result, ms: Math.round(now() - t0) };
      const here = [this.loopback.origin];
      if (undiciOrigins.length > 0) undiciOrigins = here;
      if (fastOrigins.length > 0) fastOrigins = here;
      this.site = { pools: new Pools(plan), origins: here, path: '/', headers };
    }
    const site = this.site;
    const perRound = plan.http.connections * plan.http.pipelining;
    const undiciPools = undiciOrigins.map((origin) => site.pools.get(origin));
    // the fast transport's path is warmed through the journeys' own code
    const journeys = fastOrigins.length > 0 ? new JourneyWarmup(plan, site.pools, fastOrigins, site.path, headers, perRound, now, bounds) : null;
    // the loopback's connections are opened ahead too, so they go through the states the drill's do
    if (site.pools !== this.pools) await site.pools.preconnect();
    // the rounds' budget starts now: opening connections and the loopback's thread took some of it
    const t1 = now();
    const rounds: Promise<void>[] = undiciPools.map((pool) => repeatRounds(perRound, t1, now, bounds, result, () => warmRound(pool, site.path, headers, perRound)));
    if (journeys !== null) rounds.push(journeys.run(t1).then((r) => void ((result.requests += r.requests), (result.failed += r.failed))));
    await Promise.all(rounds);
    result.ms = Math.round(now() - t0);
    return result;
  }

  /** Closes the loopback server and its pools (the drill's pools stay open). */
  async close(): Promise<void> {
    if (this.loopback === null) return;
    await this.site?.pools.destroy();
    await this.loopback.close();
    this.loopback = null;
  }
}

function drillOrigins(pools: Pools): string[] {
  return [...new Set([...pools.all(), ...pools.allFast()].map(([origin]) => origin))];
}

/** Runs `round` (it resolves to its failures) until enough requests were sent or the budget is spent. */
async function repeatRounds(perRound: number, t0: number, now: () => number, bounds: WarmupBounds, into: WarmupResult, round: () => Promise<number>): Promise<void> {
  let sent = 0;
  do {
    const failed = await round();
    sent += perRound;
    into.requests += perRound;
    into.failed += failed;
    // a target that refuses the warm-up is not warmed further: the drill will say what it answers
    if (failed === perRound) return;
  } while (sent < bounds.requests && now() - t0 < bounds.budgetMs);
}

async function warmRound(pool: Dispatcher, path: string, headers: Record<string, string>, count: number): Promise<number> {
  let failed = 0;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < count; i++) sends.push(warmOne(pool, path, headers).catch(() => void failed++));
  await Promise.all(sends);
  return failed;
}

async function warmOne(pool: Dispatcher, path: string, headers: Record<string, string>): Promise<void> {
  const res = await pool.request({ path, method: 'GET', headers, headersTimeout: WARMUP_TIMEOUT_MS, bodyTimeout: WARMUP_TIMEOUT_MS });
  await res.body.dump();
}

/**
 * Closed-loop warm-up through `Journeys`: per fast origin, `perRound` runs of a one-step
 * journey (`GET <path>` with the warm-up header, no shadow tag) restart as they end, until
 * WARMUP_REQUESTS were sent for that origin or the budget is spent. A run whose request did
 * not get an answer (refused, reset, timed out) stops: a dead target is not hammered.
 */
class JourneyWarmup implements JourneyHost {
  readonly runId = 'warm-up';
  readonly tagged = false;
  readonly stampSends = true;
  readonly finished = false;
  readonly stopping = false;
  private readonly journeys: Journeys;
  private readonly sent: number[];
  private readonly answered: number[] = [];
  private live = 0;
  private t0 = 0;
  private done: ((r: { requests: number; failed: number }) => void) | null = null;
  private failed = 0;

  constructor(
    plan: Plan,
    pools: Pools,
    private readonly origins: string[],
    path: string,
    headers: Record<string, string>,
    private readonly perRound: number,
    private readonly now: () => number,
    private readonly bounds: WarmupBounds,
  ) {
    this.journeys = new Journeys(this, warmupPlan(plan, origins, path, headers), pools, {}, (name) => new LinkRecorder(name));
    this.sent = origins.map(() => 0);
  }

  /** Runs the rounds, their budget counted from `t0`. */
  run(t0: number): Promise<{ requests: number; failed: number }> {
    this.t0 = t0;
    const out = new Promise<{ requests: number; failed: number }>((resolve) => (this.done = resolve));
    for (let i = 0; i < this.origins.length; i++) {
      for (let k = 0; k < this.perRound; k++) this.startOn(i, this.journeys.newRun());
    }
    if (this.live === 0) this.finish();
    return out;
  }

  private startOn(origin: number, run: JourneyRun): void {
    run.vu = origin;
    this.sent[origin]!++;
    this.live++;
    this.journeys.start(run, performance.now(), this.journeys.list[origin]!);
  }

  journeyEnded(run: JourneyRun): void {
    this.live--;
    const origin = run.vu;
    const answered = !unanswered(run.lastOutcome);
    if (!answered) this.failed++;
    if (answered && this.sent[origin]! < this.bounds.requests && this.now() - this.t0 < this.bounds.budgetMs) this.startOn(origin, run);
    else if (this.live === 0) this.finish();
  }

  private finish(): void {
    const requests = this.sent.reduce((a, b) => a + b, 0);
    this.done?.({ requests, failed: this.failed });
    this.done = null;
  }

  takeRow(): Record<string, string> {
    return {};
  }

  noteOnce(): void {}

  park(): void {}

  recordLate(): void {}
}

/** What every warm-up request carries: the scenario's common headers and the warm-up header. */
export function warmupHeaders(plan: Plan): Record<string, string> {
  const headers: Record<string, string> = { ...plan.http.headers, [WARMUP_HEADER]: '1' };
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'user-agent')) headers['user-agent'] = `${USER_AGENT} (warm-up)`;
  return headers;
}

/** `plan` with one journey per origin instead of its own: a single `GET <path>` carrying `headers`, nothing else. */
export function warmupPlan(plan: Plan, origins: readonly string[], path: string, headers: Record<string, string>): Plan {
  const targets: Record<string, string> = {};
  const journeys = origins.map((origin, i) => {
    targets[`warm-up ${i}`] = origin;
    const step: Step = { name: `warm-up ${i}`, target: `warm-up ${i}`, method: 'GET', path, headers, captures: [], checks: [], shed: [], stopOnFailure: true, thinkTimeMs: { minMs: 0, maxMs: 0 } };
    return { name: `warm-up ${i}`, weight: 1, steps: [step] };
  });
  return { ...plan, targets, journeys, http: { ...plan.http, headers: {} } };
}

/** Compiles the recording path (record, the per-second encoding) on throwaway data. */
function warmRecorders(): void {
  const rec = new LinkRecorder('warm-up');
  for (let second = 0; second < 3; second++) {
    for (let i = 0; i < 5_000; i++) rec.record('ok', 50 + (i % 977) * 3, -1);
    rec.flush();
  }
}
