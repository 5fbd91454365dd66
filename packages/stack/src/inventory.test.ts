import { afterAll, describe, expect, it } from 'vitest';
import { Kv } from './redis.js';
import { startStack } from './stack.js';
import { type Answer, call, hasPg, metric, REDIS_URL, shadowHeaders, hasRedis, type StoreKind, testStack } from './stack.fixture.js';

const BUYERS = 500;
const STOCK = 100;

/** How long a buyer keeps trying after "try again" (429) before the test gives up on it. */
const BUYER_PATIENCE_MS = 60_000;

const cases: Array<{ store: StoreKind; redis: boolean; threads: boolean; run: boolean }> = [
  { store: 'pglite', redis: false, threads: false, run: true },
  { store: 'pglite', redis: true, threads: false, run: hasRedis },
  { store: 'pg', redis: false, threads: false, run: hasPg },
  { store: 'pg', redis: true, threads: false, run: hasPg && hasRedis },
  // each service in its own thread: the gateway accepts buyers while the others work, so its
  // in-flight cap sheds many of them with 429 while stock remains; they try again, as told
  { store: 'pglite', redis: false, threads: true, run: true },
];

/**
 * One buyer: orders once and, while told "try again" (429 SOLD_OUT_OR_BUSY), again after a
 * short random pause, until it gets an order or a refusal. Returns the last answer and how many
 * 429s it met on the way.
 */
async function buy(gw: string, userId: string, sku: string): Promise<{ answer: Answer; busy: number }> {
  const giveUp = Date.now() + BUYER_PATIENCE_MS;
  for (let busy = 0; ; busy++) {
    const answer = await call(gw, 'POST', '/api/orders', { userId, sku, qty: 1 });
    if (answer.status !== 429 || answer.body['code'] !== 'SOLD_OUT_OR_BUSY' || Date.now() > giveUp) return { answer, busy };
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
  }
}

describe.each(cases)('flash sale on $store (redis: $redis, threads: $threads)', ({ store, redis, threads, run }) => {
  const stacks: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const s of stacks) await s.close();
  });

  it.skipIf(!run)(`${BUYERS} concurrent buyers of stock ${STOCK} make exactly ${STOCK} orders`, async () => {
    // a long sold-out memory, so the late buyer below meets the gateway's mark however slow the machine
    const s = await testStack(store, { redis, threads, seed: { skus: 50, users: BUYERS, flashStock: STOCK }, shield: { soldOutTtlMs: 60_000 } });
    stacks.push(s);
    const buyers = await Promise.all(Array.from({ length: BUYERS }, (_, i) => buy(s.gw, `U-${String(i + 1).padStart(5, '0')}`, 'FLASH-1')));
    const answers = buyers.map((b) => b.answer);
    const created = answers.filter((a) => a.status === 201);
    const soldOut = answers.filter((a) => a.status === 409 && a.body['code'] === 'SOLD_OUT');
    // every unit sold once, and every other buyer, however often told to try again, ends sold out
    expect(created).toHaveLength(STOCK);
    expect(soldOut).toHaveLength(BUYERS - STOCK);
    expect(new Set(created.map((a) => a.body['id'])).size).toBe(STOCK);

    const stock = await call(s.gw, 'GET', '/api/inventory/FLASH-1');
    expect(stock.body['available']).toBe(0);
    const audit = await call(s.gw, 'GET', '/admin/audit');
    const tables = audit.body['tables'] as Record<string, { production: number }>;
    expect(tables['orders']?.production).toBe(STOCK); // no half-written order of a refused buyer
    expect(tables['stock_movements']?.production).toBe(STOCK);

    // Every refusal is counted where it was stopped; with Redis none reached the database.
    const rejected = (at: string) => metric(s.urls.inventory!, 'peakdrill_stack_stock_rejected_total', { at });
    const shedAtGateway = (reason: string) => metric(s.gw, 'peakdrill_stack_shed_total', { reason });
    const [soldOutAtGateway, busyAtGateway] = await Promise.all([shedAtGateway('sold_out'), shedAtGateway('in_flight')]);
    const [atRedis, atMemory, atDb] = await Promise.all([rejected('redis'), rejected('memory'), rejected('db')]);
    expect(soldOutAtGateway + atRedis + atMemory + atDb).toBe(BUYERS - STOCK);
    expect(busyAtGateway).toBe(buyers.reduce((n, b) => n + b.busy, 0));
    if (redis) expect(atDb).toBe(0);
    else expect(atRedis).toBe(0);

    // Sold out stays sold out, and the gateway knows it: the late buyer never reaches order.
    const late = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00001', sku: 'FLASH-1', qty: 1 });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'SOLD_OUT', sku: 'FLASH-1', at: 'gateway' });

    // A multi-SKU checkout is all-or-nothing: the sold-out line takes the others down with it.
    await call(s.gw, 'POST', '/api/cart/U-00002/items', { sku: 'SKU-000001', qty: 2 });
    await call(s.gw, 'POST', '/api/cart/U-00002/items', { sku: 'FLASH-1', qty: 1 });
    const fromCart = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00002', fromCart: true });
    expect(fromCart.status).toBe(409);
    expect((await call(s.gw, 'GET', '/api/inventory/SKU-000001')).body['available']).toBe(10_000);
    // A refused checkout leaves the cart as it was.
    expect(((await call(s.gw, 'GET', '/api/cart/U-00002')).body['items'] as unknown[]).length).toBe(2);

    // Shadow stock is its own: the drill can still buy what real customers emptied.
    const shadowBuy = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00001', sku: 'FLASH-1', qty: 1 }, shadowHeaders('flash-run'));
    expect(shadowBuy.status).toBe(201);
    if (redis) {
      const kv = await Kv.connect(REDIS_URL, s.redisPrefix!);
      try {
        expect(await kv.get(`shadow:${s.redisPrefix!}stock:FLASH-1`)).toBe('99');
        expect(await kv.get(`${s.redisPrefix!}stock:FLASH-1`)).toBe('0');
      } finally {
        await kv.close();
      }
    }
  });
});

