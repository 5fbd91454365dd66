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
  append(entries: { tag: string; fromMs: number; toMs: number; histogram: Histogram }[]): void {
    let text = '';
    const writer = new hdr.HistogramLogWriter((s: string) => { text += s; });
    writer.baseTime = this.startMs;
    for (const e of entries) {
      e.histogram.tag = encodeHlogTag(e.tag);
      writer.outputIntervalHistogram(e.histogram, (e.fromMs - this.startMs) / 1000, (e.toMs - this.startMs) / 1000, MAX_VALUE_UNIT_RATIO);
    }
    if (text) appendFileSync(this.path, text);
  }
}

export interface HlogInterval {
  tag: string;
  startS: number;
  endS: number;
  histogram: Histogram;
}

/** Reads every interval of a log (tolerates a torn last line of a killed run). */
export function readHlog(path: string): HlogInterval[] {
  const out: HlogInterval[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('"')) continue;
    const cols = line.split(',');
    let i = 0;
    let tag = '';
    if (cols[0]?.startsWith('Tag=')) { tag = decodeHlogTag(cols[0].slice(4)); i = 1; }
    const startS = Number(cols[i]);
    const len = Number(cols[i + 1]);
    const payload = cols[i + 3];
    if (!Number.isFinite(startS) || !Number.isFinite(len) || !payload) continue;
    try {
      out.push({ tag, startS, endS: startS + len, histogram: decodeHistogram(payload) });
    } catch {
      // a torn final line: everything before it is intact
    }
  }
  return out;
}
