/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// End-to-end in a real browser: Debian's chromium driven by playwright-core, against the
// dashboard on a real socket (127.0.0.1, port 0) over fixture run folders.
// Screenshots: test-artifacts/screenshots/ (look at them).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { serveDashboard, type ServedDashboard } from './serve.js';
import { renderReport } from './report.js';
import { writeFixtureRun, writeStandardRuns, XSS_NAME, type WrittenFixture } from './runs.fixture.js';
import { browserSuite, launchChromium } from './chromium.fixture.js';

const SHOTS = resolve(fileURLToPath(new URL('../../../test-artifacts/screenshots/', import.meta.url)));

// Chromium's start and first paint take seconds on a busy 2-core machine: each test (and the
// launch in beforeAll) gets two minutes, far above what it needs, instead of vitest's 5 s.
browserSuite('dashboard in chromium', { timeout: 120_000 }, () => {
  let dir: string;
  let browser: Browser;
  let dash: ServedDashboard;
  let runs: ReturnType<typeof writeStandardRuns>;
  let live: WrittenFixture;
  const TOKEN = 'e2e-token-0123456789abcdef';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'pd-e2e-'));
    runs = writeStandardRuns(dir);
    const id = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15) + '-double11-live';
    live = writeFixtureRun({ runsDir: dir, id, scenario: 'double11', status: 'running', durationS: 600, writeSeconds: 20, startMs: Date.now() - 20_000, links: [{ name: 'catalog.item', rps: 300, p50Ms: 20 }, { name: 'order.create', rps: 80, p50Ms: 70 }] });
    browser = await launchChromium();
    dash = await serveDashboard({ runsDir: dir, port: 0 });
  }, 120_000);

  afterAll(async () => {
    await dash?.close();
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(path: string, width = 1400, height = 900): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width, height } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(new URL(path, dash.url).href, { waitUntil: 'load' });
    return { page, errors };
  }

  /** Every chart drawn with its data (the client marks <html data-ready="1">). */
  async function settled(page: Page): Promise<void> {
    await page.waitForSelector('html[data-ready="1"]', { state: 'attached', timeout: 60_000 });
  }

  async function drawnCharts(page: Page): Promise<{ total: number; drawn: number }> {
    return page.evaluate(() => {
      const all = [...document.querySelectorAll('canvas')];
      const drawn = all.filter((c) => {
        const ctx = c.getContext('2d');
        if (!ctx || !c.width || !c.height) return false;
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i]) return true;
        return false;
      }).length;
      return { total: all.length, drawn };
    });
  }

  it('lists the runs newest first, live marked', async () => {
    const { page, errors } = await open('/');
    const ids = await page.locator('tr[data-run]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));
    expect(ids).toEqual([live.id, runs.aborted.id, runs.failed.id, runs.passed.id]);
    expect(await page.locator(`tr[data-run="${live.id}"]`).getAttribute('data-status')).toBe('live');
    expect(await page.locator(`tr[data-run="${runs.failed.id}"]`).getAttribute('data-status')).toBe('failed');
    await page.screenshot({ path: join(SHOTS, 'runs-list.png'), fullPage: true });
    await page.selectOption('select[name="status"]', 'failed');
    await page.waitForURL(/status=failed/);
    expect(await page.locator('tr[data-run]').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws every chart of a run, shows the failed budget as failed, and the XSS name as text', async () => {
    const { page, errors } = await open(`/runs/${runs.failed.id}`);
    await settled(page);
    const { total, drawn } = await drawnCharts(page);
    expect(total).toBeGreaterThanOrEqual(4 * 4 + 2);
    expect(drawn).toBe(total);
    // the target's side (observe:): one chart per source, drawn beside ours
    expect(await page.locator('[data-testid="observe"] canvas[data-chart="observe"]').count()).toBe(2);
    // with its data: the gateway's shed counter as per-second increases (40/s during the spike)
    const shed = await page.evaluate(() => {
      const canvas = document.querySelector('[data-testid="observe"] canvas[data-chart="observe"]') as HTMLCanvasElement;
      const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { data: { x: number; y: number | null }[] }[] } } } }).Chart.getChart(canvas);
      return chart.data.datasets[0]!.data.filter((p) => Number.isFinite(p.x) && p.y !== null).map((p) => p.y as number);
    });
    expect(shed.length).toBe(179);
    expect(Math.max(...shed)).toBe(40);
    await page.locator('[data-testid="observe"]').screenshot({ path: join(SHOTS, 'run-observe.png') });
    const row = page.locator('tr[data-link="order.create"]');
    expect(await row.getAttribute('data-verdict')).toBe('failed');
    expect(await row.locator('[data-budget="failed"]').count()).toBeGreaterThan(0);
    expect(await page.locator('.badge').innerText()).toContain('FAILED');
    // the XSS name is shown as text, and no script of it ran
    expect(await page.locator('h3', { hasText: XSS_NAME }).count()).toBe(1);
    expect(await page.evaluate(() => document.querySelectorAll('script:not([src]):not([type])').length)).toBe(0);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'run-failed.png'), fullPage: true });
    await page.locator('[data-link-section="order.create"]').screenshot({ path: join(SHOTS, 'run-failed-link.png') });
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.screenshot({ path: join(SHOTS, 'run-failed-top.png') });
    await page.close();
    const p2 = await open(`/runs/${runs.aborted.id}`);
    await settled(p2.page);
    expect(await p2.page.locator('[data-testid="abort"]').innerText()).toContain('error rate 27%');
    await p2.page.screenshot({ path: join(SHOTS, 'run-aborted.png'), fullPage: true });
    await p2.page.close();
  });

  it('reads well on a wall screen: the verdict above the fold, the width used, no scrolling sideways', async () => {
    const { page, errors } = await open(`/runs/${runs.passed.id}`, 2560, 1440);
    await settled(page);
    const layout = await page.evaluate(() => {
      const box = (sel: string) => document.querySelector(sel)?.getBoundingClientRect() ?? null;
      const table = document.querySelector('tr[data-link]')?.closest('table') ?? null;
      const fonts = [...(table?.querySelectorAll('td') ?? [])].map((td) => parseFloat(getComputedStyle(td).fontSize));
      const canvases = [...document.querySelectorAll('canvas')].map((c) => c.getBoundingClientRect());
      return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        innerHeight: window.innerHeight,
        badge: box('.badge'),
        table: table?.getBoundingClientRect() ?? null,
        smallestTableFont: Math.min(...fonts),
        firstChartsAboveFold: canvases.filter((r) => r.bottom <= window.innerHeight && r.width >= 600).length,
      };
    });
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
    expect(layout.badge!.bottom).toBeLessThanOrEqual(layout.innerHeight);
    // the whole verdict table is on the first screen, and it spans most of the width
    expect(layout.table!.bottom).toBeLessThanOrEqual(layout.innerHeight);
    expect(layout.table!.width).toBeGreaterThan(layout.innerWidth * 0.8);
    expect(layout.smallestTableFont).toBeGreaterThanOrEqual(12);
    // the overview charts are on the first screen too, each wide enough to read across a room
    expect(layout.firstChartsAboveFold).toBeGreaterThanOrEqual(2);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'run-passed-wall.png') });
    await page.close();
  });

  it('grows the live figures while seconds are appended', async () => {
    const { page, errors } = await open(`/runs/${live.id}`);
    expect(await page.locator('.badge').innerText()).toContain('LIVE');
    const read = async () => Number((await page.locator('[data-kpi="requests"]').innerText()).replace(/[^0-9]/g, ''));
    const before = await read();
    let t = 20;
    const timer = setInterval(() => { live.appendSeconds(t, t + 1); t++; }, 300);
    try {
      await page.waitForFunction((b) => Number((document.querySelector('[data-kpi="requests"]')?.textContent ?? '').replace(/[^0-9]/g, '')) > b + 1000, before, { timeout: 60_000 });
    } finally {
      clearInterval(timer);
    }
    expect(await read()).toBeGreaterThan(before);
    expect(await page.locator('[data-kpi="duration"]').innerText()).toContain('so far');
    await page.screenshot({ path: join(SHOTS, 'run-live.png'), fullPage: true });
    live.finish('passed');
    await page.waitForFunction(() => document.querySelector('.badge')?.textContent?.includes('PASSED'), undefined, { timeout: 60_000 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('compares two runs side by side', async () => {
    const { page, errors } = await open('/');
    await page.check(`input[value="${runs.passed.id}"]`);
    await page.check(`input[value="${runs.failed.id}"]`);
    await page.click('[data-action="compare"]');
    await page.waitForURL(/\/compare/);
    await settled(page);
    expect(await page.locator('[data-side="Base run"]').innerText()).toContain(runs.passed.id);
    expect(await page.locator('[data-side="New run"]').innerText()).toContain(runs.failed.id);
    expect(await page.locator('tr[data-link="order.create"][data-metric="p99"] [data-change="worse"]').count()).toBe(1);
    const { total, drawn } = await drawnCharts(page);
    expect(drawn).toBe(total);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });
    await page.close();
  });

  it('opens the report from disk with no network and draws its charts', async () => {
    const file = join(dir, 'report-failed.html');
    writeFileSync(file, renderReport(runs.failed.dir));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url()); });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); }); // CSP refusals land here
    await page.goto('file://' + file);
    await settled(page);
    const { total, drawn } = await drawnCharts(page);
    expect(drawn).toBe(total);
    expect(await page.locator('[data-testid="observe"] canvas[data-chart="observe"]').count()).toBe(2);
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'report.png'), fullPage: true });
    await page.close();
  });

  it("runs only the report's own inline scripts and styles: injected ones are refused by its hashes", async () => {
    const file = join(dir, 'report-injected.html');
    const injected = '<script>window.pdInjected = true</script><style>body { background: rgb(255, 0, 0) }</style>';
    writeFileSync(file, renderReport(runs.failed.dir).replace('<main>', `<main>${injected}`));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const refused: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/.test(m.text())) refused.push(m.text()); });
    await page.goto('file://' + file);
    await settled(page);
    const { total, drawn } = await drawnCharts(page);
    expect(drawn).toBe(total); // the report's own scripts still run
    expect(await page.evaluate(() => (window as unknown as { pdInjected?: boolean }).pdInjected)).toBeUndefined();
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe('rgb(255, 0, 0)');
    expect(refused.length).toBeGreaterThanOrEqual(2);
    await page.close();
  });

  it('enforces the token', async () => {
    const guarded = await serveDashboard({ runsDir: dir, port: 0, host: '127.0.0.1', token: TOKEN });
    try {
      const page = await browser.newPage();
      const denied = await page.goto(guarded.url);
      expect(denied?.status()).toBe(401);
      const ok = await page.goto(`${guarded.url}?token=${TOKEN}`);
      expect(ok?.status()).toBe(200);
      expect(page.url()).not.toContain('token=');
      expect(await page.locator('tr[data-run]').count()).toBe(4);
      await page.goto(new URL(`/runs/${runs.passed.id}`, guarded.url).href);
      await settled(page);
      const { total, drawn } = await drawnCharts(page);
      expect(drawn).toBe(total);
      await page.close();
    } finally {
      await guarded.close();
    }
  });
});
