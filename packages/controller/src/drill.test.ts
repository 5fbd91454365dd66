import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { quickPlan, readHlog, type Summary, type TimeseriesLine } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { Drill } from './drill.js';

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

const tmp = (): string => mkdtempSync(join(tmpdir(), 'peakdrill-drill-'));

function readRun(dir: string): { summary: Summary; lines: TimeseriesLine[] } {
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
  const lines = readFileSync(join(dir, 'timeseries.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TimeseriesLine);
  return { summary, lines };
}

// real drills of 3 s with worker threads booting and warming up: longer than vitest's default 5 s on a busy machine
describe('a drill over worker threads', { timeout: 30_000 }, () => {
  it('merges two workers exactly: summary count = target count = plan, one line per second', async () => {
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/hello`, rate: 300, durationMs: 3000 });
    plan.shadow.enabled = false;
    const drill = new Drill({ plan, outDir: tmp(), workers: 2 });
    const result = await drill.run();
    const { summary, lines } = readRun(result.dir);
    expect(result.exitCode).toBe(0);
    expect(summary.status).toBe('passed');
    expect(summary.links).toHaveLength(1);
    expect(summary.links[0]!.count).toBe(900);
    expect(target.received).toBe(900);
    expect(summary.links[0]!.rps).toBeCloseTo(300, 0);
    expect(summary.peakRps).toBeGreaterThanOrEqual(297);
    expect(summary.peakRps).toBeLessThanOrEqual(303);
    expect(summary.latencyFrom).toBe('scheduled');
    const seconds = lines.filter((l) => l.t < 3);
    expect(seconds.map((l) => l.t)).toEqual([0, 1, 2]);
    for (const l of seconds) {
      expect(l.planned).toBe(300);
      expect(Math.abs(l.count - 300)).toBeLessThanOrEqual(3);
    }
    // the interval log holds the same requests, tagged by link
    const intervals = readHlog(join(result.dir, 'histograms.hlog')).filter((i) => i.tag === 'GET /hello');
    expect(intervals.reduce((a, i) => a + i.histogram.totalCount, 0)).toBe(900);
  });

  it('stops on request: status aborted, the seconds already run are kept', async () => {
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, rate: 200, durationMs: 20_000 });
    plan.shadow.enabled = false;
    const drill = new Drill({ plan, outDir: tmp(), workers: 1 });
    setTimeout(() => drill.stop('SIGINT'), 2500);
    const t0 = Date.now();
    const result = await drill.run();
    expect(Date.now() - t0).toBeLessThan(5000);
    const { summary, lines } = readRun(result.dir);
    expect(result.exitCode).toBe(3);
    expect(summary.status).toBe('aborted');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(summary.links[0]!.count).toBe(target.received);
  });
});
