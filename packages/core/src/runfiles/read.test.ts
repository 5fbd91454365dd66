import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newHistogram, recordMicros, summarizeHistogram } from '../histogram.js';
import { HlogFile } from './hlog.js';
import { downsample, isRunId, listRuns, mergeHlogByTag, readRun, readRunDir, readTimeseries, runPath, tailTimeseries, type SeriesPoint } from './read.js';
import type { TimeseriesLine } from './summary.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pd-read-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ID = '20261123-103000-double11-ab12';
function writeRun(id: string, status = 'passed', extra: object = {}): string {
  const d = join(dir, id);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'summary.json'), JSON.stringify({ id, scenario: 'double11', status, links: [], startedAt: '2026-11-23T10:30:00Z', ...extra }));
  return d;
}
const line = (t: number, link = 'a'): TimeseriesLine => ({ t, ts: 1000 * t, link, planned: 10, count: 10, errors: 0, shed: 0, outcomes: { ok: 10 }, rps: 10, latencyMs: { p50: 1, p90: 2, p99: 3, max: 4, mean: 1 }, inFlight: 1 });

describe('run ids and traversal', () => {
  it('accepts run ids and nothing else', () => {
    expect(isRunId(ID)).toBe(true);
    for (const bad of ['..', '../etc', `${ID}/../../x`, '/etc/passwd', '20261123-103000-', '20261123-103000-a/b', '20261123-103000-a\\b', '2026112-103000-a', `${ID}\0`, '', 'x'.repeat(200)]) {
      expect(isRunId(bad), bad).toBe(false);
    }
  });

  it('refuses traversal with RUN_ID_INVALID, before touching the file system', () => {
    for (const bad of ['../../etc', '..%2F..%2Fetc', '/etc/passwd', `${ID}/../..`]) {
      expect(() => readRun(dir, bad)).toThrowError(expect.objectContaining({ code: 'RUN_ID_INVALID' }));
    }
  });

  it('keeps an id made of dots inside the runs folder', () => {
    // `20261123-103000-..` matches the name part of the pattern but is one plain folder name
    expect(runPath(dir, '20261123-103000-..')).toBe(join(dir, '20261123-103000-..'));
    expect(() => readRun(dir, '20261123-103000-..')).toThrowError(expect.objectContaining({ code: 'RUN_NOT_FOUND' }));
  });

  it('reports a missing run and a broken summary with their codes', () => {
    expect(() => readRun(dir, ID)).toThrowError(expect.objectContaining({ code: 'RUN_NOT_FOUND' }));
    mkdirSync(join(dir, ID));
    writeFileSync(join(dir, ID, 'summary.json'), '{"id": "x", "stat');
    expect(() => readRun(dir, ID)).toThrowError(expect.objectContaining({ code: 'RUN_SUMMARY_INVALID' }));
    expect(() => readRunDir(join(dir, 'nope'))).toThrowError(expect.objectContaining({ code: 'RUN_NOT_FOUND' }));
  });

  it('reads a run and fills the arrays a partial summary lacks', () => {
    writeRun(ID, 'running');
    const r = readRun(dir, ID);
    expect(r.id).toBe(ID);
    expect(r.summary.status).toBe('running');
    expect(r.summary.isolation).toEqual([]);
    expect(r.files.timeseries).toBe(join(dir, ID, 'timeseries.ndjson'));
  });
});

describe('listRuns', () => {
  it('lists run folders newest first, skips other names, keeps unreadable runs with their problem', () => {
    writeRun('20261120-090000-a-1');
    writeRun('20261123-090000-c-3');
    writeRun('20261122-090000-b-2');
    mkdirSync(join(dir, 'not-a-run'));
    mkdirSync(join(dir, '20261124-000000-empty'));
    writeFileSync(join(dir, '20261125-000000-file'), 'x');
    symlinkSync('/etc', join(dir, '20261126-000000-link'));
    const runs = listRuns(dir);
    expect(runs.map((r) => r.id)).toEqual(['20261124-000000-empty', '20261123-090000-c-3', '20261122-090000-b-2', '20261120-090000-a-1']);
    expect(runs[0]!.summary).toBeNull();
    expect(runs[0]!.problem).toMatch(/summary\.json/);
  });

  it('is empty for a missing folder', () => {
    expect(listRuns(join(dir, 'missing'))).toEqual([]);
  });
});

