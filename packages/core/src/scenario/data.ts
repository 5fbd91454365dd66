// The `data:` section: feeders that give each journey a row — a CSV file (streamed by the
// engine; here only its header is read, to know the columns) or an inline list.
// Modes: sequential (rows in order, wrapping around), random, unique (each row once; the run
// reports exhaustion instead of repeating).

import { statSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { isMap, isScalar } from 'yaml';
import type { ErrorCode } from '../errors.js';
import type { DataFeeder } from '../plan.js';
import { kib, MAX_RANDOM_CSV_BYTES } from './limits.js';
import { put, entries, fields, isEmpty, list, str, wrongType, type Ctx, type Val } from './reader.js';
import { CsvStream } from './csv.js';
import { RESERVED_NAMES } from './template.js';

const FEEDER_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const MODES = ['sequential', 'random', 'unique'] as const;
const MAX_HEADER_CHARS = 64 * 1024;

/** Reads the header row of a CSV file (with the one CSV reader): its columns, or why they cannot be read. */
export function readCsvHeader(file: string): { columns: string[]; hasRows: boolean; bytes: number } | { problem: string; code: ErrorCode } {
  let stream: CsvStream | undefined;
  try {
    const st = statSync(file);
    if (!st.isFile()) return { code: 'CSV_NOT_FOUND', problem: `${file} is not a file` };
    stream = new CsvStream(file);
    const columns = stream.columns;
    if (columns.length === 0 || columns.every((c) => c === '')) return { code: 'CSV_EMPTY', problem: `${file} has no header row (the first line names the columns)` };
    if (columns.join(',').length > MAX_HEADER_CHARS) return { code: 'CSV_BAD', problem: `${file}: the header row is longer than 64 KiB` };
    return { columns, hasRows: stream.next() !== null, bytes: st.size };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { code: 'CSV_NOT_FOUND', problem: `CSV file ${file} does not exist` };
    return { code: 'CSV_UNREADABLE', problem: `CSV file ${file} cannot be read (${code ?? 'error'})` };
  } finally {
    stream?.close();
  }
}

function scalarText(v: unknown): string | undefined {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

/** Reads `data:`; returns the feeders that are valid (the rest have recorded problems). */
export function readData(ctx: Ctx, v: Val, baseDir: string): Record<string, DataFeeder> {
  const out: Record<string, DataFeeder> = {};
  const es = entries(ctx, v);
  if (!es) return out;
  for (const { key, keyAt, value } of es) {
    if (!FEEDER_NAME.test(key)) {
      ctx.p.add('BAD_VALUE', `data feeder name \`${key}\` must be a word (letters, digits, _ and -)`, keyAt);
      continue;
    }
    if ((RESERVED_NAMES as readonly string[]).includes(key)) {
      ctx.p.add('BAD_VALUE', `\`${key}\` is a built-in template name; call the feeder something else`, keyAt);
      continue;
    }
    const f = fields(ctx, value, { keys: ['csv', 'list', 'mode'] });
    if (!f) continue;
    const modeV = f.get('mode');
    let mode: DataFeeder['mode'] = 'sequential';
    if (modeV && !isEmpty(modeV)) {
      const m = str(ctx, modeV);
      if (m !== undefined && !(MODES as readonly string[]).includes(m)) {
        ctx.p.add('BAD_VALUE', `${modeV.path} must be one of ${MODES.join(', ')}, got ${JSON.stringify(m)}`, modeV.at);
        continue;
      }
      if (m === undefined) continue;
      mode = m as DataFeeder['mode'];
    }
    const csvV = f.get('csv');
    const listV = f.get('list');
    if ((csvV && listV) || (!csvV && !listV)) {
      ctx.p.add('BAD_VALUE', `data feeder \`${key}\` needs exactly one of \`csv:\` (a file) or \`list:\` (inline rows)`, (csvV ?? listV)?.at ?? value.at);
      continue;
    }
    if (csvV) {
      const rel = str(ctx, csvV, { nonEmpty: true, want: 'a CSV file path' });
      if (rel === undefined) continue;
      const file = isAbsolute(rel) ? rel : resolvePath(baseDir, rel);
      const h = readCsvHeader(file);
      if ('problem' in h) {
        ctx.p.add(h.code, `${csvV.path}: ${h.problem}`, csvV.at);
        continue;
      }
      const dup = h.columns.find((c, i) => h.columns.indexOf(c) !== i);
      if (h.columns.some((c) => c === '')) ctx.p.add('CSV_BAD', `${csvV.path}: ${file} has an empty column name in its header row`, csvV.at);
      else if (dup !== undefined) ctx.p.add('CSV_BAD', `${csvV.path}: ${file} names column \`${dup}\` twice`, csvV.at);
      else if (!h.hasRows) ctx.p.add('CSV_EMPTY', `${csvV.path}: ${file} has a header row but no data rows`, csvV.at);
      else if (mode === 'random' && h.bytes > MAX_RANDOM_CSV_BYTES) {
        ctx.p.add('TOO_LARGE', `${csvV.path}: ${file} is ${h.bytes} bytes; \`mode: random\` holds the whole file in memory in every generator, so it takes at most ${kib(MAX_RANDOM_CSV_BYTES)} — use \`sequential\` or \`unique\` (streamed) for larger files`, csvV.at);
      }
      else put(out, key, { source: { kind: 'csv', file, columns: h.columns }, mode });
      continue;
    }
    const items = list(ctx, listV!);
    if (!items) continue;
    if (items.length === 0) {
      ctx.p.add('EMPTY_VALUE', `${listV!.path} needs at least one row`, listV!.at);
      continue;
    }
    const rows: Record<string, string>[] = [];
    let ok = true;
    for (const item of items) {
      if (isMap(item.node)) {
        const row: Record<string, string> = {};
        for (const e of entries(ctx, item) ?? []) {
          const t = isScalar(e.value.node) ? scalarText(e.value.node.value) : undefined;
          if (t === undefined) {
            wrongType(ctx, e.value, 'a single value (text or number)');
            ok = false;
          } else put(row, e.key, t);
        }
        rows.push(row);
      } else if (isScalar(item.node) && scalarText(item.node.value) !== undefined) {
        rows.push({ value: scalarText(item.node.value)! });
      } else {
        wrongType(ctx, item, 'a value or a mapping of column → value');
        ok = false;
      }
    }
    if (ok && rows.every((r) => Object.keys(r).length === 0)) {
      ctx.p.add('EMPTY_VALUE', `${listV!.path}: the rows have no columns`, listV!.at);
      continue;
    }
    if (ok) put(out, key, { source: { kind: 'list', rows }, mode });
  }
  return out;
}

/** The columns of a feeder: the CSV header, or every key any inline row has. */
export function feederColumns(f: DataFeeder): string[] {
  if (f.source.kind === 'csv') return f.source.columns;
  const cols = new Set<string>();
  for (const r of f.source.rows) for (const k of Object.keys(r)) cols.add(k);
  return [...cols];
}
