// Warm-up: before the clock starts, every pool opens its connections and the request path is
// run hot, so no arrival of the drill pays for a TCP handshake, waits for a connection being
// set up, or runs in V8's interpreter before the JIT has compiled the send and response path
// (at 10,000/s, a cold start left the first second's p99 at 100+ ms against a target that
// answers in microseconds).
//
// What it sends, per generator and per target origin: rounds of `connections × pipelining`
// concurrent `GET <http.warmup.path>` requests (default `/`), the first round opening the
// connections, with the scenario's common `http.headers`, the header `x-peakdrill-warmup: 1`
// and no shadow tag, until WARMUP_REQUESTS have been answered per origin or WARMUP_BUDGET_MS
// have passed (at least one round). Their answers (any status, even an error) are read and
// thrown away, never counted in any figure. The recorders' own path (histograms, the
// per-second encoding) is warmed on throwaway data. `http.warmup: false` sends nothing
// (connections then open on the first arrivals, and that setup time is measured as latency,
// as it would be for any client).

import type { Dispatcher } from 'undici';
import type { Plan } from '@peakdrill/core';
import { LinkRecorder } from './recorder.js';
import type { Pools } from './steps.js';
import { USER_AGENT } from './steps.js';

export const WARMUP_HEADER = 'x-peakdrill-warmup';
/** A warm-up request that takes longer than this is abandoned (the drill starts regardless). */
const WARMUP_TIMEOUT_MS = 5_000;
/** Rounds go on until this many requests were answered per origin, or the budget is spent. */
export const WARMUP_REQUESTS = 2_000;
export const WARMUP_BUDGET_MS = 400;

export interface WarmupResult {
  requests: number;
  failed: number;
  ms: number;
}

export async function warmUp(plan: Plan, pools: Pools, now: () => number): Promise<WarmupResult> {
  const settings = plan.http.warmup ?? { enabled: true, path: '/' };
  const t0 = now();
  if (!settings.enabled) return { requests: 0, failed: 0, ms: 0 };
  warmRecorders();
  const headers: Record<string, string> = { ...plan.http.headers, [WARMUP_HEADER]: '1' };
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'user-agent')) headers['user-agent'] = `${USER_AGENT} (warm-up)`;
  const perRound = plan.http.connections * plan.http.pipelining;
  const result: WarmupResult = { requests: 0, failed: 0, ms: 0 };
  const origins: Promise<void>[] = [];
  for (const [, pool] of pools.all()) {
    origins.push(rounds(perRound, t0, now, result, () => warmRound(pool, settings.path, headers, perRound)));
  }
  // the fast transport's connections are opened and warmed the same way, through the fast path itself
  const flat = Object.entries(headers).flat();
  for (const [, fast] of pools.allFast()) {
    const req = fast.prepare({ path: settings.path, method: 'GET', headers: flat, body: null }, false);
    origins.push(rounds(perRound, t0, now, result, () => fast.warm(req, perRound).then((r) => r.failed)));
  }
  await Promise.all(origins);
  result.ms = Math.round(now() - t0);
  return result;
}

/** Runs `round` (it resolves to its failures) until enough requests were sent or the budget is spent. */
async function rounds(perRound: number, t0: number, now: () => number, into: WarmupResult, round: () => Promise<number>): Promise<void> {
  let sent = 0;
  do {
    const failed = await round();
    sent += perRound;
    into.requests += perRound;
    into.failed += failed;
    // a target that refuses the warm-up is not warmed further: the drill will say what it answers
    if (failed === perRound) return;
  } while (sent < WARMUP_REQUESTS && now() - t0 < WARMUP_BUDGET_MS);
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

/** Compiles the recording path (record, the per-second encoding) on throwaway data. */
function warmRecorders(): void {
  const rec = new LinkRecorder('warm-up');
  for (let second = 0; second < 3; second++) {
    for (let i = 0; i < 5_000; i++) rec.record('ok', 50 + (i % 977) * 3, -1);
    rec.flush();
  }
}
