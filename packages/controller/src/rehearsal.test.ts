import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HlogFile, newHistogram, recordMicros } from '@peakdrill/core';
import { stagePools } from './rehearsal.js';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-rehearsal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stagePools', () => {
  it("merges each link's own seconds of a stage from the interval log, not its service or hop tags", () => {
    const path = join(dir, 'histograms.hlog');
    const startMs = Date.UTC(2026, 11, 3);
    const log = new HlogFile(path, startMs);
    for (let t = 0; t < 6; t++) {
      const h = (ms: number, n: number) => {
        const x = newHistogram();
        for (let i = 0; i < n; i++) recordMicros(x, ms * 1000);
        return x;
      };
      const at = { fromMs: startMs + t * 1000, toMs: startMs + (t + 1) * 1000 };
      log.append([
        { tag: 'GET /a', ...at, histogram: h(t < 3 ? 10 : 40, 2) },
        { tag: 'GET /a|service', ...at, histogram: h(5, 9) },
        { tag: 'GET /a|hop:db', ...at, histogram: h(1, 9) },
      ]);
    }
    const pools = stagePools(path, new Set(['GET /a']));
    const late = pools(3, 6);
    expect([...late.keys()]).toEqual(['GET /a']);
    // the top of the HDR bucket, as a per-second p99 reports it (0.1% precision)
    expect(late.get('GET /a')!.cdf).toEqual([1]);
    expect(Math.abs(late.get('GET /a')!.valuesMs[0]! - 40)).toBeLessThan(0.05);
    const all = pools(0, 6).get('GET /a')!;
    expect(all.valuesMs.length).toBe(2);
    expect(all.cdf[0]).toBeCloseTo(0.5, 9);
    expect(stagePools(join(dir, 'missing.hlog'), new Set(['GET /a']))(0, 6).size).toBe(0);
  });
});
