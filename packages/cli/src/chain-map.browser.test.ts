/// <reference lib="dom" />
// The chain map of a real drill in Debian's chromium (playwright-core): double11 against the
// reference stack at a reduced duration, its run folder served by the dashboard on 127.0.0.1
// port 0; the page draws the six services and their hops from Server-Timing, and flags the hop
// missing from `owners:`.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadScenario, type Summary } from '@peakdrill/core';
import { serveDashboard, type ServedDashboard } from '@peakdrill/dashboard';
import { SECRET, testStack, type TestStack } from '@peakdrill/stack/testing';
import { SCENARIOS_DIR } from './commands/demo.js';
import { runDrill } from './execute.js';
import { browserSuite, launchChromium } from '@peakdrill/dashboard/testing';


// PGlite's WASM PostgreSQL, a 6 s drill and chromium on a busy 2-core machine: minutes, far above what they need
browserSuite('the chain map of a double11 drill on the reference stack, in chromium', { timeout: 180_000 }, () => {
  let stack: TestStack | null = null;
  let browser: Browser | null = null;
  let dash: ServedDashboard | null = null;
  let runsDir = '';
  let runId = '';
  let drilled = ''; // what the drill's links answered and which hops they carried, for a failure's message

  beforeAll(async () => {
    process.env['PEAKDRILL_SHADOW_SECRET'] = SECRET;
    // the scenario's users.csv and SKU list: every id it names exists, so its links answer and carry their hops
    stack = await testStack('pglite', { seed: { skus: 3000, users: 1000 } });
    runsDir = mkdtempSync(join(tmpdir(), 'peakdrill-chain-browser-'));
    const plan = loadScenario(join(SCENARIOS_DIR, 'double11.yaml'), { targets: { gateway: stack.gw }, durationMs: 6000 });
    // every service owned but inventory: the map must flag it
    plan.owners = { gateway: { owner: 'team-edge' }, catalog: { owner: 'team-item' }, cart: { owner: 'team-cart' }, order: { owner: 'team-trade' }, payment: { owner: 'team-pay' } };
    const { dir } = await runDrill(plan, { out: runsDir, quiet: true, workers: '1', target: [], header: [], budget: [], allow: [] });
    runId = basename(dir);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
    drilled = JSON.stringify(summary.links.map((l) => ({ link: l.name, count: l.count, errors: l.errors, hops: l.hops.map((h) => h.name) })));
    browser = await launchChromium();
    dash = await serveDashboard({ runsDir, port: 0 });
  }, 180_000);

  afterAll(async () => {
    await dash?.close();
    await browser?.close();
    await stack?.close();
    if (runsDir) rmSync(runsDir, { recursive: true, force: true });
  });

  it('draws the six services, their hops, and flags inventory, the hop missing from owners', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(new URL(`/runs/${runId}`, dash!.url).href, { waitUntil: 'load' });
    // every chart drawn with its data (the client marks <html data-ready="1">)
    await page.waitForSelector('html[data-ready="1"]', { state: 'attached', timeout: 30_000 });
    const map = page.locator('[data-testid="chain"]');
    const services = await map.locator('g.chain-node[data-kind="service"], g.chain-node[data-kind="entry"]').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-node')));
    expect(services.sort(), drilled).toEqual(['cart', 'catalog', 'gateway', 'inventory', 'order', 'payment']);
    // the hops the stack's Server-Timing reported: the gateway to each service, order to its
    // dependencies, payment back to order
    const edges = await map.locator('path[data-edge]').evaluateAll((ps) => ps.map((p) => p.getAttribute('data-edge')));
    for (const hop of ['gateway>catalog', 'gateway>cart', 'gateway>order', 'gateway>payment', 'order>inventory', 'order>cart', 'payment>order']) expect(edges, edges.join(' ')).toContain(hop);
    expect(await map.locator('g.chain-node[data-node="inventory"]').getAttribute('data-flags')).toContain('no-owner');
    const noOwner = await map.locator('g.chain-node.flagged').evaluateAll((gs) => gs.filter((g) => (g.getAttribute('data-flags') ?? '').includes('no-owner')).map((g) => g.getAttribute('data-node')));
    expect(noOwner).toContain('inventory');
    for (const owned of ['gateway', 'catalog', 'cart', 'order', 'payment']) expect(noOwner).not.toContain(owned);
    expect(await page.locator('[data-testid="chain-flags"]').innerText()).toMatch(/inventory: no owner \(links: [^)]*order\.create/);
    // drawn, not just present: the flagged box has a size on the page
    const box = await map.locator('g.chain-node[data-node="inventory"] rect').boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    expect(errors).toEqual([]);
    await page.close();
  });
});
