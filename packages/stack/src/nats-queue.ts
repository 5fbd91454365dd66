// The order queue on NATS JetStream (order-queue.ts has the contract): a file-backed stream
// and a durable pull consumer with explicit acks, so a consumer that dies before its ack has
// the message redelivered after `ackWaitMs`, to this stack or another one on the same stream.
// The shadow tag travels in the message headers; the consumer verifies it (a message whose
// tag fails is production, as an HTTP request would be).

import { AckPolicy, jetstream, jetstreamManager, type JsMsg, StorageType } from '@nats-io/jetstream';
import { connect, headers, nanos } from '@nats-io/transport-node';
import type { Delivery, OrderMessage, OrderQueue } from './order-queue.js';
import { RETRY_DELAY_MS } from './order-queue.js';
import { SHADOW_HEADER, type ShadowVerifier } from './shadow.js';

export interface NatsQueueOptions {
  url: string;
  /** JetStream stream name (default PEAKDRILL_ORDERS). */
  stream?: string;
  /** Subject the orders are published on (default peakdrill.orders; with another stream, peakdrill.orders.<stream>). */
  subject?: string;
  /** Durable consumer name (default order-confirm). */
  durable?: string;
  /** How long a delivered message may go unacknowledged before it is redelivered (default 30000). */
  ackWaitMs?: number;
}

export async function natsQueue(opts: NatsQueueOptions, verifier: ShadowVerifier): Promise<OrderQueue> {
  const stream = opts.stream ?? 'PEAKDRILL_ORDERS';
  // another stream needs another subject: JetStream refuses two streams on one subject
  const subject = opts.subject ?? (opts.stream ? `peakdrill.orders.${stream.toLowerCase()}` : 'peakdrill.orders');
  const durable = opts.durable ?? 'order-confirm';
  const nc = await connect({ servers: opts.url, timeout: 5000 });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.info(stream).catch(() => jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File }));
    await jsm.consumers.info(stream, durable).catch(() =>
      jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, ack_wait: nanos(opts.ackWaitMs ?? 30_000), filter_subject: subject }),
    );
  } catch (err) {
    await nc.close().catch(() => {});
    throw err;
  }
  const js = jetstream(nc);
  let busy = 0;
  let stop: (() => void) | null = null;

  function decode(m: JsMsg): OrderMessage | null {
    try {
      const v = m.json<{ orderId?: unknown; enqueuedAt?: unknown }>();
      if (typeof v.orderId !== 'string') return null;
      const tag = verifier.verify(m.headers?.get(SHADOW_HEADER) || undefined);
      return { orderId: v.orderId, runId: tag.kind === 'verified' ? tag.runId : null, enqueuedAt: typeof v.enqueuedAt === 'number' ? v.enqueuedAt : Date.now() };
    } catch {
      return null;
    }
  }

  return {
    kind: 'nats',
    async publish(msg, tag) {
      const h = headers();
      if (tag !== undefined && msg.runId !== null) {
        h.set(SHADOW_HEADER, tag);
        h.set('baggage', `peakdrill-shadow=${msg.runId}`);
      }
      await js.publish(subject, JSON.stringify({ orderId: msg.orderId, enqueuedAt: msg.enqueuedAt }), { headers: h, msgID: msg.orderId });
    },
    consume(handle, concurrency) {
      const limit = Math.max(1, concurrency);
      let slot: (() => void) | null = null;
      void (async () => {
        const consumer = await js.consumers.get(stream, durable);
        const messages = await consumer.consume({ max_messages: limit });
        stop = () => void messages.close();
        for await (const m of messages) {
          const msg = decode(m);
          if (msg === null) {
            m.term(); // not an order message: never redeliver it
            continue;
          }
          busy++;
          let settled = false;
          const settle = (fn: () => void) => {
            if (settled) return;
            settled = true;
            busy--;
            fn();
            slot?.();
          };
          const d: Delivery = { msg, attempt: m.info.deliveryCount, ack: () => settle(() => m.ack()), retry: () => settle(() => m.nak(RETRY_DELAY_MS)) };
          handle(d).catch(() => d.retry());
          while (busy >= limit) await new Promise<void>((resolve) => (slot = resolve));
          slot = null;
        }
      })().catch(() => {});
    },
    depth: () => busy,
    async close() {
      stop?.();
      await nc.drain().catch(() => nc.close());
    },
  };
}
