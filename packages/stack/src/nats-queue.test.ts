// The order queue on real NATS JetStream and PostgreSQL (+ Redis when there): each test has its
// own stream, subject and durable consumer. A consumer that crashes after the store deducted
// the stock and before its ack gets the message redelivered, and the unit is sold once.

import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { call, hasNats, hasPg, hasRedis, NATS_URL, SECRET, SERVICE_TOKEN, shadowHeaders, type TestStack, testStack } from './stack.fixture.js';
import { type RunningStack, startStack } from './stack.js';

const run = hasNats && hasPg;
const ASYNC = { prefer: 'respond-async, wait=10' };

function names(): { stream: string; subject: string; durable: string } {
  const id = randomBytes(4).toString('hex');
  return { stream: `PDTEST_ORDERS_${id}`, subject: `pdtest.orders.${id}`, durable: `confirm-${id}` };
}

async function dropStream(stream: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL });
  await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
  await nc.close();
}

async function audit(gw: string, runId?: string): Promise<{ production: Record<string, number>; run?: { rows: Record<string, number> } }> {
  return (await (await fetch(`${gw}/admin/audit${runId ? `?run=${runId}` : ''}`)).json()) as never;
}

describe.skipIf(!run)('the order queue on NATS JetStream', () => {
  const q = names();
  let s: TestStack;
  afterAll(async () => {
    await s?.close();
    await dropStream(q.stream);
  });

  it('a stampede of 150 buyers for 15 units: 15 confirmed through the stream, shadow routed by the tag in the message headers', async () => {
    s = await testStack('pg', { natsUrl: NATS_URL, nats: q, redis: hasRedis, seed: { skus: 5, users: 50, flashStock: 15 }, shield: { maxInFlight: 0 } });
    expect(s.queue).toBe('nats');
    const runId = `nats-run-${randomBytes(3).toString('hex')}`;
    const answers = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        call(s.gw, 'POST', '/api/orders', { userId: `U-${String((i % 50) + 1).padStart(5, '0')}`, sku: 'FLASH-1', qty: 1 }, { ...ASYNC, ...shadowHeaders(runId) }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(15);
    expect(answers.filter((a) => a.status === 409 || a.status === 429)).toHaveLength(135);
    const a = await audit(s.gw, runId);
    expect(a.run!.rows['stock_movements']).toBe(15);
    expect(a.run!.rows['orders']).toBe(15);
    expect(a.production['stock_movements']).toBe(0);
    // the stream holds one message per accepted order, each with the tag in its headers
    const nc = await connect({ servers: NATS_URL });
    const info = await (await jetstreamManager(nc)).streams.info(q.stream);
    expect(info.state.messages).toBe(15);
    const first = await (await jetstream(nc).streams.get(q.stream)).getMessage({ seq: info.state.first_seq });
    expect(first?.header.get('x-peakdrill-shadow')).toMatch(new RegExp(`^${runId}\\.`));
    await nc.close();
  }, 60_000);
});

describe.skipIf(!run)('a consumer that crashes before its ack', () => {
  const q = names();
  const stacks: RunningStack[] = [];
  let front: TestStack;
  afterAll(async () => {
    for (const st of stacks) await st.close();
    await front?.close();
    await dropStream(q.stream);
  });

  it('has the message redelivered to the next consumer, which sells the unit once', async () => {
    // the front accepts orders and confirms none; the durable consumer redelivers after 1 s without an ack
    front = await testStack('pg', {
      natsUrl: NATS_URL,
      nats: { ...q, ackWaitMs: 1000 },
      orderConfirmConcurrency: 0,
      seed: { skus: 2, users: 10, flashStock: 3 },
      shield: { soldOutTtlMs: 0 },
    });
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => call(front.gw, 'POST', '/api/orders', { userId: `U-0000${i + 1}`, sku: 'FLASH-1', qty: 1 }, { prefer: 'respond-async' })));
    const ids = answers.filter((a) => a.status === 202).map((a) => String(a.body['id']));
    expect(ids).toHaveLength(3);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(3);

    // the crashing consumer: takes every message, has the store deduct the stock, dies before its ack
    const nc = await connect({ servers: NATS_URL });
    const consumer = await jetstream(nc).consumers.get(q.stream, q.durable);
    const batch = await consumer.fetch({ max_messages: 3, expires: 5000 });
    let taken = 0;
    for await (const m of batch) {
      const { orderId } = m.json<{ orderId: string }>();
      const r = await call(front.urls.inventory!, 'POST', '/inventory/reserve', { orderId, items: [{ sku: 'FLASH-1', qty: 1 }], held: true }, { 'x-peakdrill-service-token': SERVICE_TOKEN });
      expect(r.status).toBe(200);
      if (++taken === 3) break;
    }
    await nc.close();
    expect(taken).toBe(3);
    expect((await audit(front.gw)).production['stock_movements']).toBe(3);

    // the next consumer, another stack on the same store and stream, gets the redeliveries
    const next = await startStack({ pgUrl: front.pgUrl!, natsUrl: NATS_URL, nats: q, shadowSecret: SECRET, serviceToken: SERVICE_TOKEN, log: () => {}, seed: { skus: 2, users: 10, flashStock: 3 } });
    stacks.push(next);
    const until = Date.now() + 30_000;
    const status = async () => Promise.all(ids.map(async (id) => String((await call(next.urls.gateway!, 'GET', `/api/orders/${id}`)).body['status'])));
    while ((await status()).some((x) => x === 'queued') && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(await status()).toEqual(['created', 'created', 'created']);
    expect((await audit(next.urls.gateway!)).production['stock_movements']).toBe(3);
    expect((await call(next.urls.gateway!, 'GET', '/api/inventory/FLASH-1')).body['available']).toBe(0);
    const pays = await Promise.all(ids.map((id) => call(next.urls.gateway!, 'POST', `/api/orders/${id}/pay`)));
    expect(pays.map((p) => p.status)).toEqual([200, 200, 200]);
    expect((await audit(next.urls.gateway!)).production['payments']).toBe(3);
  }, 90_000);
});

describe('an unreachable NATS', () => {
  it('stops the stack from starting with one clear error', async () => {
    await expect(startStack({ natsUrl: 'nats://127.0.0.1:1', serviceToken: SERVICE_TOKEN, log: () => {}, services: ['order'] })).rejects.toMatchObject({
      code: 'NATS_UNAVAILABLE',
      message: expect.stringContaining('could not open the order queue on NATS at nats://127.0.0.1:1'),
    });
  }, 60_000);
});
