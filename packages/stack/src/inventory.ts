// inventory — stock per SKU. Deduction is one conditional UPDATE per SKU inside a transaction
// (`available >= qty`), so stock never goes below zero however many buyers race for the last
// item. Before it, a stock figure (in memory, or in Redis by one Lua script) is taken from, so
// a sold-out stampede is turned away before it reaches the database; the database stays the
// record of truth, and the figures reload from it without promising a unit twice (holds.ts).

import { auditRoute, shadowResetRoute } from './audit.js';
import { type Figures, type HeldKind, MemoryHolds, RedisHolds } from './holds.js';
import { requireService } from './credential.js';
import type { Schema, Sql } from './db.js';
import { type Ctx, field, HttpError, intField, ok, ORDER_ID_RE, pathParam, type Reply, type Service, SKU_RE } from './http.js';
import { Metrics } from './metrics.js';
import type { Kv } from './redis.js';

export interface InventoryOptions {
  kv: Kv | null;
}

export interface ReserveLine {
  sku: string;
  qty: number;
}

const MAX_LINES = 50;

class SoldOut extends HttpError {
  /** What is left when known (fewer than asked for); 0 marks the SKU sold out in this process. */
  readonly left: number | undefined;
  constructor(sku: string, left?: number) {
    super(409, 'SOLD_OUT', `Sorry, ${sku} is sold out.`, { sku });
    this.left = left;
  }
}

/** How long this process answers a SKU it saw at zero as sold out without asking the store. */
const SOLD_OUT_MEMORY_MS = 1000;

function parseLines(body: Record<string, unknown>): ReserveLine[] {
  const items = body['items'];
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_LINES) {
    throw new HttpError(400, 'BAD_FIELD', `"items" must be an array of 1 to ${MAX_LINES} {sku, qty}.`, { field: 'items' });
  }
  const merged = new Map<string, number>();
  for (const it of items) {
    if (it === null || typeof it !== 'object') throw new HttpError(400, 'BAD_FIELD', '"items" entries must be objects {sku, qty}.', { field: 'items' });
    const line = it as Record<string, unknown>;
    const sku = field(line, 'sku', SKU_RE);
    merged.set(sku, (merged.get(sku) ?? 0) + intField(line, 'qty', 1, 1000));
  }
  // A fixed lock order (by SKU) keeps two multi-SKU orders from deadlocking each other.
  return [...merged].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([sku, qty]) => ({ sku, qty }));
}

async function deduct(sql: Sql, schema: Schema, orderId: string, runId: string | null, lines: readonly ReserveLine[]): Promise<Array<{ sku: string; available: number }>> {
  const out: Array<{ sku: string; available: number }> = [];
  for (const l of lines) {
    // Deduct and record the movement in one statement; `available >= qty` is re-checked after
    // waiting for a concurrent buyer's row lock, so the last item is sold once.
    const [row] = await sql.query<{ available: number }>(
      `WITH u AS (UPDATE ${schema}.stock SET available = available - $2 WHERE sku = $1 AND available >= $2 RETURNING sku, available)
       INSERT INTO ${schema}.stock_movements (sku, delta, order_id, run_id) SELECT sku, -$2::int, $3, $4 FROM u
       RETURNING (SELECT available FROM u)`,
      [l.sku, l.qty, orderId, runId],
    );
    if (!row) {
      const [left] = await sql.query<{ available: number }>(`SELECT available FROM ${schema}.stock WHERE sku = $1`, [l.sku]);
      if (!left) throw new HttpError(404, 'ITEM_NOT_FOUND', `No stock record for ${l.sku}.`, { sku: l.sku });
      throw new SoldOut(l.sku, left.available);
    }
    out.push({ sku: l.sku, available: row.available });
  }
  return out;
}

