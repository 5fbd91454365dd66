// One reader of the run folder's line files (timeseries.ndjson, observe.ndjson, …): a missing
// file is empty (a run that just started), and a line that does not parse or is not of the
// expected shape is skipped (a torn last line: the run was killed mid-write). `tailNdjsonFile`
// follows a file that is still being written (the dashboard's live view).

import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

/** `accept` returns the value of a parsed line, or null to skip it. */
export function readNdjsonFile<T>(path: string, accept: (v: unknown) => T | null): T[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    const v = parseNdjsonLine(line, accept);
    if (v !== null) out.push(v);
  }
  return out;
}

export function parseNdjsonLine<T>(line: string, accept: (v: unknown) => T | null): T | null {
  if (!line.trim()) return null;
  try {
    return accept(JSON.parse(line));
  } catch {
    return null;
  }
}

export interface NdjsonTail<T> {
  values: T[];
  /** Byte offset just after the last complete line read: pass it back to continue. */
  nextOffset: number;
  /** True when the file shrank below `fromOffset` (rewritten) and was read from the start. */
  restarted: boolean;
}

/**
 * The complete lines appended since byte `fromOffset`. A line still being written (no newline
 * yet) is left for the next call; a missing file has no lines yet.
 */
export function tailNdjsonFile<T>(path: string, fromOffset: number, accept: (v: unknown) => T | null): NdjsonTail<T> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { values: [], nextOffset: 0, restarted: fromOffset > 0 };
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    let from = fromOffset;
    let restarted = false;
    if (size < from) {
      from = 0;
      restarted = true;
    }
    if (size === from) return { values: [], nextOffset: from, restarted };
    const buf = Buffer.allocUnsafe(size - from);
    let read = 0;
    while (read < buf.length) {
      const n = readSync(fd, buf, read, buf.length - read, from + read);
      if (n === 0) break;
      read += n;
    }
    // Cut at the last newline byte: never decode half a line (or half a UTF-8 character).
    const end = buf.lastIndexOf(0x0a, read - 1);
    if (end < 0) return { values: [], nextOffset: from, restarted };
    const values: T[] = [];
    for (const line of buf.toString('utf8', 0, end).split('\n')) {
      const v = parseNdjsonLine(line, accept);
      if (v !== null) values.push(v);
    }
    return { values, nextOffset: from + end + 1, restarted };
  } finally {
    closeSync(fd);
  }
}
