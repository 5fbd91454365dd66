// Reads a text file line by line in bounded memory: chunks from a stream, a line longer than
// MAX_LINE_BYTES is cut (and flagged) instead of growing a buffer without end, and a file
// that holds NUL bytes in its first block is refused as binary with one clear error.

import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';

export const MAX_LINE_BYTES = 64 * 1024;

export interface Line {
  /** 1-based line number. */
  no: number;
  text: string;
  /** True when the line was longer than MAX_LINE_BYTES and was cut. */
  cut: boolean;
}

/** Throws IMPORT_NOT_FOUND / IMPORT_BINARY for a path that is not a readable text file. */
export function checkTextFile(path: string, what: string): number {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UserError('IMPORT_NOT_FOUND', `${path} is a directory, not ${what}`);
    size = st.size;
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError('IMPORT_NOT_FOUND', code === 'ENOENT' ? `${what} not found: ${path}` : `cannot read ${path} (${code ?? String(err)})`);
  }
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(size, 8192));
    readSync(fd, head, 0, head.length, 0);
    if (head.includes(0)) throw new UserError('IMPORT_BINARY', `${path} is a binary file, not ${what} (it holds NUL bytes); decompress it first (e.g. \`zcat ${path} > access.log\`)`);
  } finally {
    closeSync(fd);
  }
  return size;
}

/** Yields the lines of a file (without line endings). */
export async function* readLines(path: string): AsyncGenerator<Line> {
  let no = 0;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let cut = false;
  const flush = (): Line => {
    const text = Buffer.concat(parts).toString('utf8').replace(/\r$/, '');
    const line = { no: ++no, text, cut };
    parts = [];
    partBytes = 0;
    cut = false;
    return line;
  };
  const keep = (b: Buffer): void => {
    if (partBytes >= MAX_LINE_BYTES) {
      cut = true;
      return;
    }
    const room = MAX_LINE_BYTES - partBytes;
    if (b.length > room) cut = true;
    const piece = b.length > room ? b.subarray(0, room) : b;
    parts.push(Buffer.from(piece));
    partBytes += piece.length;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      keep(chunk.subarray(start, nl));
      yield flush();
      start = nl + 1;
    }
    if (start < chunk.length) keep(chunk.subarray(start));
  }
  if (partBytes > 0 || cut) yield flush();
}
