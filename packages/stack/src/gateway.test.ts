import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signShadowTag } from './shadow.js';
import { startStack } from './stack.js';
import { call, hasPg, metric, SECRET, shadowHeaders, type StoreKind, type TestStack, testStack } from './stack.fixture.js';

const AUDITED = ['cart_items', 'orders', 'order_items', 'payments', 'stock_movements'];

/** The hop names of an answer's Server-Timing, in order. */
const hops = (a: { headers: Headers }) => (a.headers.get('server-timing') ?? '').split(', ').map((e) => e.slice(0, e.indexOf(';')));

interface AuditBody {
  tables: Record<string, { production: number; shadow: number; leaked: number; run?: number }>;
  leaked: { total: number; rows: number; requests: number; byReason: Record<string, number> };
  production: Record<string, number>;
  shadow: Record<string, number>;
  run?: { id: string; rows: Record<string, number> };
}

const stores: Array<{ store: StoreKind; run: boolean }> = [
  { store: 'pglite', run: true },
  { store: 'pg', run: hasPg },
];

describe.each(stores)('gateway on $store', ({ store, run }) => {
  let s: TestStack;
  beforeAll(async () => {
    // an item cache that outlives the test: a busy machine's pause between two reads is no miss
    if (run) s = await testStack(store, { rateLimit: { globalRps: 0, skuRps: 5 }, gatewayCache: { itemCacheMs: 600_000 } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it.skipIf(!run)('a tagged checkout writes only shadow rows, and every answer acknowledges the tag', async () => {
    const runId = 'drill-20261123.a_1';
    const h = shadowHeaders(runId);
    const steps = [
      await call(s.gw, 'GET', '/api/items/SKU-000001', undefined, h),
      await call(s.gw, 'POST', '/api/cart/U-00001/items', { sku: 'SKU-000002', qty: 2 }, h),
      await call(s.gw, 'GET', '/api/cart/U-00001', undefined, h),
    ];
    const o = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00001', fromCart: true }, { ...h, 'idempotency-key': 'shadow-1' });
    steps.push(o);
    expect(o.status).toBe(201);
    expect(o.body['runId']).toBe(runId);
    const pay = await call(s.gw, 'POST', `/api/orders/${String(o.body['id'])}/pay`, undefined, h);
    expect(pay.status).toBe(200);
    steps.push(pay, await call(s.gw, 'GET', `/api/orders/${String(o.body['id'])}`, undefined, h));
    for (const a of steps) expect(a.headers.get('x-peakdrill-shadow-ack')).toBe(runId);

    // The shadow order is invisible to real traffic.
    expect((await call(s.gw, 'GET', `/api/orders/${String(o.body['id'])}`)).status).toBe(404);

    const audit = (await call(s.gw, 'GET', `/admin/audit?run=${runId}`)).body as unknown as AuditBody;
    expect(Object.keys(audit.tables).sort()).toEqual([...AUDITED].sort());
    for (const t of AUDITED) expect(audit.tables[t]?.production).toBe(0);
    expect(audit.leaked.total).toBe(0);
    expect(audit.shadow).toMatchObject({ orders: 1, order_items: 1, payments: 1, stock_movements: 1, cart_items: 0 });
    expect(audit.run).toEqual({ id: runId, rows: { cart_items: 0, orders: 1, order_items: 1, payments: 1, stock_movements: 1 } });
    // Production stock untouched, shadow stock deducted.
    expect((await call(s.gw, 'GET', '/api/inventory/SKU-000002')).body['available']).toBe(10_000);
    expect((await call(s.gw, 'GET', '/api/inventory/SKU-000002', undefined, h)).body['available']).toBe(10_000 - 2);
    expect(await metric(s.urls.order!, 'peakdrill_stack_requests_total', { route: '/orders', kind: 'shadow', code: '201' })).toBe(1);
  });

  it.skipIf(!run)('a forged tag is stripped: the request lands in production, and the audit reports it as leaked', async () => {
    const forged = { 'x-peakdrill-shadow': signShadowTag('wrong-secret', 'drill-x'), baggage: 'peakdrill-shadow=drill-x' };
    const before = await metric(s.gw, 'peakdrill_stack_shadow_forged_total');
    const o = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00002', sku: 'SKU-000003', qty: 1 }, forged);
    expect(o.status).toBe(201);
    expect(o.body['runId']).toBeNull();
    expect(o.headers.get('x-peakdrill-shadow-ack')).toBeNull();
    expect(await metric(s.gw, 'peakdrill_stack_shadow_forged_total')).toBe(before + 1);
    // The tag was not passed on: the order service saw a plain production request.
    expect(await metric(s.urls.order!, 'peakdrill_stack_shadow_forged_total')).toBe(0);
    expect(await metric(s.urls.order!, 'peakdrill_stack_requests_total', { route: '/orders', kind: 'production', code: '201' })).toBeGreaterThan(0);
    // Its claim stays on what it wrote: the order, its line and its stock movement are leaked rows of drill-x.
    const audit = (await call(s.gw, 'GET', '/admin/audit?run=drill-x')).body as unknown as AuditBody;
    expect(audit.production['orders']).toBeGreaterThan(0);
    expect(audit.leaked).toEqual({ total: 4, rows: 3, requests: 1, byReason: { unsigned: 0, forged: 1, wrong_run: 0 } });
    expect(audit.tables['orders']?.leaked).toBe(1);
    expect(audit.tables['stock_movements']?.leaked).toBe(1);
    // another run's audit is not touched by drill-x's leak
    expect(((await call(s.gw, 'GET', '/admin/audit?run=drill-y')).body as unknown as AuditBody).leaked.total).toBe(0);

    for (const bad of ['drill-x', 'drill-x.' + '0'.repeat(64), '.abc', 'bad id!.' + '0'.repeat(64), signShadowTag(SECRET, 'r') + 'x']) {
      const a = await call(s.gw, 'GET', '/api/items/SKU-000001', undefined, { 'x-peakdrill-shadow': bad });
      expect(a.status).toBe(200);
      expect(a.headers.get('x-peakdrill-shadow-ack')).toBeNull();
    }
  });

  // Only PostgreSQL has a socket a drill's SQL check can reach (PGlite is checked through the
  // audit above), so this test exists for the pg store alone.
  const onPostgres = store === 'pg' ? it.skipIf(!run) : ((() => undefined) as unknown as typeof it);
  onPostgres('the production tables hold no row of the run (checked with SQL)', async () => {
    // The audit said so; ask PostgreSQL directly too, as a drill's SQL isolation check would.
    const c = new pg.Client({ connectionString: s.pgUrl });
    await c.connect();
    try {
      for (const t of AUDITED) {
        const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.${t} WHERE run_id = 'drill-20261123.a_1'`);
        expect(r.rows[0]?.n).toBe(0);
      }
      // the forged request's order is in production, marked with the run it claimed
      const forged = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.orders WHERE run_id = 'drill-x'`);
      expect(forged.rows[0]?.n).toBe(1);
      const sh = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM shadow.orders WHERE run_id = 'drill-20261123.a_1'`);
      expect(sh.rows[0]?.n).toBe(1);
    } finally {
      await c.end();
    }
  });

  it.skipIf(!run)("reports the production rows written during a run's window, even from requests that carry no claim", async () => {
    const runId = 'window-run';
    const first = await call(s.gw, 'GET', '/api/items/SKU-000004', undefined, shadowHeaders(runId));
    expect(first.headers.get('x-peakdrill-shadow-ack')).toBe(runId);
    // a request of the drill that lost both its tag and its baggage on the way: nothing names it
    const bare = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00003', sku: 'SKU-000004', qty: 1 });
    expect(bare.status).toBe(201);
    await call(s.gw, 'GET', '/api/items/SKU-000004', undefined, shadowHeaders(runId));
    const audit = (await call(s.gw, 'GET', `/admin/audit?run=${runId}`)).body as unknown as AuditBody & { window: { from: string; to: string; production: Record<string, number> } };
    expect(audit.leaked.total).toBe(0);
    expect(audit.window.production).toEqual({ cart_items: 0, orders: 1, payments: 0, stock_movements: 1 });
    expect(Date.parse(audit.window.to)).toBeGreaterThan(Date.parse(audit.window.from));
    // a run the gateway never saw has no window
    expect((await call(s.gw, 'GET', '/admin/audit?run=never-seen')).body['window']).toBeUndefined();
  });

  it.skipIf(!run)('turns a burst on one SKU away with a friendly 429 and retry-after', async () => {
    const t0 = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(s.gw, 'POST', '/api/orders', { userId: `U-${String(i + 1).padStart(5, '0')}`, sku: 'SKU-000020', qty: 1 })),
    );
    // the bucket holds 5 and refills 5/s: on a busy machine the burst itself takes a while
    const allowed = 5 + Math.ceil((5 * (performance.now() - t0)) / 1000);
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 201).length).toBeLessThanOrEqual(allowed);
    expect(limited.length).toBeGreaterThanOrEqual(20 - allowed);
    expect(limited[0]?.body).toMatchObject({ code: 'SOLD_OUT_OR_BUSY', message: "Sorry, you didn't get it this time — try again" });
    expect(limited[0]?.headers.get('retry-after')).toBe('1');
    expect(await metric(s.gw, 'peakdrill_stack_ratelimited_total', { scope: 'sku' })).toBe(limited.length);
    // Another SKU has its own bucket.
    expect((await call(s.gw, 'POST', '/api/orders', { userId: 'U-00001', sku: 'SKU-000021', qty: 1 })).status).toBe(201);
  });

  it.skipIf(!run)('puts Server-Timing on every answer, naming each hop and the database', async () => {
    const entry = /^[A-Za-z0-9._-]+;dur=\d+(\.\d+)?$/;
    const answers = [
      await call(s.gw, 'GET', '/api/items/SKU-000001'),
      await call(s.gw, 'GET', '/api/items?page=1&size=5'),
      await call(s.gw, 'GET', '/api/hot'),
      await call(s.gw, 'POST', '/api/orders', { userId: 'U-00009', sku: 'SKU-000030', qty: 1 }),
      await call(s.gw, 'GET', '/api/items/NOPE'),
      await call(s.gw, 'GET', '/nowhere'),
    ];
    for (const a of answers) {
      const st = a.headers.get('server-timing') ?? '';
      const parts = st.split(', ');
      for (const p of parts) expect(p).toMatch(entry);
      expect(parts.at(-1)).toMatch(/^total;dur=/);
    }
    const order = answers[3]!.headers.get('server-timing')!;
    expect(order).toMatch(/(^|, )order;dur=/);
    expect(order).toMatch(/, order\.inventory;dur=/);
    expect(order).toMatch(/, order\.inventory\.db;dur=/);
    expect(order).toMatch(/, order\.db;dur=/);
  });

  it.skipIf(!run)('serves well-formed Prometheus text on /metrics and /healthz on every service', async () => {
    const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?(\d+(\.\d+)?(e[+-]?\d+)?|\+Inf|NaN)$/;
    for (const [name, base] of Object.entries(s.urls)) {
      expect((await call(base!, 'GET', '/healthz')).body).toEqual({ status: 'ok', service: name });
      const r = await fetch(base + '/metrics');
      expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await r.text();
      const typed = new Set<string>();
      for (const line of text.trimEnd().split('\n')) {
        if (line.startsWith('# TYPE ')) {
          const [, , metricName, type] = line.split(' ');
          expect(['counter', 'gauge', 'histogram']).toContain(type);
          typed.add(metricName!);
        } else if (!line.startsWith('# HELP ')) {
          expect(line).toMatch(sample);
          const m = line.slice(0, line.search(/[{ ]/));
          expect(typed.has(m) || typed.has(m.replace(/_(bucket|sum|count)$/, ''))).toBe(true);
        }
      }
      expect(text).toContain('peakdrill_stack_requests_total{');
      expect(text).toContain('peakdrill_stack_request_duration_seconds_bucket{');
    }
    expect(await metric(s.urls.catalog!, 'peakdrill_stack_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
  });

  it.skipIf(!run)('reports the hottest SKUs, counting the reads its micro-cache answered', async () => {
    for (let i = 0; i < 30; i++) await call(s.gw, 'GET', '/api/items/SKU-000042');
    const hot = await call(s.gw, 'GET', '/api/hot?limit=1');
    expect(hot.body['items']).toEqual([{ sku: 'SKU-000042', requests: 30 }]);
    // the audit names the hot keys of test traffic only, from the stack's own counts
    for (let i = 0; i < 12; i++) await call(s.gw, 'GET', '/api/items/SKU-000043', undefined, shadowHeaders('hot-run'));
    const audit = (await call(s.gw, 'GET', '/admin/audit?run=hot-run')).body as unknown as { hot: Array<{ sku: string; requests: number }> };
    expect(audit.hot[0]).toEqual({ sku: 'SKU-000043', requests: 12 });
    expect(audit.hot.some((h) => h.sku === 'SKU-000042')).toBe(false);
  });

  it.skipIf(!run)('answers a hot item itself while it is fresh, per traffic kind, and says so in Server-Timing', async () => {
    const sku = 'SKU-000077';
    const catalogItemReads = () => metric(s.urls.catalog!, 'peakdrill_stack_requests_total', { route: '/items/:sku', kind: 'production', code: '200' });
    const before = await catalogItemReads();
    const first = await call(s.gw, 'GET', `/api/items/${sku}`);
    const second = await call(s.gw, 'GET', `/api/items/${sku}`);
    expect(first.body).toMatchObject({ sku });
    expect(second.body).toEqual(first.body);
    expect(hops(first)).toContain('catalog');
    // the second answer never reached the catalog, and its timing says where it came from
    expect(hops(second)).toEqual(['gateway.cache', 'total']);
    expect(await catalogItemReads()).toBe(before + 1);
    // a drill's read is a miss of its own: shadow traffic is never answered with production's entry
    const shadow = await call(s.gw, 'GET', `/api/items/${sku}`, undefined, shadowHeaders('edge-run'));
    expect(hops(shadow)).toContain('catalog');
    expect(shadow.headers.get('x-peakdrill-shadow-ack')).toBe('edge-run');
    const shadowAgain = await call(s.gw, 'GET', `/api/items/${sku}`, undefined, shadowHeaders('edge-run'));
    expect(hops(shadowAgain)).toEqual(['gateway.cache', 'total']);
    expect(shadowAgain.headers.get('x-peakdrill-shadow-ack')).toBe('edge-run');
    // an unknown SKU's 404 is kept as well, so a flood of made-up SKUs stops at the gateway
    expect((await call(s.gw, 'GET', '/api/items/SKU-NOPE')).status).toBe(404);
    const again = await call(s.gw, 'GET', '/api/items/SKU-NOPE');
    expect(again.status).toBe(404);
    expect(hops(again)).toEqual(['gateway.cache', 'total']);
    expect(await metric(s.gw, 'peakdrill_stack_gateway_item_cache_lookups', { result: 'hit' })).toBeGreaterThanOrEqual(3);
  });

  it.skipIf(!run)('lists items from the catalog\'s cache: a page read again does not reach the store', async () => {
    const first = await call(s.gw, 'GET', '/api/items?page=7&size=3');
    const again = await call(s.gw, 'GET', '/api/items?page=7&size=3');
    expect(first.body).toMatchObject({ page: 7, size: 3, total: 201 });
    expect(first.body['items']).toHaveLength(3);
    expect(again.body).toEqual(first.body);
    expect(hops(first)).toContain('catalog.db');
    expect(hops(again)).toContain('catalog');
    expect(hops(again)).not.toContain('catalog.db');
    // another page is another key
    expect(hops(await call(s.gw, 'GET', '/api/items?page=8&size=3'))).toContain('catalog.db');
  });

  it.skipIf(!run)('resets the shadow data of a drill without touching production', async () => {
    const h = shadowHeaders('reset-run');
    expect((await call(s.gw, 'POST', '/api/orders', { userId: 'U-00001', sku: 'FLASH-1', qty: 1 }, h)).status).toBe(201);
    expect((await call(s.gw, 'GET', '/api/inventory/FLASH-1', undefined, h)).body['available']).toBe(99);
    expect((await call(s.gw, 'POST', '/admin/shadow/reset')).status).toBe(200);
    expect((await call(s.gw, 'GET', '/api/inventory/FLASH-1', undefined, h)).body['available']).toBe(100);
    const audit = (await call(s.gw, 'GET', '/admin/audit')).body as unknown as AuditBody;
    expect(audit.shadow['orders']).toBe(0);
    expect(audit.production['orders']).toBeGreaterThan(0);
  });
});

describe('a gateway without a shadow secret', () => {
  it('honours no tag, warns at start, and counts tags as forged', async () => {
    const backends = await testStack(hasPg ? 'pg' : 'pglite', { seed: { skus: 5, users: 5 } });
    const lines: string[] = [];
    const gw = await startStack({ services: ['gateway'], peers: backends.urls, shadowSecret: '', log: (l) => lines.push(l) });
    const s = { gw: gw.urls.gateway! };
    try {
      expect(lines.join('\n')).toMatch(/warning: no shadow secret/);
      const a = await call(s.gw, 'POST', '/api/orders', { userId: 'U-00001', sku: 'SKU-000001', qty: 1 }, shadowHeaders('r1'));
      expect(a.status).toBe(201);
      expect(a.body['runId']).toBeNull();
      expect(a.headers.get('x-peakdrill-shadow-ack')).toBeNull();
      expect(await metric(s.gw, 'peakdrill_stack_shadow_forged_total')).toBe(1);
    } finally {
      await gw.close();
      await backends.close();
    }
  });
});

describe('the per-SKU limiter under a spray of made-up SKUs', () => {
  it('keeps a hot SKU limited: a full table drops only refilled buckets, never all of them', async () => {
    const backends = await testStack('pglite', { seed: { skus: 5, users: 5 } });
    // 0.2 orders/s per SKU: an emptied bucket needs 5 s to allow one more, far longer than the spray.
    const gw = await startStack({ services: ['gateway'], peers: backends.urls, shadowSecret: SECRET, log: () => {}, rateLimit: { globalRps: 0, skuRps: 0.2, skuBuckets: 8 } });
    const base = gw.urls.gateway!;
    const order = (sku: string): Promise<{ status: number }> => call(base, 'POST', '/api/orders', { userId: 'U-00001', sku, qty: 1 });
    try {
      expect((await order('SKU-000001')).status).toBe(201);
      expect((await order('SKU-000001')).status).toBe(429);
      // More made-up SKUs than the table holds; with the old policy (clear the table when full)
      // the hot SKU's bucket went with them and its next order passed.
      const spray = await Promise.all(Array.from({ length: 20 }, (_, i) => order(`FAKE-${i}`)));
      const sprayLimited = spray.filter((a) => a.status === 429).length;
      expect(sprayLimited).toBeGreaterThanOrEqual(20 - 7);
      expect((await order('SKU-000001')).status).toBe(429);
      expect(await metric(base, 'peakdrill_stack_ratelimited_total', { scope: 'sku' })).toBe(2 + sprayLimited);
    } finally {
      await gw.close();
      await backends.close();
    }
  });
});
