// The order queue of the flash-sale path (peak shaving, 削峰): a buyer whose stock hold
// succeeded gets an accepted order at once, and the order's confirmation (the store's stock
// deduction and the order's status) drains from here at the pace the store can take.
//
// Two transports behind one contract: the embedded queue (default, no service needed) and
// NATS JetStream (nats-queue.ts). Either may deliver a message more than once (a consumer that
// crashed before its ack, a restart that recovers queued orders); the consumer
// (order-confirm.ts) is idempotent by order id, so a redelivery never sells twice.

import type { Schema } from './db.js';

/** One accepted order waiting for confirmation. `runId` set: shadow traffic of that verified run. */
export interface OrderMessage {
  orderId: string;
  runId: string | null;
  /** Epoch ms when the order was queued: the confirmation records the queue wait from it. */
  enqueuedAt: number;
}

/** A delivered message; exactly one of ack (done) or retry (deliver again later) is called. */
export interface Delivery {
  readonly msg: OrderMessage;
  /** 1 on first delivery, more on redeliveries. */
  readonly attempt: number;
  ack(): void;
  retry(): void;
}

export interface OrderQueue {
  readonly kind: 'embedded' | 'nats';
  /** `tag`: the request's verified shadow tag header, carried in the message headers (NATS). */
  publish(msg: OrderMessage, tag: string | undefined): Promise<void>;
  /** Starts delivering to `handle`, at most `concurrency` messages at once. */
  consume(handle: (d: Delivery) => Promise<void>, concurrency: number): void;
  /** The number of messages delivered and not yet acknowledged or waiting to be. */
  depth(): number;
  close(): Promise<void>;
}

export function schemaOf(msg: OrderMessage): Schema {
  return msg.runId === null ? 'public' : 'shadow';
}

/** How long a message asked to be retried waits before its next delivery. */
export const RETRY_DELAY_MS = 200;

/**
 * The embedded queue: an in-process FIFO. It is durable through the store: an accepted order
 * is a `queued` row before it is published, and on start the consumer re-publishes every
 * queued row (order-confirm.ts `recover`), so a crash loses no accepted order.
 */
export function embeddedQueue(): OrderQueue {
  const waiting: Array<{ msg: OrderMessage; attempt: number }> = [];
  let handle: ((d: Delivery) => Promise<void>) | null = null;
  let limit = 1;
  let busy = 0;
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();

  function pump(): void {
    while (handle && !closed && busy < limit && waiting.length > 0) {
      const next = waiting.shift()!;
      busy++;
      let settled = false;
      const settle = (again: boolean) => {
        if (settled) return;
        settled = true;
        busy--;
        if (again && !closed) {
          const t = setTimeout(() => {
            timers.delete(t);
            waiting.push({ msg: next.msg, attempt: next.attempt + 1 });
            pump();
          }, RETRY_DELAY_MS);
          timers.add(t);
        }
        queueMicrotask(pump);
      };
      const h = handle;
      h({ msg: next.msg, attempt: next.attempt, ack: () => settle(false), retry: () => settle(true) }).catch(() => settle(true));
    }
  }

  return {
    kind: 'embedded',
    async publish(msg) {
      if (closed) throw new Error('the order queue is closed');
      waiting.push({ msg, attempt: 1 });
      pump();
    },
    consume(h, concurrency) {
      handle = h;
      limit = Math.max(1, concurrency);
      pump();
    },
    depth: () => waiting.length + busy,
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
