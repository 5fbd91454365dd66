// Reading run directories: what the dashboard, the report and `compare` read. Writers live
// next door (summary.ts types, hlog.ts); this file only reads, and never trusts a name it was
// given: a run id is checked against RUN_ID_PATTERN and the resolved path must stay inside the
// runs folder, so `../../etc` or an absolute path can never reach the file system.
// Over 400 lines on purpose: every reader of a run folder (summary, timeseries, hlog, merge by
// tag, run list) shares the one path check and the torn-tail rule; apart they would drift.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { UserError } from '../errors.js';
import { HISTOGRAM_HIGHEST_US, newTotalHistogram, type Histogram } from '../histogram.js';
import type { FaultEvent, Summary, TimeseriesLine } from './summary.js';
import { HlogDamaged, hlogColumns, TornTail } from './hlog.js';
import { readNdjsonFile, tailNdjsonFile, type NdjsonTail } from './ndjson.js';
import { RUN_FILES, RUN_ID_PATTERN } from './write.js';

export function isRunId(id: unknown): id is string {
  return typeof id === 'string' && RUN_ID_PATTERN.test(id);
}

/**
 * The folder of run `id` inside `runsDir`. Throws `RUN_ID_INVALID` for anything that is not a
 * run id, and checks the resolved path is a direct child of `runsDir` (belt and braces: the
 * pattern alone already forbids separators).
 */
export function runPath(runsDir: string, id: string): string {
  if (!isRunId(id)) throw new UserError('RUN_ID_INVALID', `"${String(id).slice(0, 100)}" is not a run id (expected e.g. 20261123-103000-double11-ab12)`);
  const root = resolve(runsDir);
  const dir = resolve(root, id);
  const rel = relative(root, dir);
  if (rel !== id || rel.startsWith('..') || isAbsolute(rel)) {
    throw new UserError('RUN_ID_INVALID', `run id "${id}" leaves the runs folder`);
  }
  return dir;
}

export interface RunFiles {
  id: string;
  /** Absolute path of the run folder. */
  path: string;
  summary: Summary;
  /** Absolute paths of the run's files (they may not all exist yet while a run is live). */
  files: Record<'summary' | 'timeseries' | 'histograms' | 'report' | 'junit' | 'faults' | 'observe', string>;
  /** Latest modification (epoch ms) of summary.json and timeseries.ndjson: tells a live run from a dead one. */
  updatedMs: number;
}

/** Reads one run folder given by path (the `report` command's argument). */
export function readRunDir(path: string): RunFiles {
  const dir = resolve(path);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new UserError('RUN_NOT_FOUND', `no run folder at ${path}`);
  }
  if (!st.isDirectory()) throw new UserError('RUN_NOT_FOUND', `${path} is not a run folder (expected a folder holding summary.json)`);
  const files = {
    summary: join(dir, RUN_FILES.summary),
    timeseries: join(dir, RUN_FILES.timeseries),
    histograms: join(dir, RUN_FILES.histograms),
    report: join(dir, RUN_FILES.report),
    junit: join(dir, RUN_FILES.junit),
    faults: join(dir, RUN_FILES.faults),
    observe: join(dir, RUN_FILES.observe),
  };
  let text: string;
  try {
    text = readFileSync(files.summary, 'utf8');
  } catch {
    throw new UserError('RUN_NOT_FOUND', `${path} has no summary.json: not a peakdrill run folder`);
  }
  const summary = parseSummary(text, files.summary);
  const id = summary.id && isRunId(summary.id) ? summary.id : dir.split(/[\\/]/).pop() ?? '';
  return { id, path: dir, summary, files, updatedMs: Math.max(mtimeMs(files.summary), mtimeMs(files.timeseries)) };
}

/** Reads run `id` of `runsDir`: `RUN_ID_INVALID` (bad id), `RUN_NOT_FOUND`, `RUN_SUMMARY_INVALID`. */
export function readRun(runsDir: string, id: string): RunFiles {
  const dir = runPath(runsDir, id);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new UserError('RUN_NOT_FOUND', `no run ${id} in ${runsDir}`);
  }
  const run = readRunDir(dir);
  return { ...run, id };
}

