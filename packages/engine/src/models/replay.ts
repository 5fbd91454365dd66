// `model: replay`: the requests of a recorded access log, each due at its recorded offset
// divided by `speed`, so the drill reproduces the log's burstiness (not a smoothed rate). Each
// request goes to the step named after its link (method + route template, as `peakdrill import
// access-log` names them) with the recorded path; latency is measured from the due time.
//
// The log is streamed (a reader fills a bounded queue ahead of the clock), never loaded whole.
// A log with whole-second times has the n requests of a second spread evenly over it; lines a
// little out of order (logs are written at completion) are due no earlier than the line before.
// Generators split the log without duplication: request i goes to generator i mod count.
// Unsafe methods (anything but GET, HEAD, OPTIONS) are sent only with `unsafe: true`.

import { performance } from 'node:perf_hooks';
import { linkName, parserFor, readLines, routeOf } from '@peakdrill/core/logs';
import type { ReplayModel as ReplayLoad } from '@peakdrill/core/plan';
import type { WorkerAssignment } from '@peakdrill/core/protocol';
import type { CompiledJourney, JourneyRun } from '../journey.js';
import type { LoadModelRunner, ModelHost } from './model.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The reader pauses with this many requests queued and resumes below LOW_WATER. */
const HIGH_WATER = 50_000;
const LOW_WATER = 10_000;
/** While the reader is behind the clock, look again this soon (ms). */
const READER_POLL_MS = 5;

interface Due {
  /** Offset from second 0, ms. */
  at: number;
  journey: CompiledJourney;
  path: string;
}

export class ReplayModel implements LoadModelRunner {
  private queue: Due[] = [];
  private head = 0;
  private readerDone = false;
  private resumeReader: (() => void) | null = null;
  private readonly freeRuns: JourneyRun[] = [];
  private readonly maxInFlight: number;
  private dropped = 0;
  /** Log requests with no step of their link, or unsafe ones left out (all generators skip the same). */
  skipped = 0;

  constructor(
    private readonly host: ModelHost,
    private readonly a: WorkerAssignment,
  ) {
    const load = a.plan.load;
    if (load.model !== 'replay') throw new Error('ReplayModel needs a replay plan');
    this.maxInFlight = Math.max(1, Math.ceil(load.maxInFlight / a.count));
    void this.read(load).catch((err: unknown) => {
      // The log was readable when the scenario was validated; losing it mid-drill ends the replay early.
      this.readerDone = true;
      process.emitWarning(`replay: stopped reading ${load.log}: ${(err as Error).message}`);
    });
  }

  private async read(load: ReplayLoad): Promise<void> {
    const byLink = new Map<string, CompiledJourney>();
    for (const j of this.host.journeys.list) if (j.steps.length > 0) byLink.set(j.steps[0]!.name, j);
    const parse = parserFor(load.format);
    const { index: mine, count } = this.a;
    let t0: number | undefined;
    let wholeSeconds = true;
    let index = 0;
    let floor = 0;
    let groupTime = NaN;
    let group: { journey: CompiledJourney; path: string }[] = [];
    const flush = (): void => {
      if (group.length === 0) return;
      const width = wholeSeconds ? 1000 : 1;
      const base = Math.max(groupTime - t0!, floor);
      floor = base;
      const n = group.length;
      for (let k = 0; k < n; k++) {
        if (index++ % count !== mine) continue;
        const g = group[k]!;
        this.queue.push({ at: (base + ((k + 0.5) / n) * width) / load.speed, journey: g.journey, path: g.path });
      }
      group = [];
    };
    for await (const line of readLines(load.log)) {
      if (line.cut || line.text.trim() === '') continue;
      const e = parse(line.text);
      if (typeof e === 'string') continue;
      t0 ??= e.timeMs;
      if (!load.unsafe && !SAFE_METHODS.has(e.method)) {
        this.skipped++;
        continue;
      }
      const q = e.target.indexOf('?');
      const journey = byLink.get(linkName(e.method, routeOf(q === -1 ? e.target : e.target.slice(0, q)).template));
      if (journey === undefined) {
        this.skipped++;
        continue;
      }
      if (e.timeMs !== groupTime) {
        flush();
        groupTime = e.timeMs;
        if (e.timeMs % 1000 !== 0) wholeSeconds = false;
      }
      group.push({ journey, path: e.target });
      if (this.queue.length - this.head >= HIGH_WATER) await new Promise<void>((r) => (this.resumeReader = r));
    }
    flush();
    this.readerDone = true;
  }

  fire(now: number): number {
    const host = this.host;
    const journeys = host.journeys;
    const start = host.perfStart;
    const elapsed = now - start;
    const durationMs = host.durationMs;
    const q = this.queue;
    while (this.head < q.length) {
      const d = q[this.head]!;
      if (d.at > elapsed || d.at >= durationMs) break;
      this.head++;
      if (journeys.inFlight >= this.maxInFlight) {
        this.dropped++;
        continue;
      }
      const dueAt = start + d.at;
      host.recordLate(performance.now() - dueAt);
      const run = this.freeRuns.pop() ?? journeys.newRun();
      run.replayPath = d.path;
      journeys.start(run, dueAt, d.journey);
    }
    if (this.head > LOW_WATER) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
    if (this.resumeReader !== null && this.queue.length - this.head < LOW_WATER) {
      this.resumeReader();
      this.resumeReader = null;
    }
    const next = this.queue[this.head];
    if (next !== undefined) return next.at >= durationMs ? Infinity : start + next.at;
    return this.readerDone ? Infinity : now + READER_POLL_MS;
  }

  journeyEnded(run: JourneyRun): void {
    this.freeRuns.push(run);
  }

  restart(run: JourneyRun): void {
    this.freeRuns.push(run);
  }

  /** A lost generator's share of the log is not re-read by the others: its requests are missing, as the summary's generator health says. */
  rescale(): void {}

  /** A replay follows its log's own offsets: live level changes are refused by the controller (docs/control.md). */
  replan(): void {}

  takeDropped(): number {
    const d = this.dropped;
    this.dropped = 0;
    return d;
  }
}
