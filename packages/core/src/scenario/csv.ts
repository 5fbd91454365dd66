// The one CSV reader (RFC 4180: quoted fields, doubled quotes, CRLF or LF; a BOM is dropped by
// the decoder). The scenario reader takes a file's header from it, the engine streams the rows
// with it a chunk at a time (a feeder of millions of rows costs a 64 KiB buffer, not the whole
// file), and shipped CSV text (agents) goes through the same record parser.

import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 64 * 1024;

export class CsvStream {
  readonly columns: string[];
  private fd: number | null;
  private buf = '';
  private eof = false;
  private readonly chunk = Buffer.allocUnsafe(CHUNK);
  private decoder = new TextDecoder();

  constructor(private readonly path: string) {
    this.fd = openSync(path, 'r');
    this.columns = (this.nextRecord() ?? []).map((c) => c.trim());
  }

  /** The next row as column → value, or null at the end of the file. */
  next(): Record<string, string> | null {
    const rec = this.nextRecord();
    if (rec === null) return null;
    const row: Record<string, string> = {};
    for (let i = 0; i < this.columns.length; i++) row[this.columns[i]!] = rec[i] ?? '';
    return row;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private fill(): boolean {
    if (this.eof || this.fd === null) return false;
    const n = readSync(this.fd, this.chunk, 0, CHUNK, null);
    if (n === 0) {
      this.eof = true;
      this.buf += this.decoder.decode();
      return false;
    }
    this.buf += this.decoder.decode(this.chunk.subarray(0, n), { stream: true });
    return true;
  }

  /** One record; reads more of the file while the record is incomplete. */
  private nextRecord(): string[] | null {
    for (;;) {
      const parsed = parseRecord(this.buf, this.eof);
      if (parsed !== null) {
        this.buf = this.buf.slice(parsed.end);
        if (parsed.fields.length === 1 && parsed.fields[0] === '') {
          if (this.buf.length === 0 && this.eof) return null;
          continue; // blank line
        }
        return parsed.fields;
      }
      if (!this.fill()) {
        if (this.buf.length === 0) return null;
        const last = parseRecord(this.buf, true);
        this.buf = '';
        return last && !(last.fields.length === 1 && last.fields[0] === '') ? last.fields : null;
      }
    }
  }
}

/** Parses one record at the start of `s`; null when it may continue past the end of `s`. */
export function parseRecord(s: string, final: boolean): { fields: string[]; end: number } | null {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"') {
        if (i + 1 >= s.length && !final) return null;
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && i + 1 >= s.length && !final) return null;
      fields.push(field);
      return { fields, end: c === '\r' && s[i + 1] === '\n' ? i + 2 : i + 1 };
    } else field += c;
  }
  if (!final) return null;
  fields.push(field);
  return { fields, end: s.length };
}

/** A whole CSV text (header row first) as rows: the same record parser as the stream. */
export function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let rest = text;
  while (rest.length > 0) {
    const r = parseRecord(rest, true)!;
    rest = rest.slice(r.end);
    if (!(r.fields.length === 1 && r.fields[0] === '')) records.push(r.fields);
  }
  const [header, ...body] = records;
  if (!header) return [];
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), r[i] ?? ''])));
}

/** Rows of a CSV file (header excluded), counted without holding them. */
export function countCsvRows(path: string): number {
  const s = new CsvStream(path);
  let n = 0;
  while (s.next() !== null) n++;
  s.close();
  return n;
}
