import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runReport } from './report.js';
import { parsePort } from './dashboard.js';

const dir = mkdtempSync(join(tmpdir(), 'pd-cli-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('peakdrill report', () => {
  it('writes report.html and junit.xml of a run folder', () => {
    const run = join(dir, '20261123-103000-quick-ab12');
    mkdirSync(run);
    writeFileSync(join(run, 'summary.json'), JSON.stringify({ id: '20261123-103000-quick-ab12', scenario: 'quick', startedAt: '2026-11-23T10:30:00Z', endedAt: '2026-11-23T10:30:05Z', status: 'passed', durationS: 5, model: 'open', latencyFrom: 'scheduled', plannedRps: 10, achievedRps: 10, workers: 1, links: [], journeys: [], dropped: 0, maxInFlightHit: false, shadow: { mode: 'off' }, isolation: [], invariants: [], abort: null, notes: [], passed: true }));
    const { report, junit } = runReport(run);
    expect(readFileSync(report, 'utf8')).toMatch(/^<!doctype html>/);
    expect(existsSync(junit)).toBe(true);
  });

  it('refuses a folder that is not a run with exit code 2', () => {
    expect(() => runReport(join(dir, 'missing'))).toThrowError(expect.objectContaining({ code: 'RUN_NOT_FOUND', exitCode: 2 }));
    mkdirSync(join(dir, 'empty'));
    expect(() => runReport(join(dir, 'empty'))).toThrowError(expect.objectContaining({ code: 'RUN_NOT_FOUND', exitCode: 2 }));
  });
});

describe('peakdrill dashboard --port', () => {
  it('accepts ports and refuses anything else with BAD_PORT', () => {
    expect(parsePort('4600')).toBe(4600);
    expect(parsePort('0')).toBe(0);
    for (const bad of ['-1', '65536', 'abc', '1e3', '']) expect(() => parsePort(bad), bad).toThrowError(expect.objectContaining({ code: 'BAD_PORT' }));
  });
});
