import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseRecord } from './csv.js';
import { readCsvHeader } from './data.js';
import { MAX_RANDOM_CSV_BYTES } from './limits.js';
import { parseScenario } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-data-'));
writeFileSync(join(dir, 'users.csv'), '\uFEFFid,"full name",token\r\n1,"Ada, L",t\r\n');
writeFileSync(join(dir, 'header-only.csv'), 'id,name\n');
writeFileSync(join(dir, 'empty.csv'), '');
writeFileSync(join(dir, 'dup.csv'), 'id,id\n1,2\n');

function scenario(data: string): string {
  return `name: d\ntargets: { a: "http://127.0.0.1:1" }\nload: { rate: 1, duration: 1s }\ndata:\n${data.replace(/^/gm, '  ')}\nrequests: [{ url: / }]\n`;
}
function codes(data: string): string[] {
  try {
    parseScenario(scenario(data), join(dir, 's.yaml'));
  } catch (err) {
    if (err instanceof UserError) return err.problems.map((p) => `${p.code}@${p.pos?.line}:${p.pos?.col}`);
    throw err;
  }
  return [];
}

describe('data feeders', () => {
  it('parses CSV records with quotes (the one record parser of header and rows)', () => {
    expect(parseRecord('a,"b,c","d ""e"""', true)!.fields).toEqual(['a', 'b,c', 'd "e"']);
    expect(parseRecord('"multi\nline",x\nnext', true)).toEqual({ fields: ['multi\nline', 'x'], end: 15 });
  });
  it('reads a CSV header (BOM, quotes, CRLF)', () => {
    expect(readCsvHeader(join(dir, 'users.csv'))).toMatchObject({ columns: ['id', 'full name', 'token'], hasRows: true });
    expect(readCsvHeader(join(dir, 'missing.csv'))).toMatchObject({ code: 'CSV_NOT_FOUND' });
  });
  it('reads CSV and inline feeders with their modes', () => {
    const plan = parseScenario(scenario('users: { csv: users.csv, mode: unique }\nskus: { list: [A, 2, true] }\nrows: { list: [{ id: 1, n: x }, { id: 2 }], mode: random }'), join(dir, 's.yaml'));
    expect(plan.data).toEqual({
      users: { source: { kind: 'csv', file: join(dir, 'users.csv'), columns: ['id', 'full name', 'token'] }, mode: 'unique' },
      skus: { source: { kind: 'list', rows: [{ value: 'A' }, { value: '2' }, { value: 'true' }] }, mode: 'sequential' },
      rows: { source: { kind: 'list', rows: [{ id: '1', n: 'x' }, { id: '2' }] }, mode: 'random' },
    });
  });
  it('refuses missing, empty and malformed feeders, positioned', () => {
    expect(codes('users: { csv: nobody.csv }')).toEqual(['CSV_NOT_FOUND@5:17']);
    expect(codes('users: { csv: header-only.csv }')).toEqual(['CSV_EMPTY@5:17']);
    expect(codes('users: { csv: empty.csv }')).toEqual(['CSV_EMPTY@5:17']);
    expect(codes('users: { csv: dup.csv }')).toEqual(['CSV_BAD@5:17']);
    expect(codes('users: { csv: users.csv, mode: once }')).toEqual(['BAD_VALUE@5:34']);
    expect(codes('users: { csv: users.csv, list: [a] }')).toEqual(['BAD_VALUE@5:17']);
    expect(codes('users: { list: [] }')).toEqual(['EMPTY_VALUE@5:18']);
    expect(codes('users: { list: [[1]] }')).toEqual(['WRONG_TYPE@5:19']);
    expect(codes('run: { list: [a] }')).toEqual(['BAD_VALUE@5:3']);
    expect(codes('users: { lst: [a] }')).toEqual(['BAD_VALUE@5:10', 'UNKNOWN_KEY@5:12']);
  });
  it('refuses a random-mode CSV over its in-memory limit, from its size alone; streamed modes take it', () => {
    const big = join(dir, 'big.csv');
    writeFileSync(big, 'id\n1\n');
    truncateSync(big, MAX_RANDOM_CSV_BYTES + 1); // sparse: the header is real, the rest is never read
    expect(codes('users: { csv: big.csv, mode: random }')).toEqual(['TOO_LARGE@5:17']);
    expect(codes('users: { csv: big.csv, mode: sequential }')).toEqual([]);
  });
});
