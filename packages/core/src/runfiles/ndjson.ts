// One reader of the run folder's line files (timeseries.ndjson, observe.ndjson, …): a missing
// file is empty (a run that just started), and a line that does not parse or is not of the
// expected shape is skipped (a torn last line: the run was killed mid-write).

import { readFileSync } from 'node:fs';

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
