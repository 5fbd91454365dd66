// The queued order path (Prefer: respond-async) on the embedded queue: exactly the stock is
// accepted and confirmed under a stampede, a restart confirms what was accepted before it and
// holds no unit twice, and a redelivered confirmation never deducts again.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call, SECRET, SERVICE_TOKEN, shadowHeaders, type TestStack, testStack } from './stack.fixture.js';
import { startStack, type StackOptions } from './stack.js';

const ASYNC = { prefer: 'respond-async, wait=10' };
const ACCEPT_ONLY = { prefer: 'respond-async' };

/** Polls an order until it leaves `queued` (or the deadline passes). */
async function settled(gw: string, id: string, headers: Record<string, string> = {}): Promise<string> {
  const until = Date.now() + 20_000;
  for (;;) {
    const o = await call(gw, 'GET', `/api/orders/${id}`, undefined, headers);
    if (o.body['status'] !== 'queued' || Date.now() > until) return String(o.body['status']);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function movements(s: TestStack | { urls: TestStack['urls'] }, run?: string): Promise<number> {
  const r = await fetch(`${s.urls.gateway}/admin/audit${run ? `?run=${run}` : ''}`);
  const a = (await r.json()) as { production: Record<string, number>; run?: { rows: Record<string, number> } };
  return run ? a.run!.rows['stock_movements']! : a.production['stock_movements']!;
}

describe('the queued order path on the embedded store', () => {
  let s: TestStack;
  afterAll(async () => {
    await s?.close();
  });

  it('a stampede of 200 buyers for 20 units: 20 confirmed orders, every other buyer shed, all payable once', async () => {
    s = await testStack('pglite', { seed: { skus: 5, users: 50, flashStock: 20 }, shield: { maxInFlight: 0 } });
    expect(s.queue).toBe('embedded');
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => call(s.gw, 'POST', '/api/orders', { userId: `U-${String((i % 50) + 1).padStart(5, '0')}`, sku: 'FLASH-1', qty: 1 }, ASYNC)),
    );
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(20);
    expect(answers.filter((a) => a.status === 409 || a.status === 429)).toHaveLength(180);
    for (const w of won) {
      expect(w.body['status']).toBe('created');
      expect(w.headers.get('server-timing')).toMatch(/queue;dur=\d/);
    }
    expect((await call(s.gw, 'GET', '/api/inventory/FLASH-1')).body['available']).toBe(0);
    expect(await movements(s)).toBe(20);
    const pays = await Promise.all(won.map((w) => call(s.gw, 'POST', `/api/orders/${String(w.body['id'])}/pay`)));
    expect(pays.every((p) => p.status === 200)).toBe(true);
    // the order's record shows how long it waited in the queue
    const o = await call(s.gw, 'GET', `/api/orders/${String(won[0]!.body['id'])}`);
    expect(o.body['status']).toBe('paid');
    expect(o.body['queueMs']).toEqual(expect.any(Number));
  }, 60_000);

  it('without wait: 202 at once, then the buyer polls the order until it is created', async () => {
    const a = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00001', sku: 'SKU-000001', qty: 2 }, ACCEPT_ONLY);
    expect(a.status).toBe(202);
    expect(a.body['status']).toBe('queued');
    expect(await settled(s.gw, String(a.body['id']))).toBe('created');
  });

  it('paying an order the moment it is accepted waits for its confirmation, then charges it', async () => {
    const a = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00001', sku: 'SKU-000001', qty: 1 }, ACCEPT_ONLY);
    expect(a.status).toBe(202);
    const pay = await call(s.gw, 'POST', `/api/orders/${String(a.body['id'])}/pay`);
    expect(pay.status).toBe(200);
    expect((await call(s.gw, 'GET', `/api/orders/${String(a.body['id'])}`)).body['status']).toBe('paid');
  });

  it('a replayed Idempotency-Key holds no second unit', async () => {
    const before = (await call(s.gw, 'GET', '/api/inventory/SKU-000002')).body['available'] as number;
    const h = { ...ASYNC, 'idempotency-key': 'queued-idem-1' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(s.gw, 'POST', '/api/orders', { userId: 'U-00002', sku: 'SKU-000002', qty: 1 }, h)));
    expect(new Set(answers.map((a) => a.body['id'])).size).toBe(1);
    expect(await settled(s.gw, String(answers[0]!.body['id']))).toBe('created');
    expect((await call(s.gw, 'GET', '/api/inventory/SKU-000002')).body['available']).toBe(before - 1);
  });

  it('a redelivered confirmation deducts nothing (inventory is idempotent by order id)', async () => {
    const a = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00003', sku: 'SKU-000003', qty: 1 }, ASYNC);
    expect(a.status).toBe(201);
    const before = (await call(s.gw, 'GET', '/api/inventory/SKU-000003')).body['available'];
    const again = await call(s.urls.inventory!, 'POST', '/inventory/reserve', { orderId: a.body['id'], items: [{ sku: 'SKU-000003', qty: 1 }], held: true }, { 'x-peakdrill-service-token': SERVICE_TOKEN });
    expect(again.status).toBe(200);
    expect(again.body['replayed']).toBe(true);
    expect((await call(s.gw, 'GET', '/api/inventory/SKU-000003')).body['available']).toBe(before);
  });

  it('shadow orders go through the queue into shadow tables only', async () => {
    const run = 'queued-shadow-run';
    const before = await movements(s);
    const a = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00004', sku: 'SKU-000004', qty: 1 }, { ...ASYNC, ...shadowHeaders(run) });
    expect(a.status).toBe(201);
    expect(a.body['runId']).toBe(run);
    expect(await movements(s, run)).toBe(1);
    expect(await movements(s)).toBe(before);
  });
});

