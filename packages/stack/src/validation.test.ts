import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_TOKEN_HEADER } from './credential.js';
import { call, hasPg, SERVICE_TOKEN, shadowHeaders, type TestStack, testStack } from './stack.fixture.js';

type Case = [method: string, path: string, body: unknown, status: number, code: string, headers?: Record<string, string>];

const ORDER = { userId: 'U-00001', sku: 'SKU-000001', qty: 1 };
const huge = JSON.stringify({ ...ORDER, pad: 'x'.repeat(100_000) });

// Every public endpoint, fed what users get wrong.
const gatewayCases: Case[] = [
  ['POST', '/api/orders', '{bad', 400, 'BAD_JSON'],
  ['POST', '/api/orders', '', 400, 'BODY_REQUIRED'],
  ['POST', '/api/orders', '[1,2]', 400, 'BAD_JSON'],
  ['POST', '/api/orders', 'null', 400, 'BAD_JSON'],
  ['POST', '/api/orders', {}, 400, 'BAD_FIELD'],
  ['POST', '/api/orders', { userId: 'U-00001' }, 400, 'BAD_FIELD'],
  ['POST', '/api/orders', { ...ORDER, qty: -1 }, 400, 'BAD_FIELD'],
  ['POST', '/api/orders', { ...ORDER, qty: 0 }, 400, 'BAD_FIELD'],
  ['POST', '/api/orders', { ...ORDER, qty: 1.5 }, 400, 'BAD_FIELD'],
  ['POST', '/api/orders', { ...ORDER, qty: '1' }, 400, 'BAD_FIELD'],
  ['POST', '/api/orders', { ...ORDER, qty: 1e12 }, 400, 'BAD_FIELD'],
  ['POST', '/api/orders', { ...ORDER, sku: 'NOPE-1' }, 404, 'ITEM_NOT_FOUND'],
  ['POST', '/api/orders', { ...ORDER, sku: "x'; DROP TABLE orders;--" }, 400, 'BAD_FIELD'],
  ['POST', '/api/orders', { ...ORDER, userId: 'U-99999' }, 404, 'USER_NOT_FOUND'],
  ['POST', '/api/orders', { ...ORDER, userId: '../etc' }, 400, 'BAD_FIELD'],
  ['POST', '/api/orders', { userId: 'U-00001', fromCart: 'yes' }, 400, 'BAD_FIELD'],
  ['POST', '/api/orders', { userId: 'U-00001', fromCart: true }, 422, 'CART_EMPTY'],
  ['POST', '/api/orders', huge, 413, 'BODY_TOO_LARGE'],
  ['POST', '/api/orders', ORDER, 400, 'BAD_IDEMPOTENCY_KEY', { 'idempotency-key': 'has space' }],
  ['PUT', '/api/orders', ORDER, 405, 'METHOD_NOT_ALLOWED'],
  ['POST', '/api/cart/U-00001/items', '{bad', 400, 'BAD_JSON'],
  ['POST', '/api/cart/U-00001/items', { qty: 1 }, 400, 'BAD_FIELD'],
  ['POST', '/api/cart/U-00001/items', { sku: 'SKU-000001', qty: -3 }, 400, 'BAD_FIELD'],
  ['POST', '/api/cart/U-00001/items', { sku: 'SKU-000001', qty: 100 }, 400, 'BAD_FIELD'],
  ['POST', '/api/cart/U-00001/items', { sku: 'NOPE-1', qty: 1 }, 404, 'ITEM_NOT_FOUND'],
  ['POST', '/api/cart/U-99999/items', { sku: 'SKU-000001', qty: 1 }, 404, 'USER_NOT_FOUND'],
  ['POST', '/api/cart/U-00001/items', huge, 413, 'BODY_TOO_LARGE'],
  ['GET', '/api/cart/U-99999', undefined, 404, 'USER_NOT_FOUND'],
  ['GET', '/api/cart/bad%20user', undefined, 400, 'BAD_PARAM'],
  ['GET', '/api/cart/%E0%A4%A', undefined, 404, 'NOT_FOUND'],
  ['DELETE', '/api/cart/U-00001/items/bad%20sku', undefined, 400, 'BAD_PARAM'],
  ['GET', '/api/items/NOPE-1', undefined, 404, 'ITEM_NOT_FOUND'],
  ['GET', '/api/items/bad%20sku', undefined, 400, 'BAD_PARAM'],
  ['GET', '/api/items?page=0', undefined, 400, 'BAD_QUERY'],
  ['GET', '/api/items?page=abc', undefined, 400, 'BAD_QUERY'],
  ['GET', '/api/items?size=1000', undefined, 400, 'BAD_QUERY'],
  ['GET', '/api/hot?limit=-1', undefined, 400, 'BAD_QUERY'],
  ['GET', '/api/orders/O-nope', undefined, 404, 'ORDER_NOT_FOUND'],
  ['GET', '/api/orders/bad%20id', undefined, 400, 'BAD_PARAM'],
  ['POST', '/api/orders/O-nope/pay', undefined, 404, 'ORDER_NOT_FOUND'],
  ['POST', '/api/orders/bad%20id/pay', undefined, 400, 'BAD_PARAM'],
  ['GET', '/api/payments/O-nope', undefined, 404, 'PAYMENT_NOT_FOUND'],
  ['GET', '/api/inventory/NOPE-1', undefined, 404, 'ITEM_NOT_FOUND'],
  ['GET', '/api/inventory/bad%20sku', undefined, 400, 'BAD_PARAM'],
  ['GET', '/admin/audit?run=bad%20run', undefined, 400, 'BAD_QUERY'],
  ['GET', '/nowhere', undefined, 404, 'NOT_FOUND'],
];