function parseSummary(text: string, path: string): Summary {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError('RUN_SUMMARY_INVALID', `${path} is not valid JSON (${(err as Error).message}); the run may still be starting`);
  }
  if (typeof value !== 'object' || value === null || !Array.isArray((value as Summary).links) || typeof (value as Summary).status !== 'string') {
    throw new UserError('RUN_SUMMARY_INVALID', `${path} is not a peakdrill summary (no status or links)`);
  }
  const s = value as Summary;
  // Older or partial summaries (a run that is just starting) may lack the arrays; consumers rely on them.
  s.isolation ??= [];
  s.invariants ??= [];
  s.notes ??= [];
  s.journeys ??= [];
  s.abort ??= null;
  return s;
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

export interface RunListEntry {
  id: string;
  path: string;
  /** null when summary.json is missing or unreadable (`problem` says why). */
  summary: Summary | null;
  problem: string | null;
  updatedMs: number;
}

/** Every run folder of `runsDir`, newest first (run ids sort by time). A missing folder is an empty list. */
export function listRuns(runsDir: string): RunListEntry[] {
  let names: string[];
  try {
    names = readdirSync(runsDir, { withFileTypes: true }).filter((d) => d.isDirectory() && isRunId(d.name)).map((d) => d.name);
  } catch {
    return [];
  }
  names.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  return names.map((id) => {
    try {
      const run = readRun(runsDir, id);
      return { id, path: run.path, summary: run.summary, problem: null, updatedMs: run.updatedMs };
    } catch (err) {
      const path = join(resolve(runsDir), id);
      return { id, path, summary: null, problem: (err as Error).message, updatedMs: Math.max(mtimeMs(path), mtimeMs(join(path, RUN_FILES.timeseries))) };
    }
  });
}

function timeseriesLine(v: unknown): TimeseriesLine | null {
  const l = v as TimeseriesLine | null;
  return typeof l === 'object' && l !== null && typeof l.t === 'number' && typeof l.link === 'string' ? l : null;
}

/**
 * Every line of a timeseries.ndjson. A torn last line (the run was killed mid-write) and any
 * unparsable line are skipped; a missing file is an empty series (a run that just started).
 */
export function readTimeseries(path: string): TimeseriesLine[] {
  return readNdjsonFile(path, timeseriesLine);
}

export interface TimeseriesTail {
  lines: TimeseriesLine[];
  /** Byte offset just after the last complete line read: pass it back to continue. */
  nextOffset: number;
  /** True when the file shrank below `fromOffset` (rewritten) and was read from the start. */
  restarted: boolean;
}

/**
 * The complete lines appended since byte `fromOffset` (for following a live run). A line
 * still being written (no newline yet) is left for the next call.
 */
export function tailTimeseries(path: string, fromOffset = 0): TimeseriesTail {
  const { values, nextOffset, restarted } = tailNdjsonFile(path, fromOffset, timeseriesLine);
  return { lines: values, nextOffset, restarted };
}

const faultEvent = (v: unknown): FaultEvent | null => {
  const e = v as Partial<FaultEvent> | null;
  return typeof e === 'object' && e !== null && typeof e.fault === 'string' && (e.phase === 'inject' || e.phase === 'undo') && typeof e.atS === 'number' ? (e as FaultEvent) : null;
};

/** The lines of faults.ndjson appended since byte `fromOffset` (a fault injected or undone), for following a live run. */
export function tailFaultEvents(path: string, fromOffset = 0): NdjsonTail<FaultEvent> {
  return tailNdjsonFile(path, fromOffset, faultEvent);
}

/** A chart point: [x, y]. */
export type SeriesPoint = [number, number];

/**
 * Shrinks a series to at most `maxPoints` points for a chart, keeping per time bucket the
 * minimum, the maximum and the last point (in time order), so a one-second spike in an hour
 * still shows at its height and place. Points must be sorted by x. `maxPoints <= 0` keeps all.
 */