describe('a restart of the embedded store with orders still queued', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pd-queue-'));
  const base: StackOptions = {
    dataDir: dir,
    shadowSecret: SECRET,
    serviceToken: SERVICE_TOKEN,
    log: () => {},
    seed: { skus: 2, users: 10, flashStock: 3 },
    rateLimit: { globalRps: 0, skuRps: 0 },
    shield: { soldOutTtlMs: 0 },
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const buy = (gw: string, n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => call(gw, 'POST', '/api/orders', { userId: `U-0000${i + 1}`, sku: 'FLASH-1', qty: 1 }, ACCEPT_ONLY)));

  it('confirms what was accepted before it, and a restarted inventory promises no unit twice', async () => {
    // 1: accept 2 orders, confirm none (the process "dies" with them queued)
    let s = await startStack({ ...base, orderConfirmConcurrency: 0 });
    const first = await buy(s.urls.gateway!, 2);
    expect(first.map((a) => a.status)).toEqual([202, 202]);
    await s.close();
    // 2: a new inventory loads FLASH-1 as 3 in stock less 2 queued: one more buyer of five wins
    s = await startStack({ ...base, orderConfirmConcurrency: 0 });
    const second = await buy(s.urls.gateway!, 5);
    expect(second.filter((a) => a.status === 202)).toHaveLength(1);
    expect(second.filter((a) => a.status === 409)).toHaveLength(4);
    await s.close();
    // 3: with a consumer, the three queued orders are confirmed from the store, none twice
    s = await startStack(base);
    try {
      const ids = [...first, ...second].filter((a) => a.status === 202).map((a) => String(a.body['id']));
      expect(ids).toHaveLength(3);
      for (const id of ids) expect(await settled(s.urls.gateway!, id)).toBe('created');
      const until = Date.now() + 20_000;
      while ((await movements(s)) < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(await movements(s)).toBe(3);
      expect((await call(s.urls.gateway!, 'GET', '/api/inventory/FLASH-1')).body['available']).toBe(0);
      expect((await buy(s.urls.gateway!, 1))[0]!.status).toBe(409);
    } finally {
      await s.close();
    }
  }, 120_000);
});

describe('a declined payment of a queued order', () => {
  let s: TestStack;
  afterAll(async () => {
    await s?.close();
  });

  it('gives the held unit back, and the next buyer gets it', async () => {
    s = await testStack('pglite', { paymentFailureRate: 1, seed: { skus: 2, users: 5, flashStock: 1 }, shield: { soldOutTtlMs: 0 } });
    const first = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00001', sku: 'FLASH-1', qty: 1 }, ASYNC);
    expect(first.status).toBe(201);
    expect((await call(s.gw, 'POST', '/api/orders', { userId: 'U-00002', sku: 'FLASH-1', qty: 1 }, ASYNC)).status).toBe(409);
    expect((await call(s.gw, 'POST', `/api/orders/${String(first.body['id'])}/pay`)).status).toBe(402);
    const next = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00002', sku: 'FLASH-1', qty: 1 }, ASYNC);
    expect(next.status).toBe(201);
    expect((await call(s.gw, 'GET', '/api/inventory/FLASH-1')).body['available']).toBe(0);
  }, 60_000);
});
