// order — creates an order from a cart or a single SKU (the flash-sale path), idempotent by
// the Idempotency-Key header, and reserves its stock through inventory.
//
// The order row is written first as `pending` under a unique idempotency key, so concurrent
// duplicates meet at the database: exactly one of them proceeds, the others wait for its
// outcome and answer with the same order. A sold-out or failed reservation deletes the
// pending row, so no half-written order survives.

import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { auditRoute, shadowResetRoute } from './audit.js';
import { requireService } from './credential.js';
import type { CartView } from './cart.js';
import { MAX_CART_QTY } from './cart.js';
import { type Downstream, parseJson, errorOf, passError } from './downstream.js';
import { OrderConfirmer } from './order-confirm.js';
import { embeddedQueue, type OrderQueue } from './order-queue.js';
import {
  type Ctx,
  field,
  ORDER_ID_RE,
  HttpError,
  intField,
  ok,
  pathParam,
  type Reply,
  type Service,
  SKU_RE,
  USER_RE,
} from './http.js';
import { Metrics } from './metrics.js';
import { SOLD_OUT_HEADER } from './shield.js';

const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9._:-]{1,128}$/;
/** How long a duplicate request waits for the first one with the same key to finish. */
const DUPLICATE_WAIT_MS = 10_000;

/** `queued`: accepted with its stock held, waiting for the order queue's consumer; `rejected`: the store found the stock gone after all. */
export type OrderStatus = 'pending' | 'queued' | 'created' | 'rejected' | 'paid' | 'payment_failed';

export interface OrderView {
  id: string;
  userId: string;
  status: OrderStatus;
  totalCents: number;
  items: Array<{ sku: string; qty: number; priceCents: number }>;
  runId: string | null;
  createdAt: string;
  /** How long the order waited in the order queue before its confirmation (queued orders only). */
  queueMs?: number;
}

interface OrderRow {
  id: string;
  user_id: string;
  status: OrderStatus;
  total_cents: number;
  request_hash: string;
  run_id: string | null;
  created_at: Date | string;
  queue_ms: number | null;
}

async function load(ctx: Ctx, where: 'id' | 'idempotency_key', value: string): Promise<(OrderView & { hash: string }) | null> {
  const s = ctx.schema;
  const [o] = await ctx.sql<OrderRow & { items: Array<{ sku: string; qty: number; price_cents: number }> }>(
    `SELECT o.id, o.user_id, o.status, o.total_cents, o.request_hash, o.run_id, o.created_at, o.queue_ms,
            (SELECT json_agg(json_build_object('sku', i.sku, 'qty', i.qty, 'price_cents', i.price_cents) ORDER BY i.sku)
               FROM ${s}.order_items i WHERE i.order_id = o.id) AS items
       FROM ${s}.orders o WHERE o.${where} = $1`,
    [value],
  );
  if (!o) return null;
  return {
    id: o.id,
    userId: o.user_id,
    status: o.status,
    totalCents: o.total_cents,
    items: (o.items ?? []).map((i) => ({ sku: i.sku, qty: i.qty, priceCents: i.price_cents })),
    runId: s === 'shadow' ? o.run_id : null,
    createdAt: new Date(o.created_at).toISOString(),
    ...(o.queue_ms !== null ? { queueMs: o.queue_ms } : {}),
    hash: o.request_hash,
  };
}

function publicView(o: OrderView & { hash?: string }): OrderView {
  const { hash: _h, ...view } = o;
  return view;
}

function idempotencyKey(ctx: Ctx): string | null {
  const k = ctx.req.headers['idempotency-key'];
  if (k === undefined) return null;
  if (typeof k !== 'string' || !IDEMPOTENCY_KEY_RE.test(k)) {
    throw new HttpError(400, 'BAD_IDEMPOTENCY_KEY', `The Idempotency-Key header must match ${IDEMPOTENCY_KEY_RE.source}.`);
  }
  return k;
}