// The internal endpoints the services call on each other.
const internalCases: Array<[service: 'inventory' | 'order', ...Case]> = [
  ['inventory', 'POST', '/inventory/reserve', { orderId: 'O-1' }, 400, 'BAD_FIELD'],
  ['inventory', 'POST', '/inventory/reserve', { orderId: 'O-1', items: [] }, 400, 'BAD_FIELD'],
  ['inventory', 'POST', '/inventory/reserve', { orderId: 'O-1', items: [null] }, 400, 'BAD_FIELD'],
  ['inventory', 'POST', '/inventory/reserve', { orderId: 'O-1', items: [{ sku: 'SKU-000001', qty: 0 }] }, 400, 'BAD_FIELD'],
  ['inventory', 'POST', '/inventory/reserve', { orderId: 'O-1', items: [{ sku: 'NOPE-1', qty: 1 }] }, 404, 'ITEM_NOT_FOUND'],
  ['inventory', 'POST', '/inventory/release', {}, 400, 'BAD_FIELD'],
  ['order', 'POST', '/orders/O-1/paid', { status: 'free' }, 400, 'BAD_FIELD'],
];

describe('bad input', () => {
  let s: TestStack;
  beforeAll(async () => {
    // Store-agnostic: PostgreSQL when there is one (quicker to start than PGlite).
    s = await testStack(hasPg ? 'pg' : 'pglite', { seed: { skus: 20, users: 5 } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it.each(gatewayCases)('%s %s %j → %i %s', async (method, path, body, status, code, headers) => {
    for (const h of [headers ?? {}, { ...headers, ...shadowHeaders('bad-input') }]) {
      const a = await call(s.gw, method, path, body, h);
      expect(a.status).toBe(status);
      expect(a.headers.get('content-type')).toMatch(/^application\/json/);
      expect(a.body['code']).toBe(code);
      expect(typeof a.body['message']).toBe('string');
    }
  });

  it.each(internalCases)('%s: %s %s %j → %i %s', async (service, method, path, body, status, code) => {
    const a = await call(s.urls[service]!, method, path, body, { [SERVICE_TOKEN_HEADER]: SERVICE_TOKEN });
    expect(a.status).toBe(status);
    expect(a.body['code']).toBe(code);
  });

  it('refuses a chunked body that grows past the limit', async () => {
    const url = new URL(s.gw + '/api/orders');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      for (let i = 0; i < 8; i++) req.write(chunk);
      req.end();
    });
    expect(status).toBe(413);
  });

  it('left no order, payment or stock movement behind', async () => {
    const audit = (await call(s.gw, 'GET', '/admin/audit')).body as { production: Record<string, number>; shadow: Record<string, number> };
    for (const n of [...Object.values(audit.production), ...Object.values(audit.shadow)]) expect(n).toBe(0);
    expect((await call(s.gw, 'GET', '/api/inventory/SKU-000001')).body['available']).toBe(10_000);
  });
});
