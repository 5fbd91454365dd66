// payment — charges an order exactly once. The payment row is keyed by order id, so of any
// number of concurrent pay requests one inserts it and charges; the others wait for and
// return that first result. A simulated processor adds latency and declines a share of
// charges, so a drill can meet a slow or flaky downstream.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { auditRoute, shadowResetRoute } from './audit.js';
import { parseJson, passError } from './downstream.js';
import { type Ctx, HttpError, ok, ORDER_ID_RE, pathParam, type Reply, type Service } from './http.js';
import { Metrics } from './metrics.js';
import type { OrderView } from './order.js';

export interface PaymentOptions {
  /** Simulated processor latency per charge (default 0). */
  latencyMs?: number;
  /** Share of charges the simulated processor declines, 0..1 (default 0). */
  failureRate?: number;
}

/** How long paying a queued order waits for its confirmation. */
const QUEUED_WAIT_S = 10;

type PaymentStatus = 'processing' | 'succeeded' | 'failed';

interface PaymentRow {
  id: string;
  order_id: string;
  status: PaymentStatus;
  amount_cents: number;
}

function answer(p: PaymentRow, replayed: boolean): Reply {
  const body = { paymentId: p.id, orderId: p.order_id, status: p.status, amountCents: p.amount_cents, replayed };
  const headers = { 'idempotent-replay': String(replayed) };
  if (p.status === 'failed') return { status: 402, body: { code: 'PAYMENT_DECLINED', message: 'The payment processor declined the charge.', ...body }, headers };
  return { status: 200, body, headers };
}

/** Throws a RangeError naming the option that is out of range. */
export function checkPaymentOptions(opts: PaymentOptions): void {
  const latency = opts.latencyMs ?? 0;
  const failureRate = opts.failureRate ?? 0;
  if (!(latency >= 0 && latency <= 60_000)) throw new RangeError(`paymentLatencyMs must be 0..60000, got ${latency}`);
  if (!(failureRate >= 0 && failureRate <= 1)) throw new RangeError(`paymentFailureRate must be 0..1, got ${failureRate}`);
}

export function payment(opts: PaymentOptions = {}): Service {
  checkPaymentOptions(opts);
  const metrics = new Metrics('payment');
  const latency = opts.latencyMs ?? 0;
  const failureRate = opts.failureRate ?? 0;

  async function existing(ctx: Ctx, orderId: string): Promise<Reply | null> {
    const until = Date.now() + latency + 10_000;
    for (;;) {
      const [p] = await ctx.sql<PaymentRow>(`SELECT id, order_id, status, amount_cents FROM ${ctx.schema}.payments WHERE order_id = $1`, [orderId]);
      if (!p) return null;
      if (p.status !== 'processing') return answer(p, true);
      if (Date.now() > until) throw new HttpError(409, 'PAYMENT_IN_PROGRESS', 'This order is being paid right now; retry shortly.', { orderId });
      await sleep(20);
    }
  }

  async function pay(ctx: Ctx): Promise<Reply> {
    const orderId = pathParam(ctx, 'id', ORDER_ID_RE);
    const s = ctx.schema;
    // Ask for the order first: on the common path (not yet paid) that spares a payments lookup.
    // A queued order (the flash-sale path) is waited for: the buyer pays what was accepted.
    const d = await ctx.call('order', 'GET', `/orders/${encodeURIComponent(orderId)}`, undefined, { prefer: `wait=${QUEUED_WAIT_S}` });
    if (d.status !== 200) passError(d);
    const o = parseJson<OrderView>(d);
    if (o.status !== 'created') {
      const first = await existing(ctx, orderId);
      if (first) return first;
      throw new HttpError(409, 'ORDER_NOT_PAYABLE', `Order ${orderId} is ${o.status}, not awaiting payment.`, { orderId, status: o.status });
    }
    const id = `P-${randomUUID()}`;
    const rows = await ctx.sql<{ id: string }>(
      `INSERT INTO ${s}.payments (id, order_id, status, amount_cents, run_id) VALUES ($1, $2, 'processing', $3, $4)
       ON CONFLICT (order_id) DO NOTHING RETURNING id`,
      [id, orderId, o.totalCents, ctx.rowRun],
    );
    if (rows.length === 0) {
      const again = await existing(ctx, orderId);
      if (again) return again;
      throw new HttpError(409, 'PAYMENT_IN_PROGRESS', 'This order is being paid right now; retry shortly.', { orderId });
    }
    const t0 = performance.now();
    if (latency > 0) await sleep(latency);
    const status: PaymentStatus = failureRate > 0 && Math.random() < failureRate ? 'failed' : 'succeeded';
    ctx.timing.push(`processor;dur=${(performance.now() - t0).toFixed(1)}`);
    metrics.inc('payment_charges_total', 'Charges sent to the (simulated) processor, by result and traffic kind.', { result: status, kind: ctx.kind });
    await ctx.sql(`UPDATE ${s}.payments SET status = $2 WHERE id = $1`, [id, status]);
    const n = await ctx.call('order', 'POST', `/orders/${encodeURIComponent(orderId)}/paid`, { status: status === 'succeeded' ? 'paid' : 'payment_failed' });
    if (n.status !== 200) passError(n);
    return answer({ id, order_id: orderId, status, amount_cents: o.totalCents }, false);
  }

  async function get(ctx: Ctx): Promise<Reply> {
    const orderId = pathParam(ctx, 'id', ORDER_ID_RE);
    const [p] = await ctx.sql<PaymentRow>(`SELECT id, order_id, status, amount_cents FROM ${ctx.schema}.payments WHERE order_id = $1`, [orderId]);
    if (!p) throw new HttpError(404, 'PAYMENT_NOT_FOUND', `Order ${orderId} has no payment.`, { orderId });
    return ok({ paymentId: p.id, orderId: p.order_id, status: p.status, amountCents: p.amount_cents });
  }

  return {
    name: 'payment',
    metrics,
    routes: [
      { method: 'POST', pattern: '/orders/:id/pay', handler: pay },
      { method: 'GET', pattern: '/payments/:id', handler: get },
      auditRoute(['payments']),
      shadowResetRoute(async (ctx) => {
        await ctx.sql('DELETE FROM shadow.payments');
      }),
    ],
  };
}