export function downsample(points: readonly SeriesPoint[], maxPoints: number): SeriesPoint[] {
  if (maxPoints <= 0 || points.length <= maxPoints) return points.slice();
  const buckets = Math.max(1, Math.floor(maxPoints / 3));
  const first = points[0]![0];
  const last = points[points.length - 1]![0];
  const width = Math.max((last - first + 1) / buckets, Number.MIN_VALUE);
  const out: SeriesPoint[] = [];
  let i = 0;
  while (i < points.length) {
    const b = Math.floor((points[i]![0] - first) / width);
    let minI = i;
    let maxI = i;
    let j = i;
    for (; j < points.length && Math.floor((points[j]![0] - first) / width) === b; j++) {
      if (points[j]![1] < points[minI]![1]) minI = j;
      if (points[j]![1] > points[maxI]![1]) maxI = j;
    }
    const lastI = j - 1;
    const keep = [minI, maxI, lastI].sort((x, y) => x - y);
    let prev = -1;
    for (const k of keep) {
      if (k !== prev) out.push(points[k]!);
      prev = k;
    }
    i = j;
  }
  return out;
}

export interface MergedHistogram {
  tag: string;
  histogram: Histogram;
  /** Interval histograms merged. */
  intervals: number;
  /** Seconds since the log's base time covered: [fromS, toS). */
  fromS: number;
  toS: number;
}

const V2_COMPRESSED_COOKIE_BASE = 0x1c849304;

interface Layout {
  unitMagnitude: number;
  subBucketHalfCountMagnitude: number;
}

interface Accumulator {
  /** One counts array per bucket layout met in the log (one, for logs peakdrill wrote). */
  layouts: Map<string, { layout: Layout; counts: Float64Array }>;
  intervals: number;
  fromS: number;
  toS: number;
}

/**
 * Merges interval-log lines into one histogram per tag (link), optionally only the intervals
 * that start inside [fromS, toS). Why not `readHlog` + `add`: decoding each interval into a
 * full histogram allocates and walks ~47k buckets, ~12 s for an hour of ten links; this
 * inflates each payload and adds its run-length-encoded counts straight into one counts array
 * per tag (~0.3 s), then builds one histogram per tag at the end. Incremental, so a server can
 * feed it a slice of lines at a time and stay responsive.
 */
export class HlogMerger {
  private readonly acc = new Map<string, Accumulator>();
  private readonly tail = new TornTail();
  private readonly fromS: number;
  private readonly toS: number;

  constructor(window: { fromS?: number; toS?: number } = {}) {
    this.fromS = window.fromS ?? -Infinity;
    this.toS = window.toS ?? Infinity;
  }

  /** One line of the log; comments and headers are skipped, a torn final line too (see TornTail). */
  addLine(line: string): void {
    if (!this.tail.next(line)) return;
    const c = hlogColumns(line);
    if (c === null) return;
    if ('bad' in c) {
      this.tail.bad(c.bad);
      return;
    }
    const { tag, startS, len, payload } = c;
    if (startS < this.fromS || startS >= this.toS) return;
    let a = this.acc.get(tag);
    if (!a) {
      a = { layouts: new Map(), intervals: 0, fromS: startS, toS: startS + len };
      this.acc.set(tag, a);
    }
    try {
      addPayload(a, payload);
    } catch (err) {
      this.tail.bad(`the histogram does not decode (${(err as Error).message})`);
      return;
    }
    a.intervals++;
    if (startS < a.fromS) a.fromS = startS;
    if (startS + len > a.toS) a.toS = startS + len;
  }

  /** One histogram per tag (new histograms: the caller may destroy them). */
  result(): Map<string, MergedHistogram> {
    const out = new Map<string, MergedHistogram>();
    for (const [tag, a] of this.acc) {
      const h = newTotalHistogram();
      for (const { layout, counts } of a.layouts.values()) {
        for (let idx = 0; idx < counts.length; idx++) {
          const c = counts[idx]!;
          if (c > 0) h.recordValueWithCount(Math.min(valueFromIndex(layout, idx), HISTOGRAM_HIGHEST_US), c);
        }
      }
      out.set(tag, { tag, histogram: h, intervals: a.intervals, fromS: a.fromS, toS: a.toS });
    }
    return out;
  }
}