async function linesOf(ctx: Ctx, body: Record<string, unknown>, userId: string): Promise<Array<{ sku: string; qty: number }>> {
  if (body['fromCart'] === true) {
    const d = await ctx.call('cart', 'GET', `/cart/${encodeURIComponent(userId)}`);
    if (d.status !== 200) passError(d);
    const cart = parseJson<CartView>(d);
    if (cart.items.length === 0) throw new HttpError(422, 'CART_EMPTY', `The cart of ${userId} is empty.`, { userId });
    return cart.items.map((l) => ({ sku: l.sku, qty: l.qty }));
  }
  if (body['fromCart'] !== undefined && body['fromCart'] !== false) {
    throw new HttpError(400, 'BAD_FIELD', '"fromCart" must be true or absent.', { field: 'fromCart' });
  }
  return [{ sku: field(body, 'sku', SKU_RE), qty: intField(body, 'qty', 1, MAX_CART_QTY) }];
}

async function replay(ctx: Ctx, key: string, hash: string): Promise<Reply | null> {
  const until = Date.now() + DUPLICATE_WAIT_MS;
  for (;;) {
    const o = await load(ctx, 'idempotency_key', key);
    if (!o) return null; // the first attempt ended without an order: try again ourselves
    if (o.hash !== hash) {
      throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request.', { orderId: o.id });
    }
    if (o.status === 'queued') return { status: 202, body: publicView(o), headers: { 'idempotent-replay': 'true' } };
    if (o.status !== 'pending') return { status: 200, body: publicView(o), headers: { 'idempotent-replay': 'true' } };
    if (Date.now() > until) throw new HttpError(409, 'ORDER_IN_PROGRESS', 'An order with this Idempotency-Key is still being created; retry shortly.');
    await sleep(20);
  }
}

/** How long the order service trusts a price it read (the catalog's item cache is as old). */
const PRICE_TTL_MS = 1000;
/** A user once found stays known this long: the stack never deletes one, and a flash sale's buyers are new each time. */
const USER_TTL_MS = 60_000;
const REFERENCE_MAX = 100_000;

/**
 * Prices read once a second and known users once a minute rather than once an order: in a
 * flash sale every buyer names the same SKU, and on the embedded store each query waits
 * behind the others.
 */
class ReferenceData {
  readonly #prices: Record<'public' | 'shadow', Map<string, { cents: number; until: number }>> = { public: new Map(), shadow: new Map() };
  readonly #users: Record<'public' | 'shadow', Map<string, number>> = { public: new Map(), shadow: new Map() };