describe('timeseries', () => {
  it('tolerates a torn last line and skips garbage', () => {
    const p = join(dir, 'ts.ndjson');
    writeFileSync(p, [line(0), line(1)].map((l) => JSON.stringify(l)).join('\n') + '\nnot json\n' + JSON.stringify(line(2)) + '\n{"t":3,"ts":3000,"li');
    expect(readTimeseries(p).map((l) => l.t)).toEqual([0, 1, 2]);
    expect(readTimeseries(join(dir, 'missing.ndjson'))).toEqual([]);
  });

  it('tails complete lines only, continuing from the offset it returned', () => {
    const p = join(dir, 'ts.ndjson');
    writeFileSync(p, JSON.stringify(line(0)) + '\n' + JSON.stringify(line(1, 'ünïcødé')).slice(0, 20));
    const a = tailTimeseries(p, 0);
    expect(a.lines.map((l) => l.t)).toEqual([0]);
    appendFileSync(p, JSON.stringify(line(1, 'ünïcødé')).slice(20) + '\n');
    const b = tailTimeseries(p, a.nextOffset);
    expect(b.lines.map((l) => [l.t, l.link])).toEqual([[1, 'ünïcødé']]);
    expect(tailTimeseries(p, b.nextOffset).lines).toEqual([]);
    writeFileSync(p, JSON.stringify(line(5)) + '\n');
    const c = tailTimeseries(p, b.nextOffset);
    expect(c.restarted).toBe(true);
    expect(c.lines.map((l) => l.t)).toEqual([5]);
  });
});

describe('downsample', () => {
  it('keeps the spike, the minimum and the last point of each bucket', () => {
    const pts: SeriesPoint[] = Array.from({ length: 3600 }, (_, t) => [t, 100 + (t % 7)]);
    pts[1234] = [1234, 5000];
    pts[2345] = [2345, 1];
    const d = downsample(pts, 300);
    expect(d.length).toBeLessThanOrEqual(300);
    expect(d).toContainEqual([1234, 5000]);
    expect(d).toContainEqual([2345, 1]);
    expect(d.at(-1)).toEqual([3599, 100 + (3599 % 7)]);
    for (let i = 1; i < d.length; i++) expect(d[i]![0]).toBeGreaterThan(d[i - 1]![0]);
  });

  it('returns short series and maxPoints 0 unchanged', () => {
    const pts: SeriesPoint[] = [[0, 1], [1, 2]];
    expect(downsample(pts, 10)).toEqual(pts);
    expect(downsample(pts, 0)).toEqual(pts);
  });
});

describe('mergeHlogByTag', () => {
  it('merges every interval of a tag into the histogram readHlog + add would give', () => {
    const p = join(dir, 'h.hlog');
    const start = 1_763_893_800_000;
    const log = new HlogFile(p, start);
    const whole = { a: newHistogram(), '<b>': newHistogram() };
    for (let s = 0; s < 20; s++) {
      const entries = (['a', '<b>'] as const).map((tag) => {
        const h = newHistogram();
        for (let i = 0; i < 100; i++) recordMicros(h, (tag === 'a' ? 1000 : 50_000) + i * 97 + s * 13 + (i === 99 && s === 7 ? 9_000_000 : 0));
        whole[tag].add(h);
        return { tag, fromMs: start + s * 1000, toMs: start + (s + 1) * 1000, histogram: h };
      });
      log.append(entries);
    }
    appendFileSync(p, 'Tag=a,20.000,1.000,3.000,HISTFAAAA'); // torn tail
    const merged = mergeHlogByTag(p);
    expect([...merged.keys()].sort()).toEqual(['<b>', 'a']);
    for (const tag of ['a', '<b>'] as const) {
      const m = merged.get(tag)!;
      expect(m.intervals).toBe(20);
      expect(m.histogram.totalCount).toBe(whole[tag].totalCount);
      const got = summarizeHistogram(m.histogram);
      const want = summarizeHistogram(whole[tag]);
      for (const k of ['p50', 'p90', 'p99', 'p999'] as const) expect(got[k]).toBe(want[k]);
      expect(Math.abs(got.max - want.max) / want.max).toBeLessThan(0.001);
    }
    expect(mergeHlogByTag(p, { fromS: 10 }).get('a')!.intervals).toBe(10);
    expect(mergeHlogByTag(join(dir, 'missing.hlog')).size).toBe(0);
  });
});