/** Every line of the log text, in order (no copy of the whole text into an array). */
export function* hlogLines(text: string): Generator<string> {
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    yield text.slice(pos, nl);
    pos = nl + 1;
  }
}

/** A damaged interval log as the user error it is for whoever reads the run. */
export function damagedLog(path: string, err: HlogDamaged): UserError {
  return new UserError('RUN_FILE_INVALID', `${path}:${err.line}: ${err.reason}; only a torn final line is tolerated, so the log was damaged after it was written`);
}

/** histograms.hlog merged into one histogram per tag (see HlogMerger); a missing file is empty; a damaged line before the last throws RUN_FILE_INVALID. */
export function mergeHlogByTag(path: string, window: { fromS?: number; toS?: number } = {}): Map<string, MergedHistogram> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const merger = new HlogMerger(window);
  try {
    for (const line of hlogLines(text)) merger.addLine(line);
  } catch (err) {
    if (err instanceof HlogDamaged) throw damagedLog(path, err);
    throw err;
  }
  return merger.result();
}

function valueFromIndex(l: Layout, index: number): number {
  const half = 2 ** l.subBucketHalfCountMagnitude;
  let bucketIndex = Math.floor(index / half) - 1;
  let subBucketIndex = (index % half) + half;
  if (bucketIndex < 0) {
    subBucketIndex -= half;
    bucketIndex = 0;
  }
  return subBucketIndex * 2 ** (bucketIndex + l.unitMagnitude);
}

/** Adds one compressed V2 HdrHistogram payload (base64) into the tag's counts. */
function addPayload(a: Accumulator, base64: string): void {
  const outer = Buffer.from(base64, 'base64');
  if (outer.length < 8 || (outer.readInt32BE(0) & ~0xf0) !== V2_COMPRESSED_COOKIE_BASE) throw new Error('not a V2 compressed histogram');
  const inner = inflateSync(outer.subarray(8, 8 + outer.readInt32BE(4)));
  const payloadLength = inner.readInt32BE(4);
  const digits = inner.readInt32BE(12);
  const lowest = Number(inner.readBigInt64BE(16));
  // bytes 8..11 hold the normalizing index offset, which writers leave unused (Java writes 0, JS 1).
  const unitMagnitude = Math.floor(Math.log2(lowest));
  const subBucketCountMagnitude = Math.ceil(Math.log2(2 * 10 ** digits));
  const subBucketHalfCountMagnitude = (subBucketCountMagnitude > 1 ? subBucketCountMagnitude : 1) - 1;
  const key = `${unitMagnitude}/${subBucketHalfCountMagnitude}`;
  let slot = a.layouts.get(key);
  if (!slot) {
    slot = { layout: { unitMagnitude, subBucketHalfCountMagnitude }, counts: new Float64Array(1024) };
    a.layouts.set(key, slot);
  }
  let counts = slot.counts;
  let p = 40;
  const end = Math.min(40 + payloadLength, inner.length);
  let idx = 0;
  while (p < end) {
    // ZigZag LEB128 (up to 9 bytes): positive = a count, negative = a run of zero buckets.
    let v = inner[p++]!;
    let value = v & 0x7f;
    let mul = 128;
    for (let k = 1; k < 9 && v & 0x80; k++) {
      v = inner[p++]!;
      value += (k === 8 ? v : v & 0x7f) * mul;
      mul *= 128;
    }
    const n = value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    if (n < 0) {
      idx -= n;
      continue;
    }
    if (idx >= counts.length) {
      let size = counts.length * 2;
      while (size <= idx) size *= 2;
      const grown = new Float64Array(size);
      grown.set(counts);
      counts = grown;
      slot.counts = grown;
    }
    counts[idx] = counts[idx]! + n;
    idx++;
  }
}
