import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunNotes } from '@peakdrill/core';
import { runNote } from './note.js';

const runs = mkdtempSync(join(tmpdir(), 'pd-cli-note-'));
afterAll(() => rmSync(runs, { recursive: true, force: true }));
const ID = '20261123-103000-double11-ab12';
const run = join(runs, ID);
mkdirSync(run);
writeFileSync(join(run, 'summary.json'), JSON.stringify({ id: ID, scenario: 'double11', startedAt: '2026-11-23T10:30:00Z', endedAt: '2026-11-23T10:30:05Z', status: 'passed', durationS: 5, model: 'open', latencyFrom: 'scheduled', plannedRps: 10, achievedRps: 10, workers: 1, links: [], journeys: [], dropped: 0, maxInFlightHit: false, shadow: { mode: 'off' }, isolation: [], invariants: [], abort: null, notes: [], passed: true }));

describe('peakdrill note', () => {
  it('appends notes to the run folder, by path or by id, oldest first', () => {
    process.env['PEAKDRILL_AUTHOR'] = 'tpm-li';
    runNote(run, '  inventory pool raised to 80  ');
    runNote(ID, 'round 2: payment still slow', runs);
    expect(readRunNotes(run).map((n) => [n.text, n.author])).toEqual([
      ['inventory pool raised to 80', 'tpm-li'],
      ['round 2: payment still slow', 'tpm-li'],
    ]);
  });

  it('refuses an empty or overlong note and a run that is not there, with exit code 2', () => {
    expect(() => runNote(run, '   ')).toThrowError(expect.objectContaining({ code: 'NOTE_INVALID', exitCode: 2 }));
    expect(() => runNote(run, 'x'.repeat(2001))).toThrowError(expect.objectContaining({ code: 'NOTE_INVALID', exitCode: 2 }));
    expect(() => runNote('20261123-103000-nope-ab12', 'x', runs)).toThrowError(expect.objectContaining({ code: 'RUN_NOT_FOUND', exitCode: 2 }));
    expect(readRunNotes(run)).toHaveLength(2);
  });
});
