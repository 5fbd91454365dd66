import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from './http.js';
import { call, hasPg, SECRET, shadowHeaders, testStack } from './stack.fixture.js';
import { startStack, StackStartError } from './stack.js';

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * A base port with n free ports after it, every one probed. Below the kernel's ephemeral range
 * (32768+), so the outgoing connections of tests running beside this one cannot take them.
 */
async function freePortRun(n: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - n));
    let all = true;
    for (let i = 0; i < n && all; i++) all = await canListen(base + i);
    if (all) return base;
  }
  throw new Error(`no run of ${n} free ports found`);
}

describe('startStack', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const s of open) await s.close();
  });

  it('puts the services on port, port+1 … in the documented order, and frees them on close', async () => {
    const base = await freePortRun(6);
    const s = await testStack(hasPg ? 'pg' : 'pglite', { port: base });
    expect(Object.keys(s.urls)).toEqual([...SERVICE_NAMES]);
    SERVICE_NAMES.forEach((name, i) => expect(s.urls[name]).toBe(`http://127.0.0.1:${base + i}`));
    expect(s.store).toBe(hasPg ? 'pg' : 'pglite');
    await expect(startStack({ port: base, log: () => {}, services: ['gateway'] })).rejects.toMatchObject({ name: 'StackStartError', code: 'PORT_IN_USE' });
    await s.close();
    const again = await startStack({ port: base, services: ['gateway'], log: () => {} });
    await again.close();
  });

  it('runs the services split over separately started parts that find each other by URL', async () => {
    const backends = await testStack(hasPg ? 'pg' : 'pglite', { services: ['catalog', 'cart', 'inventory', 'order', 'payment'], seed: { skus: 5, users: 5 } });
    open.push(backends);
    expect(backends.urls.gateway).toBeUndefined();
    const front = await startStack({ services: ['gateway'], peers: backends.urls, shadowSecret: SECRET, log: () => {} });
    open.push(front);
    expect(front.store).toBe('none');
    const gw = front.urls.gateway!;
    const h = shadowHeaders('split-run');
    const o = await call(gw, 'POST', '/api/orders', { userId: 'U-00001', sku: 'SKU-000001', qty: 1 }, h);
    expect(o.status).toBe(201);
    expect(o.headers.get('x-peakdrill-shadow-ack')).toBe('split-run');
    const audit = await call(gw, 'GET', '/admin/audit');
    expect(audit.body['leaked']).toEqual({ total: 0, rows: 0, requests: 0, byReason: { unsigned: 0, forged: 0, wrong_run: 0 } });
  });

  it('answers 502 with a JSON error when a downstream service is down', async () => {
    const gwOnly = await startStack({ services: ['gateway'], peers: { catalog: 'http://127.0.0.1:1' }, log: () => {} });
    open.push(gwOnly);
    const a = await call(gwOnly.urls.gateway!, 'GET', '/api/items/SKU-000001');
    expect(a.status).toBe(502);
    expect(a.body).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', hop: 'catalog' });
    const b = await call(gwOnly.urls.gateway!, 'GET', '/api/cart/U-00001');
    expect(b.status).toBe(503);
  });

  it('refuses bad options with a StackStartError', async () => {
    await expect(startStack({ port: 70_000, log: () => {} })).rejects.toBeInstanceOf(StackStartError);
    await expect(startStack({ services: ['nope' as 'gateway'], log: () => {} })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(startStack({ paymentFailureRate: 2, services: ['payment'], log: () => {} })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(startStack({ pgUrl: 'postgres://postgres@127.0.0.1:1/test', log: () => {} })).rejects.toMatchObject({ code: 'STORE_UNREACHABLE' });
  });

  it('keeps the embedded store in a data directory across restarts', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'pdstack-'));
    try {
      const a = await startStack({ dataDir: dir, log: () => {}, seed: { skus: 5, users: 5 } });
      const o = await call(a.urls.gateway!, 'POST', '/api/orders', { userId: 'U-00001', sku: 'SKU-000002', qty: 3 });
      await a.close();
      const b = await startStack({ dataDir: dir, log: () => {}, seed: { skus: 5, users: 5 } });
      try {
        expect((await call(b.urls.gateway!, 'GET', `/api/orders/${String(o.body['id'])}`)).status).toBe(200);
        expect((await call(b.urls.gateway!, 'GET', '/api/inventory/SKU-000002')).body['available']).toBe(10_000 - 3);
      } finally {
        await b.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
