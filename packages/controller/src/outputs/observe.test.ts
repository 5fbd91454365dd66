// `observe:` during a real drill: the target serves its own /metrics (a counter of what it
// answered); the drill scrapes it each second into observe.ndjson beside its own figures.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { quickPlan, type ObserveLine } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { Drill } from '../drill.js';

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

describe('observe: the target\'s metrics beside the drill', () => {
  it(
    'scrapes each source once per drill second; values follow the target; a missing series is null',
    async () => {
      target = await startTarget();
      const t = target;
      t.handler = (req, res) => {
        if (!req.url?.startsWith('/metrics')) return false;
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(`# TYPE demo_requests_total counter\ndemo_requests_total{service="gw"} ${t.byPath.get('/x') ?? 0}\ndemo_requests_total{service="other"} 1000000\n`);
        return true;
      };
      const plan = quickPlan({ url: `${t.url}/x`, rate: 100, durationMs: 4000 });
      plan.shadow.enabled = false;
      plan.observe = [{ name: 'gw', url: `${t.url}/metrics`, series: ['demo_requests_total{service="gw"}', 'demo_missing'] }];
      const result = await new Drill({ plan, outDir: mkdtempSync(join(tmpdir(), 'peakdrill-observe-')), workers: 1 }).run();
      const lines = readFileSync(join(result.dir, 'observe.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ObserveLine);
      expect(lines.length).toBeGreaterThanOrEqual(4);
      expect(lines.map((l) => l.t)).toEqual(lines.map((_, i) => i));
      expect(lines.every((l) => l.ok && l.source === 'gw')).toBe(true);
      const seen = lines.map((l) => l.values['demo_requests_total{service="gw"}']!);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
      // one second's scrape lags the drill by less than a second: at 100/s, second 3 has seen well over 200
      expect(seen[3]!).toBeGreaterThan(200);
      expect(seen.at(-1)!).toBeLessThanOrEqual(result.summary.links[0]!.count);
      expect(lines.every((l) => l.values.demo_missing === null)).toBe(true);
      // scrapes of the target's /metrics are not drill traffic
      expect(result.summary.links[0]!.count).toBe(t.byPath.get('/x'));
    },
    // a 4 s drill on a busy 2-core machine
    60_000,
  );
});
