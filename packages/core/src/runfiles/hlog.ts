// histograms.hlog: the HdrHistogram interval log format (V1.3), which the HdrHistogram
// libraries of Java, C, Go, Rust, Python and JS read. One tagged interval histogram per link
// per second; values in microseconds, the max column in milliseconds (unit ratio 1000).

import * as hdr from 'hdr-histogram-js';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { decodeHistogram, type Histogram } from '../histogram.js';

const MAX_VALUE_UNIT_RATIO = 1000;

// Tags. The log format separates columns with commas and the reference readers (Java's
// HistogramLogReader scans on `[ ,\r\n]`) split on whitespace too, so a tag such as `GET /`
// made the Java reader skip every line of the file. A tag is therefore the link name with
// whitespace, commas, control characters and `%` itself percent-encoded (UTF-8 bytes, `%XX`):
// `GET /` → `GET%20/`. Every other character, including `|` (the hop/service suffix), is kept
// as is, so ordinary names read the same; since `%` is always encoded the mapping reverses
// exactly (docs/design/run-files.md).
const TAG_UNSAFE = /[\s,%\p{Cc}]/gu;

/** The `Tag=` column for a name (reversible with decodeHlogTag). */
export function encodeHlogTag(name: string): string {
  return name.replace(TAG_UNSAFE, encodeURIComponent);
}

/** The name behind a `Tag=` column (tags written before the mapping read as they are). */
export function decodeHlogTag(tag: string): string {
  if (!tag.includes('%')) return tag;
  return tag.replace(/(?:%[0-9A-Fa-f]{2})+/g, (seq) => {
    try {
      return decodeURIComponent(seq);
    } catch {
      return seq;
    }
  });
}

/** Appends to the log file synchronously, so a killed run keeps every interval written. */
export class HlogFile {
  private readonly path: string;
  private readonly startMs: number;

  constructor(path: string, startMs: number) {
    this.path = path;
    this.startMs = startMs;
    let header = '';
    const writer = new hdr.HistogramLogWriter((s: string) => { header += s; });
    writer.outputComment('peakdrill interval log: values in microseconds, one tagged histogram per link per second');
    writer.outputLogFormatVersion();
    writer.outputStartTime(startMs);
    writer.outputComment(`[BaseTime: ${(startMs / 1000).toFixed(3)} (seconds since epoch)]`);
    writer.outputLegend();
    writeFileSync(path, header);
  }

  /** `tag` (any link name) becomes the `Tag=` column, encoded by encodeHlogTag; `fromMs` and `toMs` are epoch milliseconds. */
  append(entries: HlogEntry[]): void {
    const text = hlogIntervalLines(entries, this.startMs);
    if (text) appendFileSync(this.path, text);
  }
}

export interface HlogEntry {
  tag: string;
  fromMs: number;
  toMs: number;
  histogram: Histogram;
}

/** The interval lines of `entries` (times relative to `startMs`), as HlogFile appends them. */
export function hlogIntervalLines(entries: readonly HlogEntry[], startMs: number): string {
  let text = '';
  const writer = new hdr.HistogramLogWriter((s: string) => { text += s; });
  writer.baseTime = startMs;
  for (const e of entries) {
    e.histogram.tag = encodeHlogTag(e.tag);
    writer.outputIntervalHistogram(e.histogram, (e.fromMs - startMs) / 1000, (e.toMs - startMs) / 1000, MAX_VALUE_UNIT_RATIO);
  }
  return text;
}

export interface HlogInterval {
  tag: string;
  startS: number;
  endS: number;
  histogram: Histogram;
}

/** One interval line's columns, or why the line is not one (comments and the legend are null). */
export function hlogColumns(line: string): { tag: string; startS: number; len: number; payload: string } | null | { bad: string } {
  if (!line || line.charCodeAt(0) === 35 /* # */ || line.charCodeAt(0) === 34 /* " */) return null;
  const cols = line.split(',');
  let i = 0;
  let tag = '';
  if (cols[0]?.startsWith('Tag=')) {
    tag = decodeHlogTag(cols[0].slice(4));
    i = 1;
  }
  const startS = Number(cols[i]);
  const len = Number(cols[i + 1]);
  const payload = cols[i + 3];
  if (cols[i] === '' || cols[i + 1] === '' || !Number.isFinite(startS) || !Number.isFinite(len) || !payload || cols.length !== i + 4) {
    return { bad: 'not an interval line (Tag=,start,length,max,payload)' };
  }
  return { tag, startS, len, payload };
}

/**
 * A damaged line that is not the log's last: only the final line may be torn (a killed run
 * stops mid-write), so anything else means the file was damaged and its figures cannot be trusted.
 */
export class HlogDamaged extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/**
 * Tells a torn final line from a damaged middle one, for readers that see one line at a time:
 * `bad` records a line that could not be read; the next line that is not empty proves it was not
 * the last and throws HlogDamaged.
 */
export class TornTail {
  private lineNo = 0;
  private pending: { line: number; reason: string } | null = null;

  /** Call for every line, before reading it; false for an empty line (skip it). */
  next(line: string): boolean {
    this.lineNo++;
    if (line === '') return false;
    if (this.pending) throw new HlogDamaged(this.pending.line, this.pending.reason);
    return true;
  }

  bad(reason: string): void {
    this.pending = { line: this.lineNo, reason };
  }
}

/** Reads every interval of a log; tolerates a torn final line of a killed run, throws HlogDamaged for any other bad line. */
export function readHlog(path: string): HlogInterval[] {
  const out: HlogInterval[] = [];
  const tail = new TornTail();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!tail.next(line)) continue;
    const c = hlogColumns(line);
    if (c === null) continue;
    if ('bad' in c) {
      tail.bad(c.bad);
      continue;
    }
    try {
      out.push({ tag: c.tag, startS: c.startS, endS: c.startS + c.len, histogram: decodeHistogram(c.payload) });
    } catch (err) {
      tail.bad(`the histogram does not decode (${(err as Error).message})`);
    }
  }
  return out;
}