describe('hot keys with Redis', () => {
  it.skipIf(!hasRedis)('are counted across the process in a Redis sorted set', async () => {
    const s = await testStack(hasPg ? 'pg' : 'pglite', { redis: true, seed: { skus: 20, users: 5 } });
    try {
      for (let i = 0; i < 5; i++) await call(s.gw, 'GET', '/api/items/SKU-000007');
      await call(s.gw, 'GET', '/api/items/SKU-000008');
      // no wait: reading the hot keys counts every read so far, whichever layer answered it
      const hot = await call(s.gw, 'GET', '/api/hot?limit=2');
      expect(hot.body).toEqual({ source: 'redis', items: [{ sku: 'SKU-000007', requests: 5 }, { sku: 'SKU-000008', requests: 1 }] });
    } finally {
      await s.close();
    }
  });
});

describe('Redis release after an inventory restart', () => {
  // The restart is a second inventory process on the same store and Redis: starting, it drops
  // the cached stock keys, as every inventory start does.
  it.skipIf(!(hasPg && hasRedis))('gives back what the database holds, never invents stock', async () => {
    const s = await testStack('pg', { redis: true, seed: { skus: 5, users: 5, flashStock: 5 }, paymentFailureRate: 1 });
    try {
      const kv = await Kv.connect(REDIS_URL, s.redisPrefix!);
      const key = `${s.redisPrefix!}stock:FLASH-1`;
      try {
        const o = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00001', sku: 'FLASH-1', qty: 1 });
        expect(o.status).toBe(201);
        expect(await kv.get(key)).toBe('4');
        const restarted = await startStack({ services: ['inventory'], pgUrl: s.pgUrl!, redisUrl: REDIS_URL, redisPrefix: s.redisPrefix!, serviceToken: 'restart-token', log: () => {} });
        await restarted.close();
        expect(await kv.get(key)).toBeNull();
        // the declined payment releases the unit: the database has 5 again, Redis must not read 1
        const paid = await call(s.gw, 'POST', `/api/orders/${String(o.body['id'])}/pay`);
        expect(paid.status).toBe(402);
        expect((await call(s.gw, 'GET', '/api/inventory/FLASH-1')).body['available']).toBe(5);
        expect(await kv.get(key)).toBeNull();
        expect(await metric(s.urls.inventory!, 'peakdrill_stack_redis_release_total', { outcome: 'reload' })).toBe(1);
        // all five units are for sale: one buyer takes them in one order
        const all = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00002', sku: 'FLASH-1', qty: 5 });
        expect(all.status).toBe(201);
        expect(await kv.get(key)).toBe('0');
      } finally {
        await kv.close();
      }
    } finally {
      await s.close();
    }
  });
});
