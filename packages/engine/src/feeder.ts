// Data feeders: rows for journeys from CSV files or inline lists. `sequential` cycles,
// `random` picks, `unique` hands each row out once (within this generator's partition) and
// reports exhaustion instead of silently repeating.

import { readFileSync } from 'node:fs';
import type { DataFeeder } from '@peakdrill/core';

export class FeederExhausted extends Error {
  readonly code = 'FEEDER_EXHAUSTED';
  constructor(readonly feeder: string) {
    super(`data feeder "${feeder}" ran out of unique rows`);
  }
}

export class Feeder {
  private next: number;
  private readonly rows: Record<string, string>[];
  private readonly step: number;

  /**
   * `stride` interleaves `sequential` feeders across generators: generator i of n takes rows
   * i, i+n, i+2n… so two generators never work on the same row at the same moment.
   */
  constructor(readonly name: string, private readonly mode: DataFeeder['mode'], rows: Record<string, string>[], range?: [number, number], stride?: { offset: number; step: number }) {
    this.rows = range ? rows.slice(range[0], range[1]) : rows;
    this.next = mode === 'sequential' && stride && this.rows.length > 0 ? stride.offset % this.rows.length : 0;
    this.step = mode === 'sequential' && stride ? Math.max(1, stride.step) : 1;
  }

  /** A row for a new journey; throws FeederExhausted in unique mode when none are left. */
  take(): Record<string, string> {
    const n = this.rows.length;
    if (n === 0) throw new FeederExhausted(this.name);
    if (this.mode === 'random') return this.rows[Math.floor(Math.random() * n)]!;
    if (this.mode === 'unique') {
      if (this.next >= n) throw new FeederExhausted(this.name);
      return this.rows[this.next++]!;
    }
    const row = this.rows[this.next]!;
    this.next = (this.next + this.step) % n;
    return row;
  }
}

export function loadFeeder(name: string, spec: DataFeeder, shippedText?: string, range?: [number, number], stride?: { offset: number; step: number }): Feeder {
  const rows = spec.source.kind === 'list' ? spec.source.rows : parseCsv(shippedText ?? readFileSync(spec.source.file, 'utf8'));
  return new Feeder(name, spec.mode, rows, range, stride);
}

/** RFC 4180 CSV with a header row (quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { record.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field); field = '';
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
    } else field += c;
  }
  if (field !== '' || record.length > 0) { record.push(field); records.push(record); }
  const [header, ...body] = records;
  if (!header) return [];
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), r[i] ?? ''])));
}
