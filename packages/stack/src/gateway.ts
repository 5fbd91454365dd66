// gateway — the only entry point. Verifies the shadow tag (the HTTP layer strips a forged
// one: it is never passed on), applies global and per-SKU token buckets with a friendly 429,
// and routes /api/... to the services. It buffers answers rather than streaming them: they
// are small JSON, and buffering lets it set Server-Timing and the shadow ack in the head.

import { type Audit, mergeAudit, runParam, type RunWindow, type SuspectCounts, type TableAudit } from './audit.js';
import { parseJson } from './downstream.js';
import { EdgeCache, type EdgeCacheOptions } from './edge-cache.js';
import { callPeer, type Ctx, HttpError, ok, type Reply, requireAdmin, type Route, type Runtime, type Service, type ServiceName } from './http.js';
import type { TrafficKind } from './metrics.js';
import { Metrics } from './metrics.js';
import { adminMetrics } from './usage.js';
import type { AuditedTable } from './schema.js';
import { SUSPECT_REASONS, type Suspect } from './shadow.js';
import { Shield, type ShieldOptions, SOLD_OUT_HEADER } from './shield.js';

export interface RateLimitOptions {
  /** Requests per second over all /api routes; 0 turns the limit off (default 50000). */
  globalRps?: number;
  /** Order creations per second per SKU; 0 turns the limit off (default 2000). */
  skuRps?: number;
  /** Per-SKU buckets held at once (default 100000); see `makeRoom`. */
  skuBuckets?: number;
}

const SOLD_OUT_OR_BUSY = {
  code: 'SOLD_OUT_OR_BUSY',
  message: "Sorry, you didn't get it this time — try again",
};

