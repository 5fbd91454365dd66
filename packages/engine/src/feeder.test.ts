import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countCsvRows, CsvStream, parseCsv } from '@peakdrill/core';
import { FeederExhausted, loadFeeder } from './feeder.js';

function csvFile(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'peakdrill-csv-')), 'rows.csv');
  writeFileSync(f, text);
  return f;
}

const big = (n: number): string => 'id,name\n' + Array.from({ length: n }, (_, i) => `U-${i},"Name, ""${i}"""`).join('\r\n') + '\n';

describe('CSV streaming', () => {
  it('reads quoted fields, doubled quotes and CRLF across chunk boundaries, like the whole-file parser', () => {
    const text = big(20_000); // ≈ 500 KiB: several 64 KiB chunks
    const s = new CsvStream(csvFile(text));
    const streamed: Record<string, string>[] = [];
    for (let r = s.next(); r !== null; r = s.next()) streamed.push(r);
    expect(streamed).toEqual(parseCsv(text));
    expect(streamed[19_999]).toEqual({ id: 'U-19999', name: 'Name, "19999"' });
    expect(countCsvRows(csvFile(text))).toBe(20_000);
  });

  it('sequential feeders interleave across generators and cycle at the end of the file', () => {
    const file = csvFile(big(5));
    const spec = { source: { kind: 'csv' as const, file, columns: ['id'] }, mode: 'sequential' as const };
    const g0 = loadFeeder('u', spec, undefined, undefined, { offset: 0, step: 2 });
    const g1 = loadFeeder('u', spec, undefined, undefined, { offset: 1, step: 2 });
    expect([0, 1, 2, 3].map(() => g0.take()['id'])).toEqual(['U-0', 'U-2', 'U-4', 'U-0']);
    expect([0, 1, 2].map(() => g1.take()['id'])).toEqual(['U-1', 'U-3', 'U-1']);
  });

  it('unique feeders hand out each row of their range once, then say so', () => {
    const file = csvFile(big(10));
    const f = loadFeeder('u', { source: { kind: 'csv', file, columns: ['id'] }, mode: 'unique' }, undefined, [4, 7]);
    expect([0, 1, 2].map(() => f.take()['id'])).toEqual(['U-4', 'U-5', 'U-6']);
    expect(() => f.take()).toThrow(FeederExhausted);
  });

  it('random feeders pick from every row; lists work the same', () => {
    const f = loadFeeder('s', { source: { kind: 'list', rows: [{ value: 'a' }, { value: 'b' }] }, mode: 'random' });
    const seen = new Set(Array.from({ length: 200 }, () => f.take()['value']));
    expect(seen).toEqual(new Set(['a', 'b']));
  });
});
