// `peakdrill run --metrics`: the endpoint lives as long as the drill, and a scraper that was
// reading it gets the final figures (equal to summary.json) before it closes.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { startPeakdrill } from './spawn.fixture.js';

const PROMTOOL = '/usr/bin/promtool';
if (!existsSync(PROMTOOL) && process.env.CI === 'true') throw new Error(`CI=true but ${PROMTOOL} is missing: apt-get install prometheus (see .ci/run)`);

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

describe('peakdrill run --metrics', () => {
  it(
    'serves /metrics during the run; the last scrape holds the final counts of summary.json; promtool clean',
    async () => {
      target = await startTarget();
      const out = mkdtempSync(join(tmpdir(), 'peakdrill-metrics-'));
      const run = startPeakdrill(['run', '--url', `${target.url}/m`, '--rate', '100', '--duration', '3s', '--workers', '1', '--out', out, '--json', '--metrics', '127.0.0.1:0']);
      const url = (await run.waitFor(/metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/, 60_000))[1]!;
      // scrape like Prometheus would, every 500 ms, until the endpoint goes away with the run
      let last = '';
      let scrapes = 0;
      let exitedAt = 0;
      void run.exited.then(() => (exitedAt = Date.now()));
      while (exitedAt === 0) {
        const text = await fetch(url).then((r) => r.text(), () => null);
        if (text === null) break;
        last = text;
        scrapes++;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(await run.exited).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(scrapes).toBeGreaterThan(2);
      expect(last).toMatch(/^peakdrill_drill_running 0$/m);
      const ok = Number(/^peakdrill_requests_total\{link="GET \/m",outcome="ok"\} (\d+)$/m.exec(last)?.[1]);
      expect(ok).toBe(summary.links[0].count);
      expect(ok).toBe(target.received);
      expect(last).toContain(`run_id="${summary.id}"`);
      if (existsSync(PROMTOOL)) {
        const lint = spawnSync(PROMTOOL, ['check', 'metrics'], { input: last, encoding: 'utf8' });
        expect(`${lint.stdout}${lint.stderr}`).toBe('');
      }
    },
    // a 3 s drill plus start-up on a busy machine
    90_000,
  );

  it('--otlp with another scheme is one clear error, exit 2', async () => {
    const run = startPeakdrill(['run', '--url', 'http://127.0.0.1:9/', '--rate', '10', '--duration', '1s', '--otlp', 'grpc://127.0.0.1:4317']);
    expect(await run.exited).toBe(2);
    expect(run.stderr).toMatch(/--otlp takes an http\(s\) URL/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }, 30_000);

  it('a bad address is one clear error, exit 2', async () => {
    const run = startPeakdrill(['run', '--url', 'http://127.0.0.1:9/', '--rate', '10', '--duration', '1s', '--metrics', 'nowhere:99999']);
    expect(await run.exited).toBe(2);
    expect(run.stderr).toMatch(/--metrics takes host:port/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }, 30_000);
});
