// inventory — stock per SKU. Deduction is one conditional UPDATE per SKU inside a transaction
// (`available >= qty`), so stock never goes below zero however many buyers race for the last
// item. With Redis, a Lua script pre-deducts first and turns a sold-out stampede away before
// it reaches the database; the database stays the record of truth.

import { auditRoute, shadowResetRoute } from './audit.js';
import { loadHoldable, MemoryHolds } from './holds.js';
import { requireService } from './credential.js';
import type { Schema, Sql } from './db.js';
import { type Ctx, field, HttpError, intField, ok, pathParam, type Reply, type Service, SKU_RE } from './http.js';
import { Metrics } from './metrics.js';
import type { Kv } from './redis.js';

export interface InventoryOptions {
  kv: Kv | null;
}

export interface ReserveLine {
  sku: string;
  qty: number;
}

const ORDER_ID_RE = /^[A-Za-z0-9_-]{1,80}$/;
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
  // Without Redis, the units still promisable to queued orders live here (holds.ts).
  const mem = new MemoryHolds();
  const knownZero = (schema: Schema, lines: readonly ReserveLine[]): string | null => {
    const m = zero[schema];
    if (m.size === 0) return null;
    const now = performance.now();
    for (const l of lines) {
      const until = m.get(l.sku);
      if (until !== undefined && now < until) return l.sku;
    }
    return null;
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

  async function preDeduct(ctx: Ctx, lines: readonly ReserveLine[]): Promise<string[]> {
    if (!kv) return [];
    const keys = lines.map((l) => kv.key(ctx.schema, `stock:${l.sku}`));
    const qtys = lines.map((l) => l.qty);
    for (let attempt = 0; attempt <= lines.length; attempt++) {
      const r = await kv.reserve(keys, qtys);
      if (r.ok) return keys;
      if ('soldOut' in r) {
        metrics.inc('stock_rejected_total', 'Reservations refused as sold out, by where they were stopped.', { at: 'redis' });
        throw new SoldOut(lines[r.soldOut]!.sku);
      }
      const sku = lines[r.missing]!.sku;
      // less the units of queued orders: they hold stock the store has not deducted yet
      const available = await loadHoldable({ query: (text, params) => ctx.sql(text, params) }, ctx.schema, sku);
      if (available === null) throw new HttpError(404, 'ITEM_NOT_FOUND', `No item ${sku}.`, { sku });
      await kv.load(keys[r.missing]!, available);
    }
    throw new Error('Redis stock keys vanished while loading them');
  }

  /**
   * Gives pre-deducted units back to Redis. The database already has them back; when Redis
   * fails, the keys are dropped so they reload from it, and when that fails too the failure is
   * logged and counted (the keys then show less stock than there is, never more).
   */
  async function giveBack(ctx: Ctx, keys: readonly string[], qtys: readonly number[]): Promise<'released' | 'reload' | 'failed'> {
    try {
      const absent = await kv!.release(keys, qtys);
      if (absent > 0) metrics.inc('redis_release_total', 'Units given back to Redis stock keys, by outcome.', { outcome: 'reload' }, absent);
      return absent > 0 ? 'reload' : 'released';
    } catch (err) {
      metrics.inc('redis_release_total', 'Units given back to Redis stock keys, by outcome.', { outcome: 'failed' }, keys.length);
      ctx.rt.log(`peakdrill stack: inventory: could not give stock back to Redis (${(err as Error).message}); dropping the keys so they reload`);
      try {
        await kv!.forget(keys);
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
    const gone = knownZero(schema, lines);
    if (gone !== null) {
      metrics.inc('stock_rejected_total', 'Reservations refused as sold out, by where they were stopped.', { at: 'memory' });
      throw new SoldOut(gone, 0);
    }
    const keys = await preDeduct(ctx, lines);
    try {
      // A single line is one atomic statement; several need a transaction to be all-or-nothing.
      const items =
        lines.length === 1
          ? await deduct({ query: (text, params) => ctx.sql(text, params) }, schema, orderId, ctx.rowRun, lines)
          : await ctx.tx((sql) => deduct(sql, schema, orderId, ctx.rowRun, lines));
      for (const i of items) if (i.available === 0) sawZero(schema, i.sku);
      if (!kv) for (const l of lines) mem.adjust(schema, l.sku, -l.qty);
      return ok({ orderId, reserved: true, items });
    } catch (err) {
      if (kv && keys.length > 0) await giveBack(ctx, keys, lines.map((l) => l.qty));
      if (err instanceof SoldOut) {
        metrics.inc('stock_rejected_total', 'Reservations refused as sold out, by where they were stopped.', { at: 'db' });
        if (err.left === 0) sawZero(schema, String(err.extra?.['sku']));
      }
      throw err;
    }
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
    const schema = ctx.schema;
    const gone = knownZero(schema, lines);
    if (gone !== null) {
      metrics.inc('stock_rejected_total', 'Reservations refused as sold out, by where they were stopped.', { at: 'memory' });
      throw new SoldOut(gone, 0);
    }
    let left: number[];
    if (kv) {
      const keys = await preDeduct(ctx, lines);
      left = (await Promise.all(keys.map((k) => kv.get(k)))).map((v) => Number(v ?? 0));
    } else {
      const r = await mem.take(schema, lines.map((l) => l.sku), lines.map((l) => l.qty), (sku) => loadHoldable({ query: (t, p) => ctx.sql(t, p) }, schema, sku));
      if ('missing' in r) {
        const sku = lines[r.missing]!.sku;
        throw new HttpError(404, 'ITEM_NOT_FOUND', `No item ${sku}.`, { sku });
      }
      if (!r.ok) {
        metrics.inc('stock_rejected_total', 'Reservations refused as sold out, by where they were stopped.', { at: 'memory' });
        const sku = lines[r.short]!.sku;
        if (r.left === 0) sawZero(schema, sku);
        throw new SoldOut(sku, r.left);
      }
      left = r.left;
    }
    const items = lines.map((l, i) => ({ sku: l.sku, available: left[i]! }));
    for (const i of items) if (i.available === 0) sawZero(schema, i.sku);
    metrics.inc('stock_held_total', 'Units held for queued orders, by traffic kind.', { kind: ctx.kind }, lines.reduce((t, l) => t + l.qty, 0));
    return ok({ orderId, held: true, items });
  }

  /** Gives back a hold whose order was never queued (it lost an idempotency race). */
  async function unhold(ctx: Ctx): Promise<Reply> {
    requireService(ctx);
    const lines = parseLines(ctx.json());
    const schema = ctx.schema;
    for (const l of lines) zero[schema].delete(l.sku);
    if (kv) await giveBack(ctx, lines.map((l) => kv.key(schema, `stock:${l.sku}`)), lines.map((l) => l.qty));
    else for (const l of lines) mem.adjust(schema, l.sku, l.qty);
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
    try {
      const items = await ctx.tx(async (sql) => {
        await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [orderId]);
        const [done] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.stock_movements WHERE order_id = $1`, [orderId]);
        if ((done?.n ?? 0) > 0) return null;
        return deduct(sql, schema, orderId, ctx.rowRun, lines);
      });
      if (items === null) return ok({ orderId, reserved: true, replayed: true, items: [] });
      return ok({ orderId, reserved: true, replayed: false, items });
    } catch (err) {
      if (err instanceof SoldOut) {
        metrics.inc('stock_rejected_total', 'Reservations refused as sold out, by where they were stopped.', { at: 'db' });
        const sku = String(err.extra?.['sku']);
        if (kv) await kv.forget([kv.key(schema, `stock:${sku}`)]).catch(() => {});
        else mem.forget(schema, sku);
      }
      throw err;
    }
  }

  async function release(ctx: Ctx): Promise<Reply> {
    requireService(ctx);
    const orderId = field(ctx.json(), 'orderId', ORDER_ID_RE);
    const schema = ctx.schema;
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
    for (const r of back) {
      zero[schema].delete(r.sku);
      if (!kv) mem.adjust(schema, r.sku, r.held);
    }
    const redis = kv && back.length > 0 ? await giveBack(ctx, back.map((r) => kv.key(schema, `stock:${r.sku}`)), back.map((r) => r.held)) : null;
    return ok({ orderId, released: back.map((r) => ({ sku: r.sku, qty: r.held })), ...(redis ? { redis } : {}) });
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
        mem.clear('shadow');
        if (kv) await kv.clear('shadow', 'stock:');
      }),
    ],
  };
}

/** Drops cached Redis stock so it reloads from the database, the record of truth. */
export async function resyncStock(kv: Kv): Promise<void> {
  await kv.clear('public', 'stock:');
  await kv.clear('shadow', 'stock:');
}
