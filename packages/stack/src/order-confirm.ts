// The order queue's consumer, inside the order service: it confirms each accepted (`queued`)
// order by having inventory deduct the held stock in the store, then marks the order
// `created` (payable) or, should the store find the stock gone after all, `rejected`.
//
// Idempotent by order id, so any redelivery is harmless: an order no longer `queued` is
// acknowledged without work, and inventory's held deduction is a no-op for an order whose
// stock movement is already recorded (a consumer that crashed between the two steps).
// Buyers that asked to wait (`Prefer: wait=N`) are told here in-process; the others poll.

import type { Downstream } from './downstream.js';
import { callPeer, type Runtime } from './http.js';
import type { Metrics } from './metrics.js';
import { type Delivery, type OrderMessage, type OrderQueue, schemaOf } from './order-queue.js';
import { SHADOW_HEADER } from './shadow.js';

export type Outcome = 'created' | 'rejected';

/** How many orders one consumer confirms at once by default (the store's pace, not the buyers'). */
export const CONFIRM_CONCURRENCY = 8;

export class OrderConfirmer {
  readonly #waiters = new Map<string, Array<(o: Outcome) => void>>();
  readonly #queue: OrderQueue;
  readonly #metrics: Metrics;
  #rt: Runtime | null = null;

  readonly #concurrency: number;

  /** `concurrency` 0: this process accepts queued orders but confirms none (a consumer elsewhere on the same queue does). */
  constructor(queue: OrderQueue, metrics: Metrics, concurrency = CONFIRM_CONCURRENCY) {
    this.#queue = queue;
    this.#metrics = metrics;
    this.#concurrency = concurrency;
  }

  get queue(): OrderQueue {
    return this.#queue;
  }

  /** Starts consuming; first re-publishes the orders a previous process accepted and did not confirm. */
  async start(rt: Runtime): Promise<void> {
    this.#rt = rt;
    this.#metrics.gauge('order_queue_depth', 'Accepted orders delivered to the consumer and not yet confirmed (embedded: also those waiting).', () => [[{ queue: this.#queue.kind }, this.#queue.depth()]]);
    if (this.#concurrency === 0) return;
    if (this.#queue.kind === 'embedded') await this.#recover(rt);
    this.#queue.consume((d) => this.#confirm(d), this.#concurrency);
  }

  async #recover(rt: Runtime): Promise<void> {
    for (const s of ['public', 'shadow'] as const) {
      const rows = await rt.db!.query<{ id: string; run_id: string | null; ms: number }>(
        `SELECT id, run_id, (extract(epoch from created_at) * 1000)::float8 AS ms FROM ${s}.orders WHERE status = 'queued' ORDER BY created_at`,
      );
      for (const r of rows) await this.#queue.publish({ orderId: r.id, runId: s === 'shadow' ? r.run_id : null, enqueuedAt: r.ms }, undefined);
    }
  }

  /** Resolves with the order's outcome once confirmed, or null after `ms`. */
  wait(orderId: string, ms: number): Promise<Outcome | null> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        const list = this.#waiters.get(orderId);
        const i = list?.indexOf(done) ?? -1;
        if (list && i >= 0) list.splice(i, 1);
        if (list?.length === 0) this.#waiters.delete(orderId);
        resolve(null);
      }, ms);
      const done = (o: Outcome) => {
        clearTimeout(t);
        resolve(o);
      };
      const list = this.#waiters.get(orderId);
      if (list) list.push(done);
      else this.#waiters.set(orderId, [done]);
    });
  }

  #tell(orderId: string, o: Outcome): void {
    const list = this.#waiters.get(orderId);
    if (!list) return;
    this.#waiters.delete(orderId);
    for (const w of list) w(o);
  }

  async #confirm(d: Delivery): Promise<void> {
    const rt = this.#rt!;
    const msg = d.msg;
    const s = schemaOf(msg);
    const [o] = await rt.db!.query<{ status: string; items: Array<{ sku: string; qty: number }> | null }>(
      `SELECT o.status, (SELECT json_agg(json_build_object('sku', i.sku, 'qty', i.qty)) FROM ${s}.order_items i WHERE i.order_id = o.id) AS items
         FROM ${s}.orders o WHERE o.id = $1`,
      [msg.orderId],
    );
    if (!o || o.status !== 'queued') {
      // already confirmed (a redelivery) or gone: nothing to do
      if (o && (o.status === 'created' || o.status === 'rejected')) this.#tell(msg.orderId, o.status);
      this.#count(msg, 'duplicate');
      d.ack();
      return;
    }
    let r: Downstream;
    try {
      r = await this.#inventory(rt, msg, { orderId: msg.orderId, items: o.items ?? [], held: true });
    } catch {
      this.#count(msg, 'retry');
      d.retry();
      return;
    }
    const queueMs = Math.max(0, Math.round(Date.now() - msg.enqueuedAt));
    let outcome: Outcome;
    if (r.status === 200) outcome = 'created';
    else if (r.status === 409) outcome = 'rejected';
    else {
      this.#count(msg, 'retry');
      d.retry();
      return;
    }
    await rt.db!.query(`UPDATE ${s}.orders SET status = $2, queue_ms = $3, updated_at = now() WHERE id = $1 AND status = 'queued'`, [msg.orderId, outcome, queueMs]);
    this.#count(msg, outcome);
    d.ack();
    this.#tell(msg.orderId, outcome);
  }

  #count(msg: OrderMessage, result: string): void {
    this.#metrics.inc('order_queue_confirmed_total', 'Deliveries of the order queue, by result and traffic kind.', { result, kind: msg.runId === null ? 'production' : 'shadow' });
  }

  #inventory(rt: Runtime, msg: OrderMessage, body: unknown): Promise<Downstream> {
    const h: Record<string, string> = {};
    if (msg.runId !== null) {
      const tag = rt.signTag(msg.runId);
      if (tag === null) return Promise.reject(new Error('a shadow order needs the shadow secret to be confirmed'));
      h[SHADOW_HEADER] = tag;
      h['baggage'] = `peakdrill-shadow=${msg.runId}`;
    }
    return callPeer(rt, 'inventory', 'POST', '/inventory/reserve', body, h);
  }
}
