/// <reference lib="dom" />
// Rehearsal views in a real browser (Debian's chromium via playwright-core, the dashboard on
// 127.0.0.1 port 0, fixture run folders): faults marked on the charts with their recovery, and
// on the live charts of a run still being written; live control changes marked as control.ndjson grows.

import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { RUN_FILES, type FaultEvent, type FaultRecord, type Summary } from '@peakdrill/core';
import { serveDashboard, type ServedDashboard } from './serve.js';
import { writeFixtureRun, type WrittenFixture } from './runs.fixture.js';
import { appendRunNote } from '@peakdrill/core';
import { browserSuite, launchChromium } from './chromium.fixture.js';


const FAULT: FaultRecord = {
  name: 'slow-inventory', kind: 'http', what: 'POST http://127.0.0.1:8083/admin/faults', plan: '#37 degrade recommendations',
  plannedS: { fromS: 10, toS: 20 }, injectedAtS: 10, undoneAtS: 20,
  recovery: { withinMs: 10_000, passed: false, recoveredS: 12, links: [{ link: 'order.create', p99S: 12, errorsS: 0, recoveredS: 12, budgets: ['p99 ≤ 250 ms'] }], reason: 'plan #37 (degrade recommendations) did not hold: order.create: p99 back in 12 s, budget 10 s' },
};

