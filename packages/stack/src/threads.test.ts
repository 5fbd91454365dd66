// `threads: true`: each service in its own worker thread, the whole flow across them, and a
// close that leaves no thread and no port behind.

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from './http.js';
import { call, hasPg, SECRET, shadowHeaders, testStack } from './stack.fixture.js';
import { startStack } from './stack.js';

/** Worker threads alive in this process (Node has no public count; the handles say it). */
function workerHandles(): number {
  const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
  return handles.filter((h) => h.constructor?.name === 'MessagePort' || h.constructor?.name === 'Worker').length;
}

function refused(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port), u.hostname);
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe.each([{ store: 'pglite' as const }, ...(hasPg ? [{ store: 'pg' as const }] : [])])('services in threads on $store', ({ store }) => {
  it('order, pay and a shadow order go through six threads; close stops them all', async () => {
    const before = workerHandles();
    const s = await testStack(store, { threads: true, seed: { skus: 5, users: 5, flashStock: 3 } });
    let closed = false;
    try {
      expect(Object.keys(s.urls)).toEqual([...SERVICE_NAMES]);
      expect(new Set(Object.values(s.urls)).size).toBe(6);
      const o = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00001', sku: 'FLASH-1', qty: 1 });
      expect(o.status).toBe(201);
      expect((await call(s.gw, 'POST', `/api/orders/${String(o.body['id'])}/pay`)).status).toBe(200);
      // the queued path: order's consumer in its thread confirms through inventory's
      const q = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00002', sku: 'FLASH-1', qty: 1 }, { prefer: 'respond-async, wait=10' });
      expect(q.status).toBe(201);
      const shadow = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00003', sku: 'FLASH-1', qty: 1 }, shadowHeaders('thread-run'));
      expect(shadow.status).toBe(201);
      expect((await call(s.gw, 'GET', '/api/inventory/FLASH-1')).body['available']).toBe(1);
      const audit = await call(s.gw, 'GET', '/admin/audit');
      expect((audit.body['leaked'] as { total: number }).total).toBe(0);
      expect(workerHandles()).toBeGreaterThan(before);
      await s.close();
      closed = true;
      for (const url of Object.values(s.urls)) expect(await refused(url!)).toBe(true);
      expect(workerHandles()).toBe(before);
    } finally {
      if (!closed) await s.close();
    }
  }, 120_000);
});

describe('a service thread that cannot start', () => {
  it('fails the start with its StackStartError and leaves no thread behind', async () => {
    const before = workerHandles();
    await expect(startStack({ threads: true, shadowSecret: SECRET, log: () => {}, redisUrl: 'redis://127.0.0.1:1', seed: { skus: 2, users: 2 } })).rejects.toMatchObject({
      name: 'StackStartError',
      code: 'REDIS_UNREACHABLE',
    });
    expect(workerHandles()).toBe(before);
  }, 120_000);
});
