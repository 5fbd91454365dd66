// cart — what each user is about to buy.

import { auditRoute, shadowResetRoute } from './audit.js';
import { type Ctx, field, HttpError, intField, ok, pathParam, type Reply, type Service, SKU_RE, USER_RE } from './http.js';
import { Metrics } from './metrics.js';

export const MAX_CART_QTY = 99;

export interface CartLine {
  sku: string;
  qty: number;
  priceCents: number;
}

export interface CartView {
  userId: string;
  items: CartLine[];
  totalCents: number;
}

async function view(ctx: Ctx, userId: string): Promise<CartView> {
  const rows = await ctx.sql<{ sku: string; qty: number; price_cents: number }>(
    `SELECT c.sku, c.qty, i.price_cents FROM ${ctx.schema}.cart_items c JOIN ${ctx.schema}.items i USING (sku)
      WHERE c.user_id = $1 ORDER BY c.sku`,
    [userId],
  );
  const items = rows.map((r) => ({ sku: r.sku, qty: r.qty, priceCents: r.price_cents }));
  return { userId, items, totalCents: items.reduce((s, l) => s + l.qty * l.priceCents, 0) };
}

async function requireUser(ctx: Ctx, userId: string): Promise<void> {
  const [u] = await ctx.sql<{ one: number }>(`SELECT 1 AS one FROM ${ctx.schema}.users WHERE user_id = $1`, [userId]);
  if (!u) throw new HttpError(404, 'USER_NOT_FOUND', `No user ${userId}.`, { userId });
}

async function add(ctx: Ctx): Promise<Reply> {
  const userId = pathParam(ctx, 'userId', USER_RE);
  const body = ctx.json();
  const sku = field(body, 'sku', SKU_RE);
  const qty = intField(body, 'qty', 1, MAX_CART_QTY);
  const [found] = await ctx.sql<{ u: number | null; i: number | null }>(
    `SELECT (SELECT 1 FROM ${ctx.schema}.users WHERE user_id = $1) AS u, (SELECT 1 FROM ${ctx.schema}.items WHERE sku = $2) AS i`,
    [userId, sku],
  );
  if (!found?.u) throw new HttpError(404, 'USER_NOT_FOUND', `No user ${userId}.`, { userId });
  if (!found.i) throw new HttpError(404, 'ITEM_NOT_FOUND', `No item ${sku}.`, { sku });
  await ctx.sql(
    `INSERT INTO ${ctx.schema}.cart_items (user_id, sku, qty, run_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, sku) DO UPDATE
       SET qty = LEAST(${ctx.schema}.cart_items.qty + EXCLUDED.qty, ${MAX_CART_QTY}), run_id = EXCLUDED.run_id, updated_at = now()`,
    [userId, sku, qty, ctx.rowRun],
  );
  return ok(await view(ctx, userId));
}

async function get(ctx: Ctx): Promise<Reply> {
  const userId = pathParam(ctx, 'userId', USER_RE);
  await requireUser(ctx, userId);
  return ok(await view(ctx, userId));
}

async function removeItem(ctx: Ctx): Promise<Reply> {
  const userId = pathParam(ctx, 'userId', USER_RE);
  const sku = pathParam(ctx, 'sku', SKU_RE);
  await requireUser(ctx, userId);
  await ctx.sql(`DELETE FROM ${ctx.schema}.cart_items WHERE user_id = $1 AND sku = $2`, [userId, sku]);
  return ok(await view(ctx, userId));
}

async function clear(ctx: Ctx): Promise<Reply> {
  const userId = pathParam(ctx, 'userId', USER_RE);
  await ctx.sql(`DELETE FROM ${ctx.schema}.cart_items WHERE user_id = $1`, [userId]);
  return ok({ userId, items: [], totalCents: 0 });
}

export function cart(): Service {
  return {
    name: 'cart',
    metrics: new Metrics('cart'),
    routes: [
      { method: 'POST', pattern: '/cart/:userId/items', handler: add },
      { method: 'GET', pattern: '/cart/:userId', handler: get },
      { method: 'DELETE', pattern: '/cart/:userId/items/:sku', handler: removeItem },
      { method: 'DELETE', pattern: '/cart/:userId', handler: clear },
      auditRoute(['cart_items']),
      shadowResetRoute(async (ctx) => {
        await ctx.sql('DELETE FROM shadow.cart_items');
      }),
    ],
  };
}
