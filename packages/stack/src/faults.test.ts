import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, testStack, type TestStack } from './stack.fixture.js';

// The whole stack on its embedded store; faults go to the inventory service, traffic through the gateway.
let s: TestStack;
let inv: string;
beforeAll(async () => {
  s = await testStack('pglite', { seed: { skus: 5, users: 5 } });
  inv = s.urls.inventory!;
}, 60_000); // PGlite boots its WASM PostgreSQL: seconds on a busy 2-core machine
afterAll(async () => {
  await s.close();
});

const inventoryHop = (h: Headers): number => Number(/(?:^|,\s*)inventory;dur=([\d.]+)/.exec(h.get('server-timing') ?? '')?.[1] ?? NaN);

describe('fault endpoints', () => {
  it('slow the hop by the delay asked for, and stop when undone', async () => {
    expect(await call(inv, 'POST', '/admin/faults', { delay: '300ms' })).toMatchObject({ status: 200, body: { faults: { delayMs: 300, failShare: 0, paused: false } } });
    const slow = await call(s.gw, 'GET', '/api/inventory/SKU-000001');
    expect(slow.status).toBe(200);
    expect(inventoryHop(slow.headers)).toBeGreaterThanOrEqual(300);
    expect((await call(inv, 'DELETE', '/admin/faults')).body).toEqual({ faults: { delayMs: 0, failShare: 0, paused: false } });
    const fast = await call(s.gw, 'GET', '/api/inventory/SKU-000001');
    expect(inventoryHop(fast.headers)).toBeLessThan(300);
  });

  it('fail exactly the share of calls asked for', async () => {
    await call(inv, 'POST', '/admin/faults', { fail: '50%' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(s.gw, 'GET', '/api/inventory/SKU-000001')).status);
    await call(inv, 'DELETE', '/admin/faults');
    expect(statuses.filter((x) => x === 502 || x === 503)).toHaveLength(3);
    expect(statuses.filter((x) => x === 200)).toHaveLength(3);
  });

  it('pause the service until undone, leaving its admin routes alone', async () => {
    await call(inv, 'POST', '/admin/faults', { pause: true });
    let answered = false;
    const held = call(inv, 'GET', '/inventory/SKU-000001').then((a) => ((answered = true), a));
    expect((await call(inv, 'GET', '/admin/faults')).body).toMatchObject({ faults: { paused: true } }); // admin routes still answer
    expect(answered).toBe(false);
    await call(inv, 'DELETE', '/admin/faults');
    expect((await held).status).toBe(200);
  });

  it('undo themselves after `for`, and refuse a fault they cannot read', async () => {
    await call(inv, 'POST', '/admin/faults', { delay: '1s', for: '200ms' });
    const deadline = Date.now() + 10_000; // bounded: the expiry is 200 ms, the machine may be busy
    let current = (await call(inv, 'GET', '/admin/faults')).body;
    while ((current as { faults: { delayMs: number } }).faults.delayMs !== 0 && Date.now() < deadline) {
      await new Promise((r) => setImmediate(r));
      current = (await call(inv, 'GET', '/admin/faults')).body;
    }
    expect(current).toEqual({ faults: { delayMs: 0, failShare: 0, paused: false } });
    expect(await call(inv, 'POST', '/admin/faults', { delay: 'slow' })).toMatchObject({ status: 400, body: { code: 'BAD_FIELD', field: 'delay' } });
    expect(await call(inv, 'POST', '/admin/faults', { fail: '150%' })).toMatchObject({ status: 400, body: { field: 'fail' } });
    expect(await call(inv, 'POST', '/admin/faults', {})).toMatchObject({ status: 400 });
    expect(await call(inv, 'POST', '/admin/faults', { slow: 1 })).toMatchObject({ status: 400, body: { field: 'slow' } });
  });
});
