// The time span of a log from its first and last usable lines, read from the head and the
// tail of the file only (a 2 GB log validates in milliseconds): what `model: replay` needs to
// know its window before the drill starts.

import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { parserFor } from './log-format.js';

const EDGE_BYTES = 256 * 1024;

export interface LogSpan {
  firstMs: number;
  lastMs: number;
}

/** The span, or a problem in words (unreadable, binary, no line in the format). */
export function logSpan(file: string, format: string): LogSpan | { problem: string } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? `log file ${file} does not exist` : `log file ${file} cannot be read (${code ?? 'error'})` };
  }
  try {
    const size = fstatSync(fd).size;
    const read = (pos: number, len: number): string => {
      const b = Buffer.alloc(len);
      const n = readSync(fd, b, 0, len, pos);
      if (b.subarray(0, n).includes(0)) throw new Error('binary');
      return b.subarray(0, n).toString('utf8');
    };
    let head: string;
    let tail: string;
    try {
      head = read(0, Math.min(size, EDGE_BYTES));
      tail = size > EDGE_BYTES ? read(size - EDGE_BYTES, EDGE_BYTES) : head;
    } catch {
      return { problem: `log file ${file} is a binary file (decompress it first)` };
    }
    const parse = parserFor(format);
    const times = (text: string): number[] => {
      const out: number[] = [];
      for (const line of text.split('\n')) {
        const e = line.trim() === '' ? 'blank' : parse(line.replace(/\r$/, ''));
        if (typeof e !== 'string') out.push(e.timeMs);
      }
      return out;
    };
    const h = times(head);
    if (h.length === 0) return { problem: `log file ${file}: no line in its first ${Math.min(size, EDGE_BYTES)} bytes is in the \`${format}\` format` };
    const t = times(tail);
    const all = [...h, ...t];
    return { firstMs: Math.min(...h), lastMs: Math.max(...all) };
  } finally {
    closeSync(fd);
  }
}
