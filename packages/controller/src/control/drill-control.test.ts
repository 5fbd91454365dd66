// Live control of a closed-model drill: `rate N` sets the virtual users; the VU count follows
// the new stages from the next tick, and the run files say what ran.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { quickPlan, type TimeseriesLine } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { Drill } from '../drill.js';
import type { ControlRecord } from './drill-control.js';

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

describe('live control of the closed model', () => {
  it(
    'rate 6 triples 2 virtual users: the per-second counts follow, the summary plan holds the change',
    async () => {
      // every answer takes 50 ms, so one VU sends about 20 requests a second
      target = await startTarget({ mode: 'slow', slowMs: 50 });
      const plan = quickPlan({ url: `${target.url}/vu`, connections: 2, durationMs: 6_000 });
      plan.shadow.enabled = false;
      plan.http.connections = 10; // room for the added VUs: none waits for a connection
      let record: ControlRecord | null = null;
      const drill = new Drill({
        plan,
        outDir: mkdtempSync(join(tmpdir(), 'peakdrill-vus-')),
        workers: 1,
        onSecond: (s, d) => {
          if (s.t === 1 && !record) record = d.control({ command: 'rate', value: 6 }, 'test', 'api');
        },
      });
      const result = await drill.run();
      expect(record).not.toBeNull();
      expect(record!.unit).toBe('VUs');
      expect(record!.level).toBe(6);
      const lines = readFileSync(join(result.dir, 'timeseries.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TimeseriesLine);
      const at = (t: number): number => lines.find((l) => l.t === t)?.count ?? 0;
      const before = at(0) + at(1);
      const after = [...lines.filter((l) => l.t > record!.atS + 1 && l.t < 6)];
      expect(after.length).toBeGreaterThanOrEqual(2);
      const perSecondAfter = after.reduce((a, l) => a + l.count, 0) / after.length;
      // 2 VUs → 6 VUs: about three times the requests per second (the 50 ms answer bounds each VU)
      expect(perSecondAfter / (before / 2)).toBeGreaterThan(2.4);
      expect(perSecondAfter / (before / 2)).toBeLessThan(3.6);
      expect(result.summary.plan.load.stages.at(-1)).toMatchObject({ target: 6 });
      expect(result.summary.links[0]!.count).toBe(target.received);
      expect(readFileSync(join(result.dir, 'control.ndjson'), 'utf8')).toContain('"via":"api"');
    },
    // a 6 s drill on a busy 2-core machine
    60_000,
  );
});