export function inventory(opts: InventoryOptions): Service {
  const metrics = new Metrics('inventory');
  const kv = opts.kv;
  // SKUs seen at zero, per schema: a stampede on a sold-out SKU is answered from memory. A
  // release in this process forgets the SKU at once; one in another process within the TTL.
  const zero: Record<Schema, Map<string, number>> = { public: new Map(), shadow: new Map() };
  // The units still promisable before the store catches up: in Redis when given, else here (holds.ts).
  const figures: Figures = kv ? new RedisHolds(kv) : new MemoryHolds();
  const rejected = (at: 'memory' | 'redis' | 'db') => metrics.inc('stock_rejected_total', 'Reservations refused as sold out, by where they were stopped.', { at });
  const refuseKnownZero = (schema: Schema, lines: readonly ReserveLine[]): void => {
    const m = zero[schema];
    if (m.size === 0) return;
    const now = performance.now();
    for (const l of lines) {
      const until = m.get(l.sku);
      if (until !== undefined && now < until) {
        rejected('memory');
        throw new SoldOut(l.sku, 0);
      }
    }
  };
  const sawZero = (schema: Schema, sku: string) => {
    if (zero[schema].size >= 100_000) zero[schema].clear();
    zero[schema].set(sku, performance.now() + SOLD_OUT_MEMORY_MS);
  };

  async function get(ctx: Ctx): Promise<Reply> {
    const sku = pathParam(ctx, 'sku', SKU_RE);
    const [row] = await ctx.sql<{ available: number }>(`SELECT available FROM ${ctx.schema}.stock WHERE sku = $1`, [sku]);
    if (!row) throw new HttpError(404, 'ITEM_NOT_FOUND', `No item ${sku}.`, { sku });
    return ok({ sku, available: row.available });
  }

  /** Takes the lines from the figures (loading them as needed), recorded under the order until settled. */
  async function take(ctx: Ctx, orderId: string, kind: HeldKind, lines: readonly ReserveLine[]): Promise<Array<{ sku: string; available: number }>> {
    const schema = ctx.schema;
    const skus = lines.map((l) => l.sku);
    const r = await figures.take({ query: (t, p) => ctx.sql(t, p) }, schema, orderId, kind, skus, lines.map((l) => l.qty));
    if ('missing' in r) {
      const sku = skus[r.missing]!;
      throw new HttpError(404, 'ITEM_NOT_FOUND', `No item ${sku}.`, { sku });
    }
    if (!r.ok) {
      rejected(figures.at);
      const sku = skus[r.short]!;
      if (r.left === 0) sawZero(schema, sku);
      throw new SoldOut(sku, r.left);
    }
    const items = lines.map((l, i) => ({ sku: l.sku, available: r.left[i]! }));
    for (const i of items) if (i.available === 0) sawZero(schema, i.sku);
    return items;
  }

  /**
   * Runs a figure update after the store already has its outcome. When Redis fails, the keys
   * are dropped so they reload from the store, and when that fails too the failure is logged
   * and counted (the keys then show less stock than there is, never more).
   */
  async function afterStore(ctx: Ctx, skus: readonly string[], update: () => Promise<number>): Promise<'released' | 'reload' | 'failed'> {
    try {
      const absent = await update();
      if (absent > 0) metrics.inc('redis_release_total', 'Units given back to Redis stock keys, by outcome.', { outcome: 'reload' }, absent);
      return absent > 0 ? 'reload' : 'released';
    } catch (err) {
      metrics.inc('redis_release_total', 'Units given back to Redis stock keys, by outcome.', { outcome: 'failed' }, skus.length);
      ctx.rt.log(`peakdrill stack: inventory: could not give stock back to Redis (${(err as Error).message}); dropping the keys so they reload`);
      try {
        await figures.forget(ctx.schema, skus);
        return 'reload';
      } catch {
        return 'failed';
      }
    }
  }

  async function reserve(ctx: Ctx): Promise<Reply> {
    requireService(ctx);
    const body = ctx.json();
    const orderId = field(body, 'orderId', ORDER_ID_RE);
    const lines = parseLines(body);
    const schema = ctx.schema;
    if (body['held'] === true) return deductHeld(ctx, orderId, lines);
    refuseKnownZero(schema, lines);
    const skus = lines.map((l) => l.sku);
    await take(ctx, orderId, 'take', lines);
    let items;
    try {
      // A single line is one atomic statement; several need a transaction to be all-or-nothing.
      items =
        lines.length === 1
          ? await deduct({ query: (text, params) => ctx.sql(text, params) }, schema, orderId, ctx.rowRun, lines)
          : await ctx.tx((sql) => deduct(sql, schema, orderId, ctx.rowRun, lines));
    } catch (err) {
      await afterStore(ctx, skus, () => figures.giveBack(schema, orderId, skus, lines.map((l) => l.qty)));
      if (err instanceof SoldOut) {
        rejected('db');
        if (err.left === 0) sawZero(schema, String(err.extra?.['sku']));
      }
      throw err;
    }
    for (const i of items) if (i.available === 0) sawZero(schema, i.sku);
    await figures.settle(schema, orderId, skus).catch(() => {}); // a record left behind is dropped by the next reload
    return ok({ orderId, reserved: true, items });
  }

  /**
   * Holds stock for an order that will be queued (the flash-sale path): Redis or memory only,
   * never the store, which the queue's consumer reaches later (`deductHeld`).
   */
  async function hold(ctx: Ctx): Promise<Reply> {
    requireService(ctx);
    const body = ctx.json();
    const orderId = field(body, 'orderId', ORDER_ID_RE);
    const lines = parseLines(body);
    refuseKnownZero(ctx.schema, lines);
    const items = await take(ctx, orderId, 'hold', lines);
    metrics.inc('stock_held_total', 'Units held for queued orders, by traffic kind.', { kind: ctx.kind }, lines.reduce((t, l) => t + l.qty, 0));
    return ok({ orderId, held: true, items });
  }

  /** Gives back a hold whose order was never queued (it lost an idempotency race). */
  async function unhold(ctx: Ctx): Promise<Reply> {
    requireService(ctx);
    const body = ctx.json();
    const orderId = field(body, 'orderId', ORDER_ID_RE);
    const lines = parseLines(body);
    const schema = ctx.schema;
    const skus = lines.map((l) => l.sku);
    for (const sku of skus) zero[schema].delete(sku);
    await afterStore(ctx, skus, () => figures.giveBack(schema, orderId, skus, lines.map((l) => l.qty)));
    return ok({ released: lines });
  }

  /**
   * The queue consumer's deduction of held stock: idempotent by order id (a redelivered order
   * whose movement is recorded deducts nothing), serialised per order by an advisory lock so
   * two deliveries at once cannot both deduct. A store that finds the stock gone after all
   * (the held figure was wrong) drops that figure so it reloads.
   */
  async function deductHeld(ctx: Ctx, orderId: string, lines: readonly ReserveLine[]): Promise<Reply> {
    const schema = ctx.schema;
    const skus = lines.map((l) => l.sku);
    try {
      const items = await ctx.tx(async (sql) => {
        await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [orderId]);
        const [done] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.stock_movements WHERE order_id = $1`, [orderId]);
        if ((done?.n ?? 0) > 0) return null;
        return deduct(sql, schema, orderId, ctx.rowRun, lines);
      });
      await figures.settle(schema, orderId, skus).catch(() => {});
      if (items === null) return ok({ orderId, reserved: true, replayed: true, items: [] });
      return ok({ orderId, reserved: true, replayed: false, items });
    } catch (err) {
      if (err instanceof SoldOut) {
        rejected('db');
        await figures.settle(schema, orderId, skus).catch(() => {});
        await figures.forget(schema, [String(err.extra?.['sku'])]).catch(() => {});
      }
      throw err;
    }
  }

  async function release(ctx: Ctx): Promise<Reply> {
    requireService(ctx);
    const orderId = field(ctx.json(), 'orderId', ORDER_ID_RE);
    const schema = ctx.schema;
    const [moved] = await ctx.sql<{ skus: string[] }>(`SELECT ARRAY(SELECT DISTINCT sku FROM ${schema}.stock_movements WHERE order_id = $1 ORDER BY sku) AS skus`, [orderId]);
    // the figures' generations before the store has the units back (holds.ts: the release side of the reload race)
    const gens = await figures.generations(schema, moved?.skus ?? []).catch(() => null);
    const back = await ctx.tx(async (sql) => {
      const rows = await sql.query<{ sku: string; held: number }>(
        `SELECT sku, -sum(delta)::int AS held FROM ${schema}.stock_movements WHERE order_id = $1 GROUP BY sku HAVING sum(delta) < 0 ORDER BY sku`,
        [orderId],
      );
      for (const r of rows) {
        await sql.query(`UPDATE ${schema}.stock SET available = available + $2 WHERE sku = $1`, [r.sku, r.held]);
        await sql.query(`INSERT INTO ${schema}.stock_movements (sku, delta, order_id, run_id) VALUES ($1, $2, $3, $4)`, [r.sku, r.held, orderId, ctx.rowRun]);
      }
      return rows;
    });
    for (const r of back) zero[schema].delete(r.sku);
    const skus = back.map((r) => r.sku);
    const seen = skus.map((sku) => gens?.[(moved?.skus ?? []).indexOf(sku)] ?? -1);
    const outcome = back.length > 0 ? await afterStore(ctx, skus, () => figures.release(schema, skus, back.map((r) => r.held), seen)) : null;
    return ok({ orderId, released: back.map((r) => ({ sku: r.sku, qty: r.held })), ...(kv && outcome ? { redis: outcome } : {}) });
  }

  return {
    name: 'inventory',
    metrics,
    routes: [
      { method: 'GET', pattern: '/inventory/:sku', handler: get },
      { method: 'POST', pattern: '/inventory/reserve', handler: reserve },
      { method: 'POST', pattern: '/inventory/release', handler: release },
      { method: 'POST', pattern: '/inventory/hold', handler: hold },
      { method: 'POST', pattern: '/inventory/unhold', handler: unhold },
      auditRoute(['stock_movements']),
      shadowResetRoute(async (ctx) => {
        await ctx.tx(async (sql) => {
          await sql.query('DELETE FROM shadow.stock_movements');
          await sql.query('UPDATE shadow.stock SET available = initial');
        });
        zero.shadow.clear();
        await figures.clear('shadow');
      }),
    ],
  };
}

/** Drops cached Redis stock so it reloads from the database, the record of truth. */
export async function resyncStock(kv: Kv): Promise<void> {
  await kv.clear('public', 'stock:');
  await kv.clear('shadow', 'stock:');
}