  /** The price of each SKU; 404 for an unknown user or SKU. One round trip when anything is not fresh. */
  async prices(ctx: Ctx, userId: string, skus: readonly string[]): Promise<Map<string, number>> {
    const s = ctx.schema;
    const now = performance.now();
    const out = new Map<string, number>();
    let fresh = (this.#users[s].get(userId) ?? 0) > now;
    for (const sku of skus) {
      const p = this.#prices[s].get(sku);
      if (p !== undefined && p.until > now) out.set(sku, p.cents);
      else fresh = false;
    }
    if (fresh) return out;
    const found = await ctx.sql<{ sku: string; price_cents: number; user_ok: boolean }>(
      `SELECT sku, price_cents, EXISTS (SELECT 1 FROM ${s}.users WHERE user_id = $2) AS user_ok FROM ${s}.items WHERE sku = ANY($1::text[])`,
      [skus, userId],
    );
    if (found[0] && !found[0].user_ok) throw new HttpError(404, 'USER_NOT_FOUND', `No user ${userId}.`, { userId });
    const t = performance.now();
    const until = t + PRICE_TTL_MS;
    const prices = this.#prices[s];
    if (prices.size >= REFERENCE_MAX) prices.clear();
    out.clear();
    for (const r of found) {
      out.set(r.sku, r.price_cents);
      prices.set(r.sku, { cents: r.price_cents, until });
    }
    for (const sku of skus) if (!out.has(sku)) throw new HttpError(404, 'ITEM_NOT_FOUND', `No item ${sku}.`, { sku });
    const users = this.#users[s];
    if (users.size >= REFERENCE_MAX) users.clear();
    users.set(userId, t + USER_TTL_MS);
    return out;
  }
}

interface Priced {
  key: string | null;
  hash: string;
  userId: string;
  fromCart: boolean;
  lines: Array<{ sku: string; qty: number }>;
  priced: Array<{ sku: string; qty: number; priceCents: number }>;
  total: number;
}

/** The common start of both paths: the body checked, an idempotent replay answered, the lines priced. */
async function prepare(ctx: Ctx, reference: ReferenceData): Promise<Priced | Reply> {
  const key = idempotencyKey(ctx);
  const body = ctx.json();
  const userId = field(body, 'userId', USER_RE);
  const hash = createHash('sha256')
    .update(JSON.stringify([userId, body['fromCart'] === true, body['sku'] ?? null, body['qty'] ?? null]))
    .digest('hex');
  if (key) {
    const r = await replay(ctx, key, hash);
    if (r) return r;
  }
  const lines = await linesOf(ctx, body, userId);
  const skus = lines.map((l) => l.sku);
  const prices = await reference.prices(ctx, userId, skus);
  const priced = lines.map((l) => ({ sku: l.sku, qty: l.qty, priceCents: prices.get(l.sku)! }));
  const total = priced.reduce((t, l) => t + l.qty * l.priceCents, 0);
  return { key, hash, userId, fromCart: body['fromCart'] === true, lines, priced, total };
}

/**
 * Writes the order and its lines in one statement (so one implicit transaction), `pending` on
 * the direct path and `queued` on the queued one. Answers its creation time, or null when a
 * concurrent duplicate holds the idempotency key (nothing is inserted then).
 */
async function insertOrder(ctx: Ctx, id: string, status: 'pending' | 'queued', p: Priced): Promise<string | null> {
  const s = ctx.schema;
  const [row] = await ctx.sql<{ created_at: Date | string }>(
    `WITH o AS (
       INSERT INTO ${s}.orders (id, user_id, status, total_cents, idempotency_key, request_hash, run_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, created_at)
     INSERT INTO ${s}.order_items (order_id, sku, qty, price_cents, run_id)
       SELECT o.id, x.sku, x.qty, x.price, $7 FROM o, unnest($8::text[], $9::int[], $10::int[]) AS x(sku, qty, price)
     RETURNING (SELECT created_at FROM o)`,
    [id, p.userId, status, p.total, p.key, p.hash, ctx.rowRun, p.priced.map((l) => l.sku), p.priced.map((l) => l.qty), p.priced.map((l) => l.priceCents)],
  );
  return row ? new Date(row.created_at).toISOString() : null;
}

/** Lost the idempotency race to a concurrent duplicate: answer with its outcome. */
async function lostRace(ctx: Ctx, p: Priced): Promise<Reply> {
  const r = p.key ? await replay(ctx, p.key, p.hash) : null;
  if (r) return r;
  throw new HttpError(409, 'ORDER_IN_PROGRESS', 'A concurrent request with this Idempotency-Key ended without an order; retry.');
}

function viewOf(ctx: Ctx, id: string, status: OrderStatus, p: Priced, createdAt: string): OrderView {
  const items = [...p.priced].sort((a, b) => (a.sku < b.sku ? -1 : 1));
  return { id, userId: p.userId, status, totalCents: p.total, items, runId: ctx.runId, createdAt };
}

function soldOutFrom(d: Downstream): never {
  const e = errorOf(d);
  // Tell the gateway, so it answers the next buyers of this SKU itself.
  if (e.code === 'SOLD_OUT' && typeof e.extra?.['sku'] === 'string') throw new HttpError(e.status, e.code, e.message, e.extra, { [SOLD_OUT_HEADER]: e.extra['sku'] });
  throw e;
}

async function create(ctx: Ctx, reference: ReferenceData): Promise<Reply> {
  const p = await prepare(ctx, reference);
  if ('status' in p) return p;
  const { userId, lines } = p;
  const s = ctx.schema;
  const id = `O-${randomUUID()}`;
  const createdAt = await insertOrder(ctx, id, 'pending', p);
  if (createdAt === null) return lostRace(ctx, p);

  let reserved;
  try {
    reserved = await ctx.call('inventory', 'POST', '/inventory/reserve', { orderId: id, items: lines });
  } catch (err) {
    await ctx.sql(`DELETE FROM ${s}.orders WHERE id = $1`, [id]);
    throw err;
  }
  if (reserved.status !== 200) {
    await ctx.sql(`DELETE FROM ${s}.orders WHERE id = $1`, [id]);
    soldOutFrom(reserved);
  }
  const gone = parseJson<{ items?: Array<{ sku: string; available: number }> }>(reserved).items?.filter((i) => i.available === 0).map((i) => i.sku) ?? [];
  await ctx.sql(`UPDATE ${s}.orders SET status = 'created', updated_at = now() WHERE id = $1`, [id]);
  if (p.fromCart) {
    // The order stands even if emptying the cart fails; the user just sees the items again.
    await ctx.call('cart', 'DELETE', `/cart/${encodeURIComponent(userId)}`).catch(() => {});
  }
  return { status: 201, body: viewOf(ctx, id, 'created', p, createdAt), headers: { 'idempotent-replay': 'false', ...(gone.length > 0 ? { [SOLD_OUT_HEADER]: gone.join(',') } : {}) } };
}

/** Longest `Prefer: wait=N` honoured, in seconds. */
const MAX_WAIT_S = 10;

/** RFC 7240: `Prefer: respond-async` asks for the queued path, `wait=N` to wait up to N s for its confirmation. */
function preference(ctx: Ctx): { async: boolean; waitS: number } {
  const h = ctx.req.headers['prefer'];
  if (typeof h !== 'string') return { async: false, waitS: 0 };
  let async = false;
  let waitS = 0;
  for (const part of h.split(/[,;]/)) {
    const t = part.trim().toLowerCase();
    if (t === 'respond-async') async = true;
    else if (t.startsWith('wait=')) {
      const n = Number(t.slice(5));
      if (Number.isFinite(n) && n >= 0) waitS = Math.min(MAX_WAIT_S, n);
    }
  }
  return { async, waitS };
}

/**
 * The queued path (peak shaving): stock is held in memory or Redis, the order is written once
 * as `queued` and published; the buyer gets 202 at once, or with `wait=N` the consumer's
 * confirmation (201, or 409 should the store find the stock gone) if it comes in time.
 */
async function createQueued(ctx: Ctx, reference: ReferenceData, confirmer: OrderConfirmer, waitS: number): Promise<Reply> {
  const p = await prepare(ctx, reference);
  if ('status' in p) return p;
  const s = ctx.schema;
  const id = `O-${randomUUID()}`;
  const held = await ctx.call('inventory', 'POST', '/inventory/hold', { orderId: id, items: p.lines });
  if (held.status !== 200) soldOutFrom(held);
  const gone = parseJson<{ items?: Array<{ sku: string; available: number }> }>(held).items?.filter((i) => i.available === 0).map((i) => i.sku) ?? [];
  const unhold = () => ctx.call('inventory', 'POST', '/inventory/unhold', { orderId: id, items: p.lines }).catch(() => undefined);
  const createdAt = await insertOrder(ctx, id, 'queued', p);
  if (createdAt === null) {
    await unhold();
    return lostRace(ctx, p);
  }
  const confirmed = waitS > 0 ? confirmer.wait(id, waitS * 1000) : null;
  try {
    await confirmer.queue.publish({ orderId: id, runId: ctx.runId, enqueuedAt: Date.now() }, ctx.tag);
  } catch {
    await ctx.sql(`DELETE FROM ${s}.orders WHERE id = $1 AND status = 'queued'`, [id]);
    await unhold();
    throw new HttpError(503, 'ORDER_QUEUE_UNAVAILABLE', 'The order queue is not reachable; nothing was ordered, retry shortly.', {}, { 'retry-after': '1' });
  }
  if (p.fromCart) await ctx.call('cart', 'DELETE', `/cart/${encodeURIComponent(p.userId)}`).catch(() => {});
  const t0 = performance.now();
  const outcome = confirmed ? await confirmed : null;
  if (confirmed) ctx.timing.push(`queue;dur=${(performance.now() - t0).toFixed(1)}`);
  const headers: Record<string, string> = { 'idempotent-replay': 'false', ...(gone.length > 0 ? { [SOLD_OUT_HEADER]: gone.join(',') } : {}) };
  if (outcome === 'rejected') {
    const sku = p.lines[0]!.sku;
    throw new HttpError(409, 'SOLD_OUT', `Sorry, ${sku} is sold out.`, { sku, orderId: id }, { [SOLD_OUT_HEADER]: p.lines.map((l) => l.sku).join(',') });
  }
  return { status: outcome === 'created' ? 201 : 202, body: viewOf(ctx, id, outcome ?? 'queued', p, createdAt), headers };
}

/** How often a waiting GET looks at the store again, for a confirmation made by another process. */
const RECHECK_MS = 250;

/** `Prefer: wait=N` on a queued order: answers once it is confirmed, or as it is after N s. */
async function get(ctx: Ctx, confirmer: OrderConfirmer): Promise<Reply> {
  const id = pathParam(ctx, 'id', ORDER_ID_RE);
  const { waitS } = preference(ctx);
  const until = performance.now() + waitS * 1000;
  let o = await load(ctx, 'id', id);
  if (!o) throw new HttpError(404, 'ORDER_NOT_FOUND', `No order ${id}.`, { orderId: id });
  if (o.status === 'queued' && waitS > 0) {
    const t0 = performance.now();
    while (o && o.status === 'queued' && performance.now() < until) {
      await confirmer.wait(id, Math.min(RECHECK_MS, until - performance.now()));
      o = await load(ctx, 'id', id);
    }
    ctx.timing.push(`queue;dur=${(performance.now() - t0).toFixed(1)}`);
    if (!o) throw new HttpError(404, 'ORDER_NOT_FOUND', `No order ${id}.`, { orderId: id });
  }
  return ok(publicView(o));
}

/** Called by payment once the charge has a final result; answers { id, status }. */
async function paid(ctx: Ctx): Promise<Reply> {
  requireService(ctx);
  const id = pathParam(ctx, 'id', ORDER_ID_RE);
  const status = ctx.json()['status'];
  if (status !== 'paid' && status !== 'payment_failed') {
    throw new HttpError(400, 'BAD_FIELD', '"status" must be "paid" or "payment_failed".', { field: 'status' });
  }
  const rows = await ctx.sql<{ id: string }>(
    `UPDATE ${ctx.schema}.orders SET status = $2, updated_at = now() WHERE id = $1 AND status = 'created' RETURNING id`,
    [id, status],
  );
  if (rows.length > 0) {
    if (status === 'payment_failed') {
      const d = await ctx.call('inventory', 'POST', '/inventory/release', { orderId: id });
      if (d.status !== 200) passError(d);
    }
    return ok({ id, status });
  }
  const [now] = await ctx.sql<{ status: OrderStatus }>(`SELECT status FROM ${ctx.schema}.orders WHERE id = $1`, [id]);
  if (!now) throw new HttpError(404, 'ORDER_NOT_FOUND', `No order ${id}.`, { orderId: id });
  return ok({ id, status: now.status });
}

export interface OrderOptions {
  /** The order queue of the queued path (`Prefer: respond-async`); the embedded one when absent. */
  queue?: OrderQueue;
  /** Orders confirmed at once by this process's consumer (default 8); 0: none, another process on the queue confirms. */
  confirmConcurrency?: number;
}

export function order(opts: OrderOptions = {}): Service {
  const metrics = new Metrics('order');
  const confirmer = new OrderConfirmer(opts.queue ?? embeddedQueue(), metrics, opts.confirmConcurrency);
  const reference = new ReferenceData();
  return {
    name: 'order',
    metrics,
    start: (rt) => confirmer.start(rt),
    close: () => confirmer.queue.close(),
    routes: [
      {
        method: 'POST',
        pattern: '/orders',
        handler: (ctx) => {
          const pref = preference(ctx);
          return pref.async ? createQueued(ctx, reference, confirmer, pref.waitS) : create(ctx, reference);
        },
      },
      { method: 'GET', pattern: '/orders/:id', handler: (ctx) => get(ctx, confirmer) },
      { method: 'POST', pattern: '/orders/:id/paid', handler: paid },
      auditRoute(['orders', 'order_items']),
      shadowResetRoute(async (ctx) => {
        await ctx.tx(async (sql) => {
          await sql.query('DELETE FROM shadow.order_items');
          await sql.query('DELETE FROM shadow.orders');
        });
      }),
    ],
  };
}
