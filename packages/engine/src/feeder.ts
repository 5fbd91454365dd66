// Data feeders: rows for journeys from CSV files or inline lists. `sequential` cycles,
// `random` picks, `unique` hands each row out once (within this generator's partition) and
// reports exhaustion instead of silently repeating.

import { readFileSync } from 'node:fs';
import { CsvStream, parseCsv, type DataFeeder } from '@peakdrill/core/plan';

export class FeederExhausted extends Error {
  readonly code = 'FEEDER_EXHAUSTED';
  constructor(readonly feeder: string) {
    super(`data feeder "${feeder}" ran out of unique rows`);
  }
}

/** Where a feeder's rows come from: held in memory, or streamed from a CSV file. */
interface RowSource {
  take(mode: DataFeeder['mode']): Record<string, string> | null;
}

export class Feeder {
  constructor(
    readonly name: string,
    private readonly mode: DataFeeder['mode'],
    private readonly source: RowSource,
  ) {}

  /** A row for a new journey; throws FeederExhausted in unique mode when none are left. */
  take(): Record<string, string> {
    const row = this.source.take(this.mode);
    if (row === null) throw new FeederExhausted(this.name);
    return row;
  }
}

/**
 * `stride` interleaves `sequential` feeders across generators: generator i of n takes rows
 * i, i+n, i+2n… so two generators never work on the same row at the same moment.
 */
class MemoryRows implements RowSource {
  private next: number;
  private readonly step: number;

  constructor(private readonly rows: Record<string, string>[], mode: DataFeeder['mode'], stride?: { offset: number; step: number }) {
    this.next = mode === 'sequential' && stride && rows.length > 0 ? stride.offset % rows.length : 0;
    this.step = mode === 'sequential' && stride ? Math.max(1, stride.step) : 1;
  }

  take(mode: DataFeeder['mode']): Record<string, string> | null {
    const n = this.rows.length;
    if (n === 0) return null;
    if (mode === 'random') return this.rows[Math.floor(Math.random() * n)]!;
    if (mode === 'unique') return this.next < n ? this.rows[this.next++]! : null;
    const row = this.rows[this.next]!;
    this.next = (this.next + this.step) % n;
    return row;
  }
}

/** Sequential and unique feeders over a CSV file, read a chunk at a time (same stride and ranges). */
class StreamedRows implements RowSource {
  private stream: CsvStream;
  private taken = 0;

  constructor(private readonly path: string, private readonly skip: number, private readonly step: number, private readonly limit: number) {
    this.stream = this.open();
  }

  private open(): CsvStream {
    const s = new CsvStream(this.path);
    for (let i = 0; i < this.skip; i++) if (s.next() === null) break;
    return s;
  }

  take(mode: DataFeeder['mode']): Record<string, string> | null {
    if (mode === 'unique' && this.taken >= this.limit) return null;
    let row = this.stream.next();
    if (row === null && mode === 'sequential' && this.taken > 0) {
      // the end of the file: start over (sequential cycles)
      this.stream.close();
      this.stream = this.open();
      row = this.stream.next();
    }
    if (row === null) return null;
    this.taken++;
    if (mode === 'sequential') for (let i = 1; i < this.step; i++) this.stream.next();
    return row;
  }
}

/**
 * CSV feeders in `sequential` and `unique` mode are streamed from the file; `random` needs
 * every row at hand and holds the file in memory (use `sequential` for very large files).
 * Agents get CSV contents shipped (`shippedText`) and keep them in memory. `range` is this
 * generator's part of a `unique` feeder: rows [from, to).
 */
export function loadFeeder(name: string, spec: DataFeeder, shippedText?: string, range?: [number, number], stride?: { offset: number; step: number }): Feeder {
  if (spec.source.kind === 'csv' && shippedText === undefined && spec.mode !== 'random') {
    const source =
      spec.mode === 'unique'
        ? new StreamedRows(spec.source.file, range?.[0] ?? 0, 1, range ? range[1] - range[0] : Infinity)
        : new StreamedRows(spec.source.file, stride?.offset ?? 0, stride?.step ?? 1, Infinity);
    return new Feeder(name, spec.mode, source);
  }
  let rows = spec.source.kind === 'list' ? spec.source.rows : parseCsv(shippedText ?? readFileSync(spec.source.file, 'utf8'));
  if (range) rows = rows.slice(range[0], range[1]);
  return new Feeder(name, spec.mode, new MemoryRows(rows, spec.mode, stride));
}

