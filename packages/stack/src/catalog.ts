// catalog — item detail and listing. Item answers are cached in process for a short TTL (the
// hot-key defence of peak days: a flash-sale item is read thousands of times a second), and
// reads per SKU are counted to report the hottest keys on /hot.

import type { Schema } from './db.js';
import { shadowResetRoute } from './audit.js';
import { requireService } from './credential.js';
import { type Ctx, HttpError, ok, pathParam, queryInt, type Reply, requireAdmin, type Service, SKU_RE } from './http.js';
import { Metrics } from './metrics.js';
import type { Kv } from './redis.js';

export interface CatalogOptions {
  kv: Kv | null;
  /** How long an item answer is served from memory (default 1000 ms). */
  cacheTtlMs?: number;
}

interface ItemRow {
  sku: string;
  name: string;
  category: string;
  price_cents: number;
  flash: boolean;
}

interface Cached {
  at: number;
  reply: Reply;
}

const CACHE_MAX = 50_000;

function topOf(counts: ReadonlyMap<string, number>, limit: number): Array<{ sku: string; requests: number }> {
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([sku, requests]) => ({ sku, requests }));
}

export function catalog(opts: CatalogOptions): Service {
  const metrics = new Metrics('catalog');
  const ttl = opts.cacheTtlMs ?? 1000;
  const cache: Record<Schema, Map<string, Cached>> = { public: new Map(), shadow: new Map() };
  const hits: Record<Schema, Map<string, number>> = { public: new Map(), shadow: new Map() };
  const pending: Record<Schema, Map<string, number>> = { public: new Map(), shadow: new Map() };
  let cacheHits = 0;
  let cacheMisses = 0;
  // One coarse clock for all cache checks instead of a clock read per request.
  let now = Date.now();
  const clock = setInterval(() => {
    now = Date.now();
  }, 50);
  clock.unref();
  /** Adds the reads counted since the last flush to the shared counts in Redis. */
  async function flushToKv(kv: Kv, s: Schema): Promise<void> {
    const p = pending[s];
    if (p.size === 0) return;
    pending[s] = new Map();
    await kv.zincr(kv.key(s, 'hot'), p);
  }
  const flush = opts.kv
    ? setInterval(() => {
        for (const s of ['public', 'shadow'] as const) if (opts.kv) flushToKv(opts.kv, s).catch(() => {});
      }, 1000)
    : null;
  flush?.unref();
  metrics.gauge('catalog_cache_entries', 'Item answers held in the in-process cache.', () => [
    [{ kind: 'production' }, cache.public.size],
    [{ kind: 'shadow' }, cache.shadow.size],
  ]);
  metrics.gauge('catalog_cache_lookups', 'Item cache lookups since start, by result.', () => [
    [{ result: 'hit' }, cacheHits],
    [{ result: 'miss' }, cacheMisses],
  ]);

  function count(schema: Schema, sku: string, n = 1): void {
    const h = hits[schema];
    h.set(sku, (h.get(sku) ?? 0) + n);
    if (opts.kv) {
      const p = pending[schema];
      p.set(sku, (p.get(sku) ?? 0) + n);
    }
  }

  /** The item reads the gateway's micro-cache answered (edge-cache.ts), added to the hot-key counts. */
  function gatewayReads(ctx: Ctx): Reply {
    requireService(ctx);
    const b = ctx.json();
    if (b['kind'] !== 'production' && b['kind'] !== 'shadow') throw new HttpError(400, 'BAD_FIELD', '"kind" must be "production" or "shadow".', { field: 'kind' });
    const schema: Schema = b['kind'] === 'shadow' ? 'shadow' : 'public';
    const reads = b['reads'];
    if (reads === null || typeof reads !== 'object' || Array.isArray(reads)) throw new HttpError(400, 'BAD_FIELD', '"reads" must map SKUs to read counts.', { field: 'reads' });
    let skus = 0;
    for (const [sku, n] of Object.entries(reads as Record<string, unknown>)) {
      if (!SKU_RE.test(sku) || typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new HttpError(400, 'BAD_FIELD', `"reads" must map SKUs to positive integers ("${sku.slice(0, 64)}" does not).`, { field: 'reads' });
      count(schema, sku, n);
      skus++;
    }
    return ok({ skus });
  }

  // One store read per SKU at a time: a hot key's expiry must not send every buyer who
  // arrives before the read returns to the store as well (a cache stampede).
  const loading: Record<Schema, Map<string, Promise<Reply>>> = { public: new Map(), shadow: new Map() };

  function load(ctx: Ctx, schema: Schema, sku: string): Promise<Reply> {
    let p = loading[schema].get(sku);
    if (p) return p;
    cacheMisses++;
    p = ctx
      .sql<ItemRow>(`SELECT sku, name, category, price_cents, flash FROM ${schema}.items WHERE sku = $1`, [sku])
      .then(([row]) => {
        // Unknown SKUs are cached too, so a flood of bad keys cannot reach the database either.
        const reply: Reply = row
          ? ok({ sku: row.sku, name: row.name, category: row.category, priceCents: row.price_cents, flash: row.flash })
          : { status: 404, body: { code: 'ITEM_NOT_FOUND', message: `No item ${sku}.`, sku } };
        if (cache[schema].size >= CACHE_MAX) cache[schema].clear();
        cache[schema].set(sku, { at: now, reply });
        return reply;
      })
      .finally(() => loading[schema].delete(sku));
    loading[schema].set(sku, p);
    return p;
  }

  async function item(ctx: Ctx): Promise<Reply> {
    const sku = pathParam(ctx, 'sku', SKU_RE);
    const schema = ctx.schema;
    const c = cache[schema].get(sku);
    if (c) {
      // Fresh: answer. Stale: answer it all the same and refresh behind it (stale-while-revalidate),
      // so the hot item's readers never wait for the store.
      cacheHits++;
      if (now - c.at >= ttl) load(ctx, schema, sku).catch(() => {});
      if (c.reply.status === 200) count(schema, sku);
      return c.reply;
    }
    const reply = await load(ctx, schema, sku);
    if (reply.status === 200) count(schema, sku);
    return reply;
  }

  async function list(ctx: Ctx): Promise<Reply> {
    const q = ctx.query();
    const page = queryInt(q, 'page', 1, 1, 1_000_000);
    const size = queryInt(q, 'size', 20, 1, 100);
    const rows = await ctx.sql<ItemRow & { total: number }>(
      `SELECT sku, name, category, price_cents, flash, count(*) OVER ()::int AS total
         FROM ${ctx.schema}.items ORDER BY sku LIMIT $1 OFFSET $2`,
      [size, (page - 1) * size],
    );
    let total = rows[0]?.total;
    if (total === undefined) [{ total } = { total: 0 }] = await ctx.sql<{ total: number }>(`SELECT count(*)::int AS total FROM ${ctx.schema}.items`);
    return ok({
      page,
      size,
      total,
      items: rows.map((r) => ({ sku: r.sku, name: r.name, category: r.category, priceCents: r.price_cents, flash: r.flash })),
    });
  }

  async function hot(ctx: Ctx): Promise<Reply> {
    const limit = queryInt(ctx.query(), 'limit', 10, 1, 100);
    const schema = ctx.schema;
    if (opts.kv) {
      try {
        await flushToKv(opts.kv, schema); // this process's latest reads count too
        const top = await opts.kv.top(opts.kv.key(schema, 'hot'), limit);
        return ok({ source: 'redis', items: top.map((t) => ({ sku: t.member, requests: t.score })) });
      } catch {
        // Redis unavailable: fall back to this process's own counts.
      }
    }
    return ok({ source: 'process', items: topOf(hits[schema], limit) });
  }

  return {
    name: 'catalog',
    metrics,
    routes: [
      { method: 'GET', pattern: '/items/:sku', handler: item },
      { method: 'GET', pattern: '/items', handler: list },
      { method: 'GET', pattern: '/hot', handler: hot },
      { method: 'POST', pattern: '/admin/hot/reads', handler: gatewayReads },
      {
        // the hottest SKUs of shadow traffic, from this process's own counts, for the gateway's audit
        method: 'GET',
        pattern: '/admin/hot',
        handler: (ctx) => {
          requireAdmin(ctx);
          const limit = queryInt(ctx.query(), 'limit', 5, 1, 100);
          return ok({ items: topOf(hits.shadow, limit) });
        },
      },
      shadowResetRoute(async () => {
        hits.shadow.clear();
        pending.shadow.clear();
        cache.shadow.clear();
        if (opts.kv) await opts.kv.clear('shadow', 'hot');
      }),
    ],
    async close() {
      clearInterval(clock);
      if (flush) clearInterval(flush);
    },
  };
}