browserSuite('rehearsal views in chromium', () => {
  let dir: string;
  let browser: Browser;
  let dash: ServedDashboard;
  let runId: string;
  let chainId: string;
  let live: WrittenFixture;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pd-rehearsal-'));
    const run = writeFixtureRun({ runsDir: dir, id: '20261201-100000-double11-fa01', scenario: 'double11', status: 'failed', durationS: 40, links: [{ name: 'order.create', rps: 50, p50Ms: 40, p99BudgetMs: 250, spike: { atS: 10, forS: 22, factor: 8 } }] });
    const summaryPath = join(run.dir, 'summary.json');
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Summary;
    const steadiness = [{ fromS: 0, toS: 40, rate: 50, links: [{ link: 'order.create', rateCv: 0.01, p99Cv: 0.9, steady: false, broken: [{ t: 12, why: 'p99 320 ms, 8× the median 40 ms', fault: 'slow-inventory' }] }] }];
    writeFileSync(summaryPath, JSON.stringify({ ...summary, faults: [FAULT], steadiness }));
    runId = run.id;
    // a double11-shaped run: the hops the reference stack's Server-Timing gives, owners for all but inventory
    const hop = (name: string, p99: number, count: number) => ({ name, p50: p99 / 2, p99, count });
    const chainRun = writeFixtureRun({ runsDir: dir, id: '20261201-110000-double11-ch01', scenario: 'double11', status: 'passed', durationS: 20, links: [{ name: 'item.detail', rps: 30, p50Ms: 5 }, { name: 'order.create', rps: 10, p50Ms: 30 }, { name: 'order.pay', rps: 5, p50Ms: 20 }, { name: 'cart.add', rps: 10, p50Ms: 8 }] });
    const chainPath = join(chainRun.dir, 'summary.json');
    const cs = JSON.parse(readFileSync(chainPath, 'utf8')) as Summary;
    const hopsOf: Record<string, ReturnType<typeof hop>[]> = {
      'item.detail': [hop('catalog', 9, 600), hop('catalog.db', 4, 40), hop('catalog.total', 5, 600), hop('total', 9, 600)],
      'order.create': [hop('order', 50, 200), hop('order.inventory', 30, 200), hop('order.inventory.db', 20, 200), hop('order.cart', 12, 400), hop('order.cart.db', 6, 400), hop('order.db', 9, 200)],
      'order.pay': [hop('payment', 40, 100), hop('payment.order', 11, 200), hop('payment.db', 8, 100), hop('payment.processor', 0.1, 100)],
      'cart.add': [hop('cart', 10, 200), hop('cart.db', 8, 200)],
    };
    const owners = { gateway: { owner: 'team-edge' }, catalog: { owner: 'team-item' }, order: { owner: 'team-trade' }, payment: { owner: 'team-pay' }, cart: { owner: 'team-cart' }, 'catalog.db': { owner: 'dba' }, 'cart.db': { owner: 'dba' }, 'order.db': { owner: 'dba' }, 'inventory.db': { owner: 'dba' }, 'payment.db': { owner: 'dba' }, 'payment.processor': { owner: 'psp' } };
    writeFileSync(chainPath, JSON.stringify({ ...cs, links: cs.links.map((l) => ({ ...l, hops: hopsOf[l.name] ?? [] })), plan: { ...cs.plan, owners } }));
    chainId = chainRun.id;
    // three rounds of one campaign over three weeks: order.create misses p99 in round 1, passes in 2, and its fault does not hold in 3
    const rounds = [
      { id: '20261105-100000-double11-r1a1', p99BudgetMs: 30, faults: [] as FaultRecord[], note: 'round 1: order pool at 40' },
      { id: '20261112-100000-double11-r2b2', p99BudgetMs: 250, faults: [], note: 'inventory pool raised to 80' },
      { id: '20261119-100000-double11-r3c3', p99BudgetMs: 250, faults: [FAULT], note: 'plan #37 to be reworked' },
    ];
    for (const r of rounds) {
      const w = writeFixtureRun({ runsDir: dir, id: r.id, scenario: 'double11', status: 'passed', durationS: 20, links: [{ name: 'order.create', rps: 50, p50Ms: 40, p99BudgetMs: r.p99BudgetMs }, { name: 'cart.add', rps: 80, p50Ms: 10, p99BudgetMs: 250 }] });
      const path = join(w.dir, 'summary.json');
      const rs = JSON.parse(readFileSync(path, 'utf8')) as Summary;
      writeFileSync(path, JSON.stringify({ ...rs, faults: r.faults, plan: { ...rs.plan, campaign: 'double11-2026' } }));
      appendRunNote(w.dir, r.note, 'tpm-li');
    }
    // a drill in progress: 10 seconds written so far, more appended by the test, faults.ndjson not yet there
    const liveId = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15) + '-double11-fl01';
    live = writeFixtureRun({ runsDir: dir, id: liveId, scenario: 'double11', status: 'running', durationS: 600, writeSeconds: 10, startMs: Date.now() - 10_000, links: [{ name: 'order.create', rps: 50, p50Ms: 40 }] });
    browser = await launchChromium();
    dash = await serveDashboard({ runsDir: dir, port: 0 });
  }, 60_000); // chromium starts in seconds on a busy 2-core machine

  afterAll(async () => {
    await dash?.close();
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(new URL(path, dash.url).href, { waitUntil: 'load' });
    // every chart drawn with its data (the client marks <html data-ready="1">); generous for a busy machine
    await page.waitForSelector('html[data-ready="1"]', { state: 'attached', timeout: 15_000 });
    return { page, errors };
  }

  it('marks each fault as a band on the charts and lists its recovery verdict', async () => {
    const { page, errors } = await open(`/runs/${runId}`);
    const row = page.locator('[data-testid="faults"] tr[data-fault="slow-inventory"]');
    expect(await row.innerText()).toContain('plan #37 degrade recommendations');
    expect(await row.innerText()).toContain('did not hold: order.create: p99 back in 12 s, budget 10 s');
    // the band is painted: a pixel inside the fault's seconds, near the top of the plot where no line runs, is orange
    const band = await page.evaluate(() => {
      const canvas = document.querySelector('canvas[data-chart="overview-p99"]') as HTMLCanvasElement;
      const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { scales: { x: { getPixelForValue(v: number): number } }; chartArea: { top: number; bottom: number }; options: { plugins: { pdMarks: { faults: unknown } } } } } }).Chart.getChart(canvas);
      const ctx = canvas.getContext('2d')!;
      const ratio = canvas.width / canvas.getBoundingClientRect().width;
      const px = (x: number, y: number): number[] => [...ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data];
      const y = chart.chartArea.top + (chart.chartArea.bottom - chart.chartArea.top) * 0.02 + 14;
      return { faults: chart.options.plugins.pdMarks.faults, inside: px(chart.scales.x.getPixelForValue(15), y), outside: px(chart.scales.x.getPixelForValue(35), y) };
    });
    expect(band.faults).toEqual([{ name: 'slow-inventory', fromS: 10, toS: 20 }]);
    const [r, g, b] = band.inside;
    expect(r! > b! + 20 && g! > b!).toBe(true); // orange over white: red and green above blue
    expect(band.outside[0]! - band.outside[2]!).toBeLessThan(20);
    expect(errors).toEqual([]);
  }, 60_000);

  it('bands a fault on the live charts while the drill is still running, as faults.ndjson grows', async () => {
    const { page, errors } = await open(`/runs/${live.id}`);
    expect(await page.locator('.badge').innerText()).toContain('LIVE');
    type Band = { name: string; fromS: number; toS: number };
    const bandsNow = (): Promise<{ faults: Band[]; inside: number[] | null }> => page.evaluate(() => {
      const canvas = document.querySelector('canvas[data-chart="overview-p99"]') as HTMLCanvasElement;
      const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { scales: { x: { getPixelForValue(v: number): number } }; chartArea: { top: number; bottom: number }; options: { plugins: { pdMarks: { faults: Band[] } } } } } }).Chart.getChart(canvas);
      const faults = chart.options.plugins.pdMarks.faults;
      if (faults.length === 0) return { faults, inside: null };
      const ratio = canvas.width / canvas.getBoundingClientRect().width;
      const y = chart.chartArea.top + (chart.chartArea.bottom - chart.chartArea.top) * 0.02 + 14;
      const x = chart.scales.x.getPixelForValue(faults[0]!.fromS + 1.5);
      return { faults, inside: [...canvas.getContext('2d')!.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data] };
    });
    expect((await bandsNow()).faults).toEqual([]);
    const event = (e: FaultEvent): void => appendFileSync(join(live.dir, RUN_FILES.faults), JSON.stringify(e) + '\n');
    let t = 10;
    const timer = setInterval(() => { live.appendSeconds(t, t + 1); t++; }, 300);
    try {
      event({ fault: 'slow-inventory', phase: 'inject', atS: 11, ok: true, detail: 'POST http://127.0.0.1:8083/admin/faults' });
      // the band opens at the injection and reaches the latest second while the fault is on
      await page.waitForFunction(() => {
        const c = document.querySelector('canvas[data-chart="overview-p99"]') as HTMLCanvasElement;
        const f = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { options: { plugins: { pdMarks: { faults: Band[] } } } } } }).Chart.getChart(c).options.plugins.pdMarks.faults;
        return f.length === 1 && f[0]!.toS >= 15;
      }, undefined, { timeout: 30_000 });
      const on = await bandsNow();
      expect(on.faults[0]).toMatchObject({ name: 'slow-inventory', fromS: 11 });
      const [r, g, b] = on.inside!;
      expect(r! > b! + 20 && g! > b!, `pixel ${on.inside}`).toBe(true); // painted orange, while the run is live
      expect(await page.locator('.badge').innerText()).toContain('LIVE');
      // undone: the band closes at the undo second
      event({ fault: 'slow-inventory', phase: 'undo', atS: 16, ok: true, detail: 'DELETE http://127.0.0.1:8083/admin/faults' });
      await page.waitForFunction(() => {
        const c = document.querySelector('canvas[data-chart="overview-p99"]') as HTMLCanvasElement;
        const f = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { options: { plugins: { pdMarks: { faults: Band[] } } } } } }).Chart.getChart(c).options.plugins.pdMarks.faults;
        return f.length === 1 && f[0]!.toS === 16;
      }, undefined, { timeout: 30_000 });
    } finally {
      clearInterval(timer);
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('marks a live change on every time chart as control.ndjson grows, once each, its fields as text', async () => {
    const id = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15) + '-double11-ct01';
    const steered = writeFixtureRun({ runsDir: dir, id, scenario: 'double11', status: 'running', durationS: 600, writeSeconds: 8, startMs: Date.now() - 8_000, links: [{ name: 'order.create', rps: 50, p50Ms: 40 }] });
    const change = (atS: number, command: Record<string, unknown>, level: number | undefined, who: string): void =>
      appendFileSync(join(steered.dir, RUN_FILES.control), JSON.stringify({ at: new Date().toISOString(), requestedAt: new Date().toISOString(), atS, who, via: 'cli', command, ...(level !== undefined ? { level } : {}), unit: 'journeys/s' }) + '\n');
    // one change before the page opens (inline data), the rest while it is open (the stream)
    change(3, { command: 'rate', value: 80 }, 80, 'ops');
    const { page, errors } = await open(`/runs/${id}`);
    type Mark = { atS: number; command: string; level?: number };
    const marksNow = (): Promise<Mark[][]> => page.evaluate(() => {
      const canvases = [...document.querySelectorAll('canvas[data-chart="overview-rps"], canvas[data-chart="overview-p99"], canvas[data-chart="rps"], canvas[data-chart="latency"], canvas[data-chart="outcomes"]')] as HTMLCanvasElement[];
      const C = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { options: { plugins: { pdMarks: { changes: Mark[] } } } } } }).Chart;
      return canvases.map((c) => C.getChart(c).options.plugins.pdMarks.changes.map((m) => ({ atS: m.atS, command: m.command, ...(m.level !== undefined ? { level: m.level } : {}) })));
    });
    await page.evaluate(() => { (window as unknown as { __pdSamePage?: number }).__pdSamePage = 1; });
    const initial = await marksNow();
    expect(initial).toHaveLength(5);
    for (const m of initial) expect(m).toEqual([{ atS: 3, command: 'rate', level: 80 }]);
    let t = 8;
    const timer = setInterval(() => { steered.appendSeconds(t, t + 1); t++; }, 300);
    const hostile = '<img src=x onerror="window.__pdPwned=1">';
    try {
      change(9.5, { command: 'hold' }, 80, hostile);
      change(10.25, { command: hostile }, undefined, hostile);
      const expected: Mark[] = [{ atS: 3, command: 'rate', level: 80 }, { atS: 9.5, command: 'hold', level: 80 }, { atS: 10.25, command: hostile }];
      await page.waitForFunction((n) => {
        const cs = [...document.querySelectorAll('canvas[data-chart="overview-rps"], canvas[data-chart="latency"]')] as HTMLCanvasElement[];
        const C = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { options: { plugins: { pdMarks: { changes: unknown[] } } } } } }).Chart;
        return cs.every((c) => C.getChart(c).options.plugins.pdMarks.changes.length >= n);
      }, expected.length, { timeout: 30_000 });
      // two more seconds through the stream: the change the page already had is never added twice
      const xMax = (): Promise<number> => page.evaluate(() => {
        const c = document.querySelector('canvas[data-chart="overview-rps"]') as HTMLCanvasElement;
        return (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { options: { scales: { x: { max: number } } } } } }).Chart.getChart(c).options.scales.x.max;
      });
      const seen = await xMax();
      await page.waitForFunction((from) => {
        const c = document.querySelector('canvas[data-chart="overview-rps"]') as HTMLCanvasElement;
        return (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { options: { scales: { x: { max: number } } } } } }).Chart.getChart(c).options.scales.x.max >= from + 2;
      }, seen, { timeout: 30_000 });
      for (const m of await marksNow()) expect(m).toEqual(expected);
      expect(await page.evaluate(() => (window as unknown as { __pdPwned?: number }).__pdPwned)).toBeUndefined();
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pdSamePage?: number }).__pdSamePage)).toBe(1); // no reload
    } finally {
      clearInterval(timer);
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('shows each hold stage\'s steadiness and ticks the seconds that broke it', async () => {
    const { page, errors } = await open(`/runs/${runId}`);
    const row = page.locator('[data-testid="steadiness"] tr[data-steadiness="order.create"]');
    expect(await row.innerText()).toMatch(/unsteady[\s\S]*s 12: p99 320 ms, 8× the median 40 ms \(fault slow-inventory\)/);
    const broken = await page.evaluate(() => {
      const canvas = document.querySelector('canvas[data-chart="overview-p99"]') as HTMLCanvasElement;
      return (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { options: { plugins: { pdMarks: { broken: unknown } } } } } }).Chart.getChart(canvas).options.plugins.pdMarks.broken;
    });
    expect(broken).toEqual([12]);
    expect(errors).toEqual([]);
  }, 60_000);

  it('draws the chain map: the six services, their hops, and the hop missing from owners', async () => {
    const { page, errors } = await open(`/runs/${chainId}`);
    const map = page.locator('[data-testid="chain"]');
    const services = await map.locator('g.chain-node[data-kind="service"], g.chain-node[data-kind="entry"]').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-node')));
    expect(services.sort()).toEqual(['cart', 'catalog', 'gateway', 'inventory', 'order', 'payment']);
    expect(await map.locator('path[data-edge="order>inventory"]').count()).toBe(1);
    expect(await map.locator('path[data-edge="payment>order"]').count()).toBe(1);
    expect(await map.locator('g.chain-node[data-node="inventory"]').getAttribute('data-flags')).toBe('no-owner');
    expect(await map.locator('g.chain-node.flagged').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-node')))).toEqual(['inventory']);
    expect(await page.locator('[data-testid="chain-flags"]').innerText()).toContain('inventory: no owner (links: order.create)');
    // drawn, not just present: every box has a size on the page
    const box = await map.locator('g.chain-node[data-node="inventory"] rect').boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    expect(errors).toEqual([]);
  }, 60_000);

  it('answers on one campaign page which links are ready for the peak, over three rounds, with notes', async () => {
    const { page, errors } = await open('/campaigns/double11-2026');
    expect(await page.locator('[data-testid="ready-count"]').innerText()).toBe('1 of 2 links ready for the peak');
    const cart = page.locator('[data-testid="readiness"] tr[data-link="cart.add"]');
    expect(await cart.getAttribute('data-ready')).toBe('yes');
    expect(await cart.innerText()).toContain('every budget met, headroom');
    const order = page.locator('[data-testid="readiness"] tr[data-link="order.create"]');
    expect(await order.getAttribute('data-ready')).toBe('no');
    expect(await order.innerText()).toContain('plan #37 (degrade recommendations) did not hold');
    expect(await order.locator('td[data-round]').count()).toBe(3);
    const rows = page.locator('[data-testid="rounds"] tr[data-run]');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run')))).toEqual(['20261105-100000-double11-r1a1', '20261112-100000-double11-r2b2', '20261119-100000-double11-r3c3']);
    expect(await rows.nth(0).locator('td.bad').innerText()).toContain('target 50'); // round 1 missed its p99 budget
    expect(await rows.nth(1).innerText()).toContain('“inventory pool raised to 80” — tpm-li');
    expect(await rows.nth(2).innerText()).toContain('faults held 0/1');
    // the run page shows its notes and links back to the campaign
    await page.locator('[data-testid="rounds"] tr[data-run="20261112-100000-double11-r2b2"] a').click();
    await page.waitForSelector('html[data-ready="1"]', { state: 'attached', timeout: 15_000 }); // the run page's charts drawn
    expect(await page.locator('[data-testid="run-notes"]').innerText()).toContain('inventory pool raised to 80');
    expect(await page.locator('[data-testid="run-notes"] a[href="/campaigns/double11-2026"]').count()).toBe(1);
    expect(errors).toEqual([]);
    const missing = await page.goto(new URL('/campaigns/no-such-campaign', dash.url).href);
    expect(missing!.status()).toBe(404);
  }, 60_000);
});
