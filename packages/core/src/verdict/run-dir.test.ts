import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError } from '../errors.js';
import type { TimeseriesLine } from '../runfiles/summary.js';
import { RunDirWriter } from '../runfiles/write.js';
import { rebuildVerdictsFromRunDir } from './run-dir.js';
import type { LinkSecond } from './seconds.js';
import { computeVerdicts } from './verdicts.js';
import { hist, makePlan, makeSummary, makeLink, outcomes, rampHold } from './verdict.fixture.js';

const root = mkdtempSync(join(tmpdir(), 'peakdrill-verdict-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const plan = makePlan(rampHold(100, 5, 20, 5), {
  'order.create': {
    rps: 100,
    budgets: [
      { kind: 'latency', percentile: 'p99', maxMs: 250 },
      { kind: 'errorRate', max: 0.01 },
      { kind: 'latency', percentile: 'p99', maxMs: 20, hop: 'db' },
    ],
  },
});

/** Writes a 30 s run (5 s ramp with 4 s latencies, 20 s hold, 5 s down) the way the controller does. */
function writeRun(id: string): LinkSecond[] {
  const startMs = Date.UTC(2026, 10, 23, 10, 30, 0);
  const w = new RunDirWriter(root, id, startMs);
  const seconds: LinkSecond[] = [];
  for (let t = 0; t < 30; t++) {
    const hold = t >= 5 && t < 25;
    const o = outcomes(hold ? { ok: 97, shed: 2, timeout: 1 } : { ok: 40, http_5xx: 10 });
    const latency = hold ? hist([80, 97], [300, 3]) : hist([4000, 50]);
    const db = hist([hold ? 12 : 900, hold ? 100 : 50]);
    const service = hist([1, 1]);
    const count = hold ? 100 : 50;
    const errors = hold ? 1 : 10;
    const line: TimeseriesLine = {
      t, ts: startMs + t * 1000, link: 'order.create', planned: 100, count, errors, shed: o.shed,
      outcomes: Object.fromEntries(Object.entries(o).filter(([, n]) => n > 0)), rps: count,
      latencyMs: { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 }, inFlight: 0,
    };
    // a few ms of timer drift on the interval boundaries must not move a second
    const fromMs = startMs + t * 1000 + (t % 2 ? 3 : -2);
    w.appendSecond([line], [
      { tag: 'order.create', fromMs, toMs: fromMs + 1000, histogram: latency },
      { tag: 'order.create|hop:db', fromMs, toMs: fromMs + 1000, histogram: db },
      { tag: 'order.create|service', fromMs, toMs: fromMs + 1000, histogram: service },
    ]);
    seconds.push({ t, link: 'order.create', count, errors, shed: o.shed, latency: hist(hold ? [80, 97] : [4000, 50], ...(hold ? [[300, 3] as [number, number]] : [])), hops: { db } });
  }
  w.writeSummary(makeSummary([makeLink('order.create')], { id, durationS: 30, plan }));
  return seconds;
}

describe('rebuildVerdictsFromRunDir', () => {
  it('recomputes from the files exactly what the live run computed', () => {
    const id = '20261123-103000-fixture-file';
    const live = computeVerdicts({ plan, durationS: 30, intervals: writeRun(id) });
    const rebuilt = rebuildVerdictsFromRunDir(join(root, id));
    expect(rebuilt).toEqual(live);
    const v = rebuilt.get('order.create')!;
    expect(v.window).toEqual({ fromS: 5, toS: 25 });
    // hold only: 2,000 completed, 20 timeouts (errors), 40 shed (not errors)
    expect(v.achievedRps).toBe(99);
    const [rps, p99, errors, db] = v.budgets;
    expect(rps!.passed).toBe(true);
    expect(p99!.measured).toBeCloseTo(300, 0); // 60 of 2,000 at 300 ms: p99 is 300, not the ramp's 4 s
    expect(p99!.passed).toBe(false);
    expect(errors!.measured).toBeCloseTo(0.01, 9);
    expect(db!.measured).toBeCloseTo(12, 1);
  });

  it('tolerates a torn last line of a killed run', () => {
    const id = '20261123-103000-fixture-torn';
    writeRun(id);
    writeFileSync(join(root, id, 'histograms.hlog'), 'Tag=order.create,10.000,1.000,0.4,HISTFAAAAB', { flag: 'a' });
    writeFileSync(join(root, id, 'timeseries.ndjson'), '{"t":29,"link":"order', { flag: 'a' });
    expect(rebuildVerdictsFromRunDir(join(root, id)).get('order.create')!.budgets[1]!.measured).toBeCloseTo(300, 0);
  });

  it('a missing run directory is a user error', () => {
    let err: unknown;
    try {
      rebuildVerdictsFromRunDir(join(root, 'nope'));
    } catch (e) {
      err = e;
    }
    expect(isUserError(err)).toBe(true);
    expect((err as { code: string }).code).toBe('RUN_NOT_FOUND');
  });
});
