// Warm-up: before the clock starts, every pool opens its connections, so no arrival of the
// drill pays for a TCP handshake or waits for a connection being set up, and the response
// path (undici's parser, our handlers) has run. What it sends, per generator and per target
// origin: `connections × pipelining` concurrent `GET <http.warmup.path>` requests (default
// `/`), with the scenario's common `http.headers`, the header `x-peakdrill-warmup: 1` and no
// shadow tag; their answers (any status, even an error) are read and thrown away, never
// counted in any figure. `http.warmup: false` sends nothing (connections then open on the
// first arrivals, and that setup time is measured as latency, as it would be for any client).

import type { Dispatcher } from 'undici';
import type { Plan } from '@peakdrill/core/plan';
import type { Pools } from './steps.js';
import { USER_AGENT } from './steps.js';

export const WARMUP_HEADER = 'x-peakdrill-warmup';
/** A warm-up request that takes longer than this is abandoned (the drill starts regardless). */
const WARMUP_TIMEOUT_MS = 5_000;

export interface WarmupResult {
  requests: number;
  failed: number;
  ms: number;
}

export async function warmUp(plan: Plan, pools: Pools, now: () => number): Promise<WarmupResult> {
  const settings = plan.http.warmup ?? { enabled: true, path: '/' };
  const t0 = now();
  if (!settings.enabled) return { requests: 0, failed: 0, ms: 0 };
  const headers: Record<string, string> = { ...plan.http.headers, [WARMUP_HEADER]: '1' };
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'user-agent')) headers['user-agent'] = `${USER_AGENT} (warm-up)`;
  const perPool = plan.http.connections * plan.http.pipelining;
  let failed = 0;
  let requests = 0;
  const sends: Promise<void>[] = [];
  for (const [, pool] of pools.all()) {
    for (let i = 0; i < perPool; i++) {
      requests++;
      sends.push(
        warmOne(pool, settings.path, headers).catch(() => {
          failed++;
        }),
      );
    }
  }
  // the fast transport's connections are opened the same way, through the fast path itself
  const flat = Object.entries(headers).flat();
  for (const [, fast] of pools.allFast()) {
    const req = fast.prepare({ path: settings.path, method: 'GET', headers: flat, body: null }, false);
    requests += perPool;
    sends.push(fast.warm(req, perPool).then((r) => void (failed += r.failed)));
  }
  await Promise.all(sends);
  return { requests, failed, ms: Math.round(now() - t0) };
}

async function warmOne(pool: Dispatcher, path: string, headers: Record<string, string>): Promise<void> {
  const res = await pool.request({ path, method: 'GET', headers, headersTimeout: WARMUP_TIMEOUT_MS, bodyTimeout: WARMUP_TIMEOUT_MS });
  await res.body.dump();
}
