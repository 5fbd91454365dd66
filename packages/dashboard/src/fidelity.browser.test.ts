/// <reference lib="dom" />
// A replay run's fidelity in a real browser (Debian's chromium via playwright-core, the
// dashboard on 127.0.0.1 port 0, a fixture run folder with the fidelity.json a replay writes),
// and in the self-contained report: per second recorded ÷ speed vs sent, the mix per link.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { RUN_FILES, secondsFidelity, type Fidelity, type Summary } from '@peakdrill/core';
import { renderReport } from './report.js';
import { serveDashboard, type ServedDashboard } from './serve.js';
import { writeFixtureRun, XSS_NAME } from './runs.fixture.js';
import { browserSuite, launchChromium } from './chromium.fixture.js';


// second 3 is the worst after the first: 8 sent of 10 recorded (20% off); second 0 (start-up) is worse but not judged
const RECORDED = [10, 40, 60, 10, 30];
const SENT = [5, 40, 59, 8, 30];

browserSuite('a replay run\'s fidelity in chromium', { timeout: 120_000 }, () => {
  let dir: string;
  let runDir: string;
  let browser: Browser;
  let dash: ServedDashboard;
  const id = '20261202-100000-replay-fd01';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pd-fidelity-'));
    const run = writeFixtureRun({ runsDir: dir, id, scenario: 'replay of access.log', status: 'passed', durationS: 5, links: [{ name: 'GET /api/items/:item_id', rps: 30, p50Ms: 5 }, { name: XSS_NAME, rps: 10, p50Ms: 5 }] });
    runDir = run.dir;
    const summaryPath = join(run.dir, RUN_FILES.summary);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Summary;
    writeFileSync(summaryPath, JSON.stringify({ ...summary, model: 'replay' }));
    const fidelity: Fidelity = {
      links: [{ name: 'GET /api/items/:item_id', recordedShare: 0.75, generatedShare: 0.7512 }, { name: XSS_NAME, recordedShare: 0.25, generatedShare: 0.2488 }],
      gaps: { recorded: { p50Ms: 25, p99Ms: 400 }, generated: { p50Ms: 12.5, p99Ms: 200 }, note: `generated = scheduled (recorded ÷ 2) ${XSS_NAME}` },
      keys: [],
      ...secondsFidelity(RECORDED, SENT),
    };
    writeFileSync(join(run.dir, RUN_FILES.fidelity), JSON.stringify(fidelity));
    browser = await launchChromium();
    dash = await serveDashboard({ runsDir: dir, port: 0 });
  }, 120_000);

  afterAll(async () => {
    await dash?.close();
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the run page shows how closely the replay followed its recording, per second and per link, names escaped', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const dialogs: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    await page.goto(new URL(`/runs/${id}`, dash.url).href, { waitUntil: 'load' });
    const section = page.getByTestId('fidelity');
    await section.waitFor({ state: 'visible', timeout: 60_000 });
    expect(await page.getByText('replay of a recording').count()).toBe(1);
    expect(await page.getByTestId('fidelity-worst').innerText()).toBe('Worst second after the first: 20% off (second 3: 10 recorded ÷ speed, 8 sent).');
    const rows = page.getByTestId('fidelity-seconds').locator('tbody tr');
    expect(await rows.count()).toBe(5);
    expect(await rows.nth(0).innerText()).toMatch(/^0\s+10\s+5\s+50%$/);
    expect(await page.locator('tr.failed-row[data-second="3"]').count()).toBe(1);
    expect(await page.locator(`[data-fidelity-link="${XSS_NAME}"]`).innerText()).toMatch(/25%\s+24\.9%\s+-0\.12 pp/);
    expect(await section.innerText()).toContain(`scheduled p50 12.5 ms, p99 200 ms (generated = scheduled (recorded ÷ 2) ${XSS_NAME})`);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('the self-contained report carries the same section, every name escaped', () => {
    const report = renderReport(runDir);
    const section = report.slice(report.indexOf('data-testid="fidelity"'));
    expect(section).toContain('Worst second after the first: <b>20%</b> off (second 3: 10 recorded ÷ speed, 8 sent).');
    expect(section).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(section.slice(0, section.indexOf('</section>'))).not.toContain(XSS_NAME);
  });
});
