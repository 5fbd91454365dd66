import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, hasPg, metric, type StoreKind, type TestStack, testStack } from './stack.fixture.js';

const stores: Array<{ store: StoreKind; run: boolean }> = [
  { store: 'pglite', run: true },
  { store: 'pg', run: hasPg },
];

describe.each(stores)('orders and payments on $store', ({ store, run }) => {
  let s: TestStack;
  beforeAll(async () => {
    if (run) s = await testStack(store);
  });
  afterAll(async () => {
    await s?.close();
  });

  it.skipIf(!run)('50 concurrent requests with one Idempotency-Key make one order', async () => {
    const key = 'idem-concurrent-1';
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => call(s.gw, 'POST', '/api/orders', { userId: 'U-00003', sku: 'SKU-000007', qty: 2 }, { 'idempotency-key': key })),
    );
    expect(answers.map((a) => a.status).sort((x, y) => y - x)).toEqual([201, ...Array<number>(49).fill(200)]);
    const ids = new Set(answers.map((a) => a.body['id']));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replay') === 'true')).toHaveLength(49);
    const stock = await call(s.gw, 'GET', '/api/inventory/SKU-000007');
    expect(stock.body['available']).toBe(10_000 - 2);

    // Later duplicates too; the same key with another request is refused.
    const again = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00003', sku: 'SKU-000007', qty: 2 }, { 'idempotency-key': key });
    expect(again.status).toBe(200);
    expect(again.body['id']).toBe([...ids][0]);
    const reused = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00003', sku: 'SKU-000008', qty: 1 }, { 'idempotency-key': key });
    expect(reused.status).toBe(422);
    expect(reused.body['code']).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it.skipIf(!run)('prices from what it read within the second, and still refuses an unknown user or SKU beside a known one', async () => {
    const first = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00011', sku: 'SKU-000011', qty: 1 });
    expect(first.status).toBe(201);
    const second = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00012', sku: 'SKU-000011', qty: 3 });
    expect(second.status).toBe(201);
    expect(second.body['totalCents']).toBe(3 * Number(first.body['totalCents']));
    const unknownUser = await call(s.gw, 'POST', '/api/orders', { userId: 'U-99998', sku: 'SKU-000011', qty: 1 });
    expect([unknownUser.status, unknownUser.body['code']]).toEqual([404, 'USER_NOT_FOUND']);
    const unknownSku = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00011', sku: 'SKU-NOPE-11', qty: 1 });
    expect([unknownSku.status, unknownSku.body['code']]).toEqual([404, 'ITEM_NOT_FOUND']);
  });

  it.skipIf(!run)('30 concurrent pays of one order charge it once and all see the same payment', async () => {
    const o = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00004', sku: 'SKU-000009', qty: 1 });
    expect(o.status).toBe(201);
    const id = String(o.body['id']);
    const before = await metric(s.urls.payment!, 'peakdrill_stack_payment_charges_total');
    const pays = await Promise.all(Array.from({ length: 30 }, () => call(s.gw, 'POST', `/api/orders/${id}/pay`)));
    expect(pays.every((p) => p.status === 200 && p.body['status'] === 'succeeded')).toBe(true);
    expect(new Set(pays.map((p) => p.body['paymentId'])).size).toBe(1);
    expect(pays.filter((p) => p.body['replayed'] === false)).toHaveLength(1);
    expect(await metric(s.urls.payment!, 'peakdrill_stack_payment_charges_total')).toBe(before + 1);
    const after = await call(s.gw, 'GET', `/api/orders/${id}`);
    expect(after.body['status']).toBe('paid');
    const payment = await call(s.gw, 'GET', `/api/payments/${id}`);
    expect(payment.body['amountCents']).toBe(o.body['totalCents']);
  });

  it.skipIf(!run)('an order from the cart takes the cart lines, prices them, and empties the cart', async () => {
    await call(s.gw, 'POST', '/api/cart/U-00005/items', { sku: 'SKU-000010', qty: 1 });
    await call(s.gw, 'POST', '/api/cart/U-00005/items', { sku: 'SKU-000011', qty: 3 });
    await call(s.gw, 'POST', '/api/cart/U-00005/items', { sku: 'SKU-000010', qty: 1 });
    const cart = await call(s.gw, 'GET', '/api/cart/U-00005');
    const o = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00005', fromCart: true });
    expect(o.status).toBe(201);
    expect(o.body['items']).toEqual([
      { sku: 'SKU-000010', qty: 2, priceCents: expect.any(Number) },
      { sku: 'SKU-000011', qty: 3, priceCents: expect.any(Number) },
    ]);
    expect(o.body['totalCents']).toBe(cart.body['totalCents']);
    expect((await call(s.gw, 'GET', '/api/cart/U-00005')).body['items']).toEqual([]);
    const second = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00005', fromCart: true });
    expect(second.status).toBe(422);
    expect(second.body['code']).toBe('CART_EMPTY');
  });

  it.skipIf(!run)('a paid order cannot be paid by another payment; an unknown order cannot be paid', async () => {
    const o = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00003', sku: 'SKU-000012', qty: 1 });
    expect(o.status).toBe(201);
    const id = String(o.body['id']);
    const first = await call(s.gw, 'POST', `/api/orders/${id}/pay`);
    expect(first.status).toBe(200);
    expect(first.body['replayed']).toBe(false);
    const charges = await metric(s.urls.payment!, 'peakdrill_stack_payment_charges_total');
    // once paid, paying again (later, not concurrently) answers with the first payment: no new charge
    for (let i = 0; i < 3; i++) {
      const again = await call(s.gw, 'POST', `/api/orders/${id}/pay`);
      expect(again.status).toBe(200);
      expect(again.body['paymentId']).toBe(first.body['paymentId']);
      expect(again.body['replayed']).toBe(true);
    }
    expect(await metric(s.urls.payment!, 'peakdrill_stack_payment_charges_total')).toBe(charges);
    expect((await call(s.gw, 'GET', `/api/orders/${id}`)).body['status']).toBe('paid');
    const unknown = await call(s.gw, 'POST', '/api/orders/O-nope/pay');
    expect(unknown.status).toBe(404);
    expect(unknown.body['code']).toBe('ORDER_NOT_FOUND');
  });
});

describe('a declining payment processor', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await testStack(hasPg ? 'pg' : 'pglite', { paymentFailureRate: 1, paymentLatencyMs: 20, seed: { skus: 5, users: 5, flashStock: 1 } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers 402 once, replays 402, and gives the stock back', async () => {
    const o = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00001', sku: 'FLASH-1', qty: 1 });
    expect(o.status).toBe(201);
    expect((await call(s.gw, 'GET', '/api/inventory/FLASH-1')).body['available']).toBe(0);
    const id = String(o.body['id']);
    const first = await call(s.gw, 'POST', `/api/orders/${id}/pay`);
    expect(first.status).toBe(402);
    expect(first.body['code']).toBe('PAYMENT_DECLINED');
    expect(first.headers.get('server-timing')).toMatch(/payment\.processor;dur=\d/);
    const second = await call(s.gw, 'POST', `/api/orders/${id}/pay`);
    expect(second.status).toBe(402);
    expect(second.body['replayed']).toBe(true);
    expect(second.body['paymentId']).toBe(first.body['paymentId']);
    expect((await call(s.gw, 'GET', `/api/orders/${id}`)).body['status']).toBe('payment_failed');
    expect((await call(s.gw, 'GET', '/api/inventory/FLASH-1')).body['available']).toBe(1);
    expect(await metric(s.urls.payment!, 'peakdrill_stack_payment_charges_total', { result: 'failed' })).toBe(1);
  });
});