/** A token bucket refilled continuously; holds one second of tokens (at least one). */
class Bucket {
  tokens: number;
  last: number;
  readonly capacity: number;
  constructor(readonly rate: number, now: number) {
    this.capacity = Math.max(1, rate);
    this.tokens = this.capacity;
    this.last = now;
  }
  /** Refilled to capacity by now: the same as a new bucket, so dropping it loses nothing. */
  full(now: number): boolean {
    return this.tokens + ((now - this.last) / 1000) * this.rate >= this.capacity;
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const SUSPECT_RUNS_MAX = 10_000;

/** Per claimed run, the requests whose test-traffic claim failed verification; `all` over every run. */
class Suspects {
  readonly #byRun = new Map<string, SuspectCounts>();
  readonly #all: SuspectCounts = zeroCounts();

  add(s: Suspect): void {
    this.#all[s.reason]++;
    if (s.run === null) return;
    let c = this.#byRun.get(s.run);
    if (!c) {
      if (this.#byRun.size >= SUSPECT_RUNS_MAX) this.#byRun.clear();
      c = zeroCounts();
      this.#byRun.set(s.run, c);
    }
    c[s.reason]++;
  }

  counts(run: string | null): SuspectCounts {
    return { ...(run === null ? this.#all : (this.#byRun.get(run) ?? zeroCounts())) };
  }
}

function zeroCounts(): SuspectCounts {
  const c = {} as SuspectCounts;
  for (const r of SUSPECT_REASONS) c[r] = 0;
  return c;
}

const PASS_HEADERS = ['idempotent-replay', 'retry-after', SOLD_OUT_HEADER] as const;
const FORWARD_HEADERS = ['idempotency-key', 'content-type', 'prefer'] as const;
const AUDITED: readonly ServiceName[] = ['cart', 'inventory', 'order', 'payment'];
const BACKENDS: readonly ServiceName[] = ['catalog', 'cart', 'inventory', 'order', 'payment'];
const SKU_BUCKETS_MAX = 100_000;
/** A full table is swept for full buckets at most this often (a sweep walks every bucket). */
const SWEEP_EVERY_MS = 100;
const lastSweep = new WeakMap<Map<string, Bucket>, number>();

/**
 * Room for one more SKU's bucket: drops the buckets that are full again (idle for a refill), which
 * is exact. When none is, the new SKU is limited until some are: spraying made-up SKUs can then
 * delay new SKUs by about a second, but never resets the buckets of the hot ones (the global
 * bucket bounds how fast new SKUs arrive in the first place).
 */
function makeRoom(buckets: Map<string, Bucket>, now: number, max: number): boolean {
  if ((lastSweep.get(buckets) ?? -Infinity) + SWEEP_EVERY_MS > now) return false;
  lastSweep.set(buckets, now);
  for (const [sku, b] of buckets) if (b.full(now)) buckets.delete(sku);
  return buckets.size < max;
}

/** Services on other hosts do not see the gateway as loopback: it proves itself with the token. */
function adminHeaders(ctx: Ctx): Record<string, string> {
  return ctx.rt.adminToken ? { 'x-admin-token': ctx.rt.adminToken } : {};
}

export interface GatewayOptions extends RateLimitOptions, ShieldOptions, EdgeCacheOptions {}

/** An item read the gateway answered from its micro-cache: its own dependency in the chain map. */
const EDGE_HIT_TIMING = 'gateway.cache;dur=0.0';
/** How often the reads answered at the gateway reach the catalog's hot-key counts. */
const HOT_READS_EVERY_MS = 1000;

export function gateway(opts: GatewayOptions = {}): Service {
  const metrics = new Metrics('gateway');
  const globalRps = opts.globalRps ?? 50_000;
  const skuRps = opts.skuRps ?? 2_000;
  const skuBuckets = Math.max(1, opts.skuBuckets ?? SKU_BUCKETS_MAX);
  const global = globalRps > 0 ? new Bucket(globalRps, performance.now()) : null;
  const perSku = new Map<string, Bucket>();
  const shield = new Shield(opts);
  const edge = new EdgeCache(opts);
  let runtime: Runtime | null = null;
  let hotReadsTimer: NodeJS.Timeout | null = null;
  const suspects = new Suspects();
  // Per run, the first and last tagged request seen: the window of its production delta.
  const windows = new Map<string, RunWindow>();

  function limited(scope: 'global' | 'sku'): HttpError {
    metrics.inc('ratelimited_total', 'Requests answered 429 by a token bucket, by scope.', { scope });
    return new HttpError(429, SOLD_OUT_OR_BUSY.code, SOLD_OUT_OR_BUSY.message, { scope }, { 'retry-after': '1' });
  }

  function skuOf(body: Buffer | null): string | null {
    if (!body || body.length === 0) return null;
    try {
      const v = JSON.parse(body.toString('utf8')) as { sku?: unknown };
      return typeof v?.sku === 'string' ? v.sku : null;
    } catch {
      return null; // the order service answers the bad body
    }
  }

  function soldOut(sku: string): HttpError {
    metrics.inc('shed_total', 'Order creations the gateway answered itself, by reason.', { reason: 'sold_out' });
    return new HttpError(409, 'SOLD_OUT', `Sorry, ${sku} is sold out.`, { sku, at: 'gateway' });
  }

  function busy(): HttpError {
    metrics.inc('shed_total', 'Order creations the gateway answered itself, by reason.', { reason: 'in_flight' });
    return new HttpError(429, SOLD_OUT_OR_BUSY.code, SOLD_OUT_OR_BUSY.message, { scope: 'in_flight' }, { 'retry-after': '1' });
  }

  /** An order creation: shed early when the SKU is known sold out or at its in-flight cap. */
  function order(): (ctx: Ctx) => Promise<Reply> {
    const forward = proxy('order', true);
    return async (ctx) => {
      const sku = skuOf(ctx.body);
      if (sku === null) return forward(ctx, null);
      const kind = ctx.kind;
      if (shield.soldOut(kind, sku, performance.now())) throw soldOut(sku);
      if (!shield.enter(kind, sku)) throw busy();
      let reply: Reply;
      try {
        reply = await forward(ctx, sku);
      } finally {
        shield.leave(kind, sku);
      }
      const gone = reply.headers?.[SOLD_OUT_HEADER];
      if (gone !== undefined) for (const s of gone.split(',')) shield.markSoldOut(kind, s.trim(), performance.now());
      return reply;
    };
  }

  /** An item read: answered from the micro-cache while fresh, else by the catalog (and kept). */
  function item(): (ctx: Ctx) => Promise<Reply> {
    const forward = proxy('catalog');
    return async (ctx) => {
      if (!edge.enabled || ctx.search !== '') return forward(ctx);
      const sku = ctx.param('sku');
      const kind = ctx.kind;
      const now = performance.now();
      const hit = edge.lookup(kind, sku, now);
      if (hit === undefined) {
        const reply = await forward(ctx);
        // a shadow answer the catalog did not acknowledge is never served again
        if (ctx.acked) edge.store(kind, sku, reply, performance.now());
        return reply;
      }
      if (global && !global.take(now)) throw limited('global');
      ctx.timing.push(EDGE_HIT_TIMING);
      return hit;
    };
  }

  /** Hands the reads answered here to the catalog's hot-key counts; kept for the next try when it cannot take them. */
  async function flushHotReads(rt: Runtime): Promise<void> {
    if (!rt.peers.catalog) return;
    for (const kind of ['production', 'shadow'] as const satisfies readonly TrafficKind[]) {
      const reads = edge.takeReads(kind);
      if (reads.size === 0) continue;
      try {
        const d = await callPeer(rt, 'catalog', 'POST', '/admin/hot/reads', { kind, reads: Object.fromEntries(reads) });
        if (d.status !== 200) throw new Error(`catalog answered ${d.status}`);
      } catch (err) {
        edge.putBack(kind, reads);
        throw err;
      }
    }
  }

  /** `sku`: the order creation's SKU when the caller parsed it already. */
  function proxy(hop: ServiceName, limitSku = false): (ctx: Ctx, sku?: string | null) => Promise<Reply> {
    return async (ctx, parsed) => {
      const now = performance.now();
      if (global && !global.take(now)) throw limited('global');
      if (limitSku && skuRps > 0) {
        const sku = parsed !== undefined ? parsed : skuOf(ctx.body);
        if (sku !== null) {
          let b = perSku.get(sku);
          if (!b) {
            if (perSku.size >= skuBuckets && !makeRoom(perSku, now, skuBuckets)) throw limited('sku');
            b = new Bucket(skuRps, now);
            perSku.set(sku, b);
          }
          if (!b.take(now)) throw limited('sku');
        }
      }
      const headers: Record<string, string> = {};
      for (const h of FORWARD_HEADERS) {
        const v = ctx.req.headers[h];
        if (typeof v === 'string') headers[h] = v;
      }
      const url = ctx.req.url ?? '/';
      const d = await ctx.call(hop, ctx.req.method ?? 'GET', url.slice(4), ctx.body ?? undefined, headers);
      const out: Record<string, string> = {};
      for (const h of PASS_HEADERS) {
        const v = d.headers[h];
        if (typeof v === 'string') out[h] = v;
      }
      const ct = d.headers['content-type'];
      return { status: d.status, body: d.body, contentType: typeof ct === 'string' ? ct : 'application/json; charset=utf-8', headers: out };
    };
  }

  /** The hot keys, with every read the micro-cache answered counted first. */
  function hot(): (ctx: Ctx) => Promise<Reply> {
    const forward = proxy('catalog');
    return async (ctx) => {
      await flushHotReads(ctx.rt).catch(() => {});
      return forward(ctx);
    };
  }

  async function audit(ctx: Ctx): Promise<Reply> {
    requireAdmin(ctx);
    const run = runParam(ctx);
    const win = run === null ? null : windows.get(run) ?? null;
    // a second past the last tagged request, for the writes of the requests still in flight then
    const qs = run === null ? '' : `?run=${encodeURIComponent(run)}${win ? `&from=${win.fromMs}&to=${win.toMs + 1000}` : ''}`;
    const parts = await Promise.all(
      AUDITED.map(async (svc) => {
        const d = await ctx.call(svc, 'GET', `/admin/audit${qs}`, undefined, adminHeaders(ctx));
        if (d.status !== 200) throw new HttpError(502, 'AUDIT_FAILED', `The ${svc} service did not answer its audit (${d.status}).`, { service: svc });
        return parseJson<{ tables: Partial<Record<AuditedTable, TableAudit>> }>(d).tables;
      }),
    );
    await flushHotReads(ctx.rt).catch(() => {}); // the report then counts what it can; the reads stay for the next flush
    const h = await ctx.call('catalog', 'GET', '/admin/hot?limit=5', undefined, adminHeaders(ctx));
    if (h.status !== 200) throw new HttpError(502, 'AUDIT_FAILED', `The catalog service did not answer its hot keys (${h.status}).`, { service: 'catalog' });
    const hot = parseJson<{ items: Audit['hot'] }>(h).items;
    const body: Audit = mergeAudit(parts, run, suspects.counts(run), win && { fromMs: win.fromMs, toMs: win.toMs + 1000 }, hot);
    return ok(body);
  }

  async function reset(ctx: Ctx): Promise<Reply> {
    requireAdmin(ctx);
    await Promise.all(
      BACKENDS.map(async (svc) => {
        const d = await ctx.call(svc, 'POST', '/admin/shadow/reset', undefined, adminHeaders(ctx));
        if (d.status !== 200) throw new HttpError(502, 'RESET_FAILED', `The ${svc} service did not reset its shadow data (${d.status}).`, { service: svc });
      }),
    );
    shield.forget('shadow');
    edge.forget('shadow');
    return ok({ reset: true });
  }

  const routes: Route[] = [
    { method: 'GET', pattern: '/api/items/:sku', handler: item() },
    { method: 'GET', pattern: '/api/items', handler: proxy('catalog') },
    { method: 'GET', pattern: '/api/hot', handler: hot() },
    { method: 'POST', pattern: '/api/cart/:userId/items', handler: proxy('cart') },
    { method: 'GET', pattern: '/api/cart/:userId', handler: proxy('cart') },
    { method: 'DELETE', pattern: '/api/cart/:userId/items/:sku', handler: proxy('cart') },
    { method: 'POST', pattern: '/api/orders', handler: order() },
    { method: 'GET', pattern: '/api/orders/:id', handler: proxy('order') },
    { method: 'POST', pattern: '/api/orders/:id/pay', handler: proxy('payment') },
    { method: 'GET', pattern: '/api/payments/:id', handler: proxy('payment') },
    { method: 'GET', pattern: '/api/inventory/:sku', handler: proxy('inventory') },
    { method: 'GET', pattern: '/admin/audit', handler: audit },
    { method: 'POST', pattern: '/admin/shadow/reset', handler: reset },
    { method: 'GET', pattern: '/admin/metrics', handler: adminMetrics },
  ];
  metrics.gauge('gateway_item_cache_lookups', 'Item reads looked up in the gateway micro-cache since start, by result.', () => [
    [{ result: 'hit' }, edge.hits],
    [{ result: 'miss' }, edge.misses],
  ]);
  return {
    name: 'gateway',
    metrics,
    routes,
    async start(rt) {
      runtime = rt;
      if (!edge.enabled) return;
      hotReadsTimer = setInterval(() => {
        if (runtime) flushHotReads(runtime).catch(() => {});
      }, HOT_READS_EVERY_MS);
      hotReadsTimer.unref();
    },
    async close() {
      if (hotReadsTimer) clearInterval(hotReadsTimer);
    },
    suspect(sus) {
      metrics.inc('shadow_suspect_total', 'Requests that claimed to be test traffic but failed verification, by reason.', { reason: sus.reason });
      suspects.add(sus);
    },
    shadowSeen(runId) {
      const now = Date.now();
      const w = windows.get(runId);
      if (w) w.toMs = now;
      else {
        if (windows.size >= SUSPECT_RUNS_MAX) windows.clear();
        windows.set(runId, { fromMs: now, toMs: now });
      }
    },
  };
}
