// Writing a run directory. Everything is appended or replaced synchronously as it happens,
// so a run killed at minute 59 keeps 59 minutes: timeseries.ndjson and histograms.hlog grow
// by one second at a time, summary.json is replaced atomically (write + rename).

import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HlogFile } from './hlog.js';
import type { Histogram } from '../histogram.js';
import { redactSummary } from './redact.js';
import type { FaultEvent, Summary, TimeseriesLine } from './summary.js';

export const RUN_FILES = {
  summary: 'summary.json',
  timeseries: 'timeseries.ndjson',
  histograms: 'histograms.hlog',
  report: 'report.html',
  junit: 'junit.xml',
  faults: 'faults.ndjson',
  /** After a replay: recorded vs sent (mix per link, gaps, per second); core/src/import/fidelity.ts. */
  fidelity: 'fidelity.json',
  /** Live control: one line per change (who, when, what); see docs/control.md. */
  control: 'control.ndjson',
  /** `observe:` — the target's own metrics, one line per source per second. */
  observe: 'observe.ndjson',
  /** Where the run's control API listens (while the drill runs). */
  controlEndpoint: 'control.json',
  /** The control API's per-run secret, mode 0600; never in summary.json, never served. */
  controlSecret: 'control.secret',
} as const;

export const RUN_ID_PATTERN = /^[0-9]{8}-[0-9]{6}-[A-Za-z0-9._-]{1,80}$/;

/** `20261123-103000-double11-ab12`: sortable by time, readable, unique enough. */
export function makeRunId(scenario: string, at: Date = new Date(), suffix: string = Math.random().toString(36).slice(2, 6)): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}-${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
  const name = scenario.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
  return `${stamp}-${name}-${suffix}`;
}

export class RunDirWriter {
  readonly dir: string;
  private readonly hlog: HlogFile;
  private readonly timeseriesPath: string;

  constructor(outDir: string, runId: string, startMs: number) {
    this.dir = join(outDir, runId);
    mkdirSync(this.dir, { recursive: true });
    this.timeseriesPath = join(this.dir, RUN_FILES.timeseries);
    writeFileSync(this.timeseriesPath, '');
    this.hlog = new HlogFile(join(this.dir, RUN_FILES.histograms), startMs);
  }

  /** One second: its timeseries lines and its tagged interval histograms. */
  appendSecond(lines: TimeseriesLine[], histograms: { tag: string; fromMs: number; toMs: number; histogram: Histogram }[]): void {
    if (lines.length > 0) appendFileSync(this.timeseriesPath, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    if (histograms.length > 0) this.hlog.append(histograms);
  }

  /** One line of faults.ndjson (the file appears with the first fault event). */
  appendFaultEvent(event: FaultEvent): void {
    appendFileSync(join(this.dir, RUN_FILES.faults), JSON.stringify(event) + '\n');
  }

  /** Replaced atomically; redacted here, so no caller can write a secret by forgetting to. */
  writeSummary(summary: Summary): void {
    writeFileAtomic(join(this.dir, RUN_FILES.summary), JSON.stringify(redactSummary(summary), null, 2) + '\n');
  }

  writeFile(name: string, content: string): void {
    writeFileAtomic(join(this.dir, name), content);
  }
}

export function writeFileAtomic(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}
