// catalog — item detail and listing. Item answers and listing pages are cached in process for a
// short TTL (the hot-key defence of peak days: a flash-sale item is read thousands of times a
// second), and reads per SKU are counted to report the hottest keys on /hot.

import type { Schema } from './db.js';
import { shadowResetRoute } from './audit.js';
import { requireService } from './credential.js';
import { type Ctx, HttpError, ok, pathParam, queryInt, type Reply, requireAdmin, type Service, SKU_RE } from './http.js';
import { Metrics } from './metrics.js';
import type { Kv } from './redis.js';

export interface CatalogOptions {
  kv: Kv | null;
  /** How long an item answer or a listing page is served from memory (default 1000 ms). */
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
  const kv = opts.kv;
  const flush = kv
    ? setInterval(() => {
        for (const s of ['public', 'shadow'] as const) flushToKv(kv, s).catch(() => {});
      }, 1000)
    : null;
  flush?.unref();
  metrics.gauge('catalog_cache_entries', 'Item answers and listing pages held in the in-process cache.', () => [
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

  // One store read per key at a time: a hot key's expiry must not send every buyer who
  // arrives before the read returns to the store as well (a cache stampede).
  const loading: Record<Schema, Map<string, Promise<Reply>>> = { public: new Map(), shadow: new Map() };

  function load(schema: Schema, key: string, read: () => Promise<Reply>): Promise<Reply> {
    let p = loading[schema].get(key);
    if (p) return p;
    cacheMisses++;
    p = read()
      .then((reply) => {
        if (cache[schema].size >= CACHE_MAX) cache[schema].clear();
        cache[schema].set(key, { at: now, reply });
        return reply;
      })
      .finally(() => loading[schema].delete(key));
    loading[schema].set(key, p);
    return p;
  }

  /**
   * A cached read: fresh, answered; stale, answered all the same while one read refreshes it
   * behind (stale-while-revalidate), so a hot key's readers never wait for the store.
   */
  function cached(schema: Schema, key: string, read: () => Promise<Reply>): Reply | Promise<Reply> {
    const c = cache[schema].get(key);
    if (!c) return load(schema, key, read);
    cacheHits++;
    if (now - c.at >= ttl) load(schema, key, read).catch(() => {});
    return c.reply;
  }

  async function item(ctx: Ctx): Promise<Reply> {
    const sku = pathParam(ctx, 'sku', SKU_RE);
    const schema = ctx.schema;
    // Unknown SKUs are cached too, so a flood of bad keys cannot reach the database either.
    const reply = await cached(schema, `item:${sku}`, async () => {
      const [row] = await ctx.sql<ItemRow>(`SELECT sku, name, category, price_cents, flash FROM ${schema}.items WHERE sku = $1`, [sku]);
      return row
        ? ok({ sku: row.sku, name: row.name, category: row.category, priceCents: row.price_cents, flash: row.flash })
        : { status: 404, body: { code: 'ITEM_NOT_FOUND', message: `No item ${sku}.`, sku } };
    });
    if (reply.status === 200) count(schema, sku);
    return reply;
  }

  // A page of the listing is cached like an item: browsing is most of a peak day's reads, and
  // on the embedded store each listing query held the one connection every order waits for.
  async function list(ctx: Ctx): Promise<Reply> {
    const q = ctx.query();
    const page = queryInt(q, 'page', 1, 1, 1_000_000);
    const size = queryInt(q, 'size', 20, 1, 100);
    const schema = ctx.schema;
    return cached(schema, `list:${page}:${size}`, async () => {
      const rows = await ctx.sql<ItemRow & { total: number }>(
        `SELECT sku, name, category, price_cents, flash, count(*) OVER ()::int AS total
           FROM ${schema}.items ORDER BY sku LIMIT $1 OFFSET $2`,
        [size, (page - 1) * size],
      );
      let total = rows[0]?.total;
      if (total === undefined) [{ total } = { total: 0 }] = await ctx.sql<{ total: number }>(`SELECT count(*)::int AS total FROM ${schema}.items`);
      return ok({
        page,
        size,
        total,
        items: rows.map((r) => ({ sku: r.sku, name: r.name, category: r.category, priceCents: r.price_cents, flash: r.flash })),
      });
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
