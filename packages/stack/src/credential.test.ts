import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_TOKEN_HEADER } from './credential.js';
import { call, type TestStack, testStack } from './stack.fixture.js';

describe('internal endpoints', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await testStack('pglite', { seed: { skus: 5, users: 5 }, serviceToken: 'the-service-token' });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
  });

  it('refuse anyone without the service credential, even on their own port', async () => {
    const order = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00001', sku: 'SKU-000001', qty: 1 });
    expect(order.status).toBe(201);
    const id = String(order.body['id']);
    const forged = { [SERVICE_TOKEN_HEADER]: 'not-the-token' };
    for (const headers of [{}, forged]) {
      const paid = await call(s.urls.order!, 'POST', `/orders/${id}/paid`, { status: 'paid' }, headers);
      expect(paid.status).toBe(403);
      expect(paid.body['code']).toBe('SERVICE_ONLY');
      const reserve = await call(s.urls.inventory!, 'POST', '/inventory/reserve', { orderId: 'X-1', items: [{ sku: 'SKU-000002', qty: 1 }] }, headers);
      expect(reserve.status).toBe(403);
      const release = await call(s.urls.inventory!, 'POST', '/inventory/release', { orderId: id }, headers);
      expect(release.status).toBe(403);
      // the queued path's holds, and a confirmation's deduction of held stock
      const hold = await call(s.urls.inventory!, 'POST', '/inventory/hold', { orderId: 'X-2', items: [{ sku: 'SKU-000002', qty: 1 }] }, headers);
      expect(hold.status).toBe(403);
      const unhold = await call(s.urls.inventory!, 'POST', '/inventory/unhold', { items: [{ sku: 'SKU-000002', qty: 5 }] }, headers);
      expect(unhold.status).toBe(403);
      const held = await call(s.urls.inventory!, 'POST', '/inventory/reserve', { orderId: 'X-3', items: [{ sku: 'SKU-000002', qty: 1 }], held: true }, headers);
      expect(held.status).toBe(403);
      // the gateway's cached reads count in the hot-key report: nobody else may inflate it
      const reads = await call(s.urls.catalog!, 'POST', '/admin/hot/reads', { kind: 'production', reads: { 'SKU-000004': 1000 } }, headers);
      expect(reads.status).toBe(403);
    }
    expect((await call(s.gw, 'GET', '/api/hot')).body['items']).toEqual([]);
    // nothing moved: the order is still unpaid and its stock still held
    expect((await call(s.gw, 'GET', `/api/orders/${id}`)).body['status']).toBe('created');
    expect((await call(s.gw, 'GET', '/api/inventory/SKU-000001')).body['available']).toBe(9_999);
    expect((await call(s.gw, 'GET', '/api/inventory/SKU-000002')).body['available']).toBe(10_000);
    // the gateway passes no client's copy of the credential on, and has no route to them
    const viaGateway = await call(s.gw, 'POST', `/api/orders/${id}/paid`, { status: 'paid' }, { [SERVICE_TOKEN_HEADER]: 'the-service-token' });
    expect(viaGateway.status).toBe(404);
    // the services themselves hold it: paying goes through payment → order → inventory
    const pay = await call(s.gw, 'POST', `/api/orders/${id}/pay`);
    expect(pay.status).toBe(200);
    expect((await call(s.gw, 'GET', `/api/orders/${id}`)).body['status']).toBe('paid');
  });

  it('with the credential, answer as before', async () => {
    const reserve = await call(s.urls.inventory!, 'POST', '/inventory/reserve', { orderId: 'X-2', items: [{ sku: 'SKU-000003', qty: 2 }] }, { [SERVICE_TOKEN_HEADER]: 'the-service-token' });
    expect(reserve.status).toBe(200);
    expect((await call(s.gw, 'GET', '/api/inventory/SKU-000003')).body['available']).toBe(9_998);
  });
});
