/// <reference lib="dom" />
// `peakdrill import har` on a real recording: Debian's chromium (playwright-core `recordHar`)
// drives the reference stack's API from a page (browse, add to cart, order, pay); the HAR it
// writes is imported, validated by the real scenario parser, and run against the same stack.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadScenario } from '@peakdrill/core';
import { SECRET, testStack, type TestStack } from '@peakdrill/stack/testing';
import { startTarget } from '@peakdrill/engine/testing';
import { runDrill } from '../execute.js';
import { runHarImport } from './import.js';
import { browserSuite, launchChromium } from '@peakdrill/dashboard/testing';

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/peakdrill.js');
const root = mkdtempSync(join(tmpdir(), 'peakdrill-har-'));

browserSuite('peakdrill import har (a Chromium recording of the reference stack)', () => {
  let stack: TestStack;
  let browser: Browser;

  // Starting the stack (PGlite) and a browser on a busy 2-core machine takes seconds.
  beforeAll(async () => {
    process.env['PEAKDRILL_SHADOW_SECRET'] = SECRET;
    stack = await testStack('pglite');
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    rmSync(root, { recursive: true, force: true });
  });

  // A browser session, an import and a 4 s drill against the stack.
  it('imports into a scenario that validates, runs and passes, with the order id captured from create and used by pay', { timeout: 120_000 }, async () => {
    const har = join(root, 'shop.har');
    // a "third-party" host: another origin the page calls (an analytics beacon)
    const tracker = await startTarget();
    const context = await browser.newContext({ recordHar: { path: har, content: 'embed' } });
    const page = await context.newPage();
    await page.goto(`${stack.gw}/healthz`);
    const paid = await page.evaluate(async (tracker: string) => {
      const json = async (r: Response): Promise<Record<string, unknown>> => {
        if (!r.ok) throw new Error(`${r.url}: ${r.status}`);
        return (await r.json()) as Record<string, unknown>;
      };
      const list = await json(await fetch('/api/items?page=1&size=5'));
      const sku = (list['items'] as { sku: string }[])[0]!.sku;
      await json(await fetch(`/api/items/${sku}`));
      const post = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      await json(await post('/api/cart/U-00001/items', { sku, qty: 1 }));
      await json(await fetch('/api/cart/U-00001', { headers: { authorization: 'Bearer rec0rded-s3ssion-t0ken' } }));
      await fetch(`${tracker}/collect?user=jane.doe@example.com`, { mode: 'no-cors' }).catch(() => undefined);
      const order = await json(await post('/api/orders', { userId: 'U-00001', fromCart: true }, { 'idempotency-key': crypto.randomUUID() }));
      const pay = await json(await post(`/api/orders/${String(order['id'])}/pay`, {}));
      return pay['status'];
    }, tracker.url);
    expect(paid).toBe('succeeded');
    await context.close(); // writes the HAR
    const trackerUrl = tracker.url;
    await tracker.close();
    const recorded = JSON.parse(readFileSync(har, 'utf8')) as { log: { entries: { request: { url: string } }[] } };
    expect(recorded.log.entries.some((e) => e.request.url.endsWith('/pay'))).toBe(true);

    const out = join(root, 'shop.yaml');
    const r = runHarImport(har, { out, host: [] }, 'peakdrill import har shop.har');
    writeFileSync(out, r.text);
    // the recorded credential and the third-party call are gone; the token went to a data feeder
    expect(r.text).not.toContain('rec0rded-s3ssion-t0ken');
    expect(r.text).not.toContain('jane.doe');
    expect(r.text).toContain('"authorization": "{{credentials.authorization}}"');
    expect(r.text).toContain('request(s) to other hosts');
    expect(r.report.join('\n')).toMatch(/dropped 1 static asset\(s\) and 1 third-party request\(s\)/);
    expect(readFileSync(r.csv!.path, 'utf8')).toBe('authorization\nreplace-me\n');
    writeFileSync(r.csv!.path, 'authorization\ndrill-user-token\n'); // what the reviewer fills in

    // --host keeps a named host: the beacon becomes a step on its own target, its email masked
    const withTracker = runHarImport(har, { out: join(root, 'with-tracker.yaml'), host: [new URL(trackerUrl).host] }, 'x');
    const beacon = withTracker.plan.journeys.flatMap((j) => j.steps).find((st) => st.name === 'GET /collect')!;
    expect(beacon.target).not.toBe('app');
    expect(withTracker.plan.targets[beacon.target]).toBe(trackerUrl);
    expect(beacon.path).toBe('/collect?user=%3Cmasked%3Aemail%3E');
    expect(withTracker.text).not.toContain('jane.doe');
    expect(withTracker.report).toContain('masked before writing: 1 email');
    const steps = r.plan.journeys.flatMap((j) => j.steps);
    expect(steps.map((s) => s.name)).toEqual([
      'GET /api/items',
      'GET /api/items/:item_id',
      'POST /api/cart/:cart_id/items',
      'GET /api/cart/:cart_id',
      'POST /api/orders',
      'POST /api/orders/:order_id/pay',
    ]);
    const create = steps.find((s) => s.name === 'POST /api/orders')!;
    const pay = steps.find((s) => s.name === 'POST /api/orders/:order_id/pay')!;
    expect(create.captures).toContainEqual({ as: 'orderId', from: 'json', path: '$.id' });
    expect(pay.path).toBe('/api/orders/{{orderId}}/pay');
    expect(create.headers['idempotency-key']).toBe('{{random.uuid}}');
    expect(r.text).toContain('Correlation: POST /api/orders $.id → `{{orderId}}` in POST /api/orders/:order_id/pay');
    // the /healthz document itself is not an API step
    expect(steps.some((s) => s.path.startsWith('/healthz'))).toBe(false);

    const plan = loadScenario(out, { durationMs: 4000, rate: 1 });
    const { summary } = await runDrill(plan, { out: join(root, 'runs'), quiet: true, workers: '1', target: [], header: [], budget: [], allow: [] });
    expect(summary.status).toBe('passed');
    const payLink = summary.links.find((l) => l.name === 'POST /api/orders/:order_id/pay')!;
    const createLink = summary.links.find((l) => l.name === 'POST /api/orders')!;
    expect(payLink.count).toBeGreaterThanOrEqual(3);
    expect(payLink.errors).toBe(0);
    expect(payLink.outcomes.ok).toBe(createLink.outcomes.ok);

    // a HAR cut off mid-download: one clear error, exit 2, no stack trace
    const cut = join(root, 'cut.har');
    const full = readFileSync(har, 'utf8');
    writeFileSync(cut, full.slice(0, Math.floor(full.length / 2)));
    const bad = spawnSync(process.execPath, [bin, 'import', 'har', cut], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('the HAR file is truncated');
  });
});
