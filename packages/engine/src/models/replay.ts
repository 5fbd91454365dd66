// `model: replay`: the requests of a recorded access log, each due at its recorded offset
// divided by `speed`, so the drill reproduces the log's burstiness (not a smoothed rate). Each
// request goes to the step named after its link (method + route template, as `peakdrill import
// access-log` names them) with the recorded path; latency is measured from the due time.
//
// The log is streamed (a reader fills a bounded queue ahead of the clock), never loaded whole.
// A log with whole-second times has the n requests of a second spread evenly over it; lines a
// little out of order (logs are written at completion) are due no earlier than the line before.
// Generators split the log without duplication: request i goes to generator i mod count.
// The arrival loop (due times, lateness, the backlog at `maxInFlight`) is the open model's
// (arrivals.ts): a request that finds too many in flight waits, its wait counted as latency.
// Unsafe methods (anything but GET, HEAD, OPTIONS) are sent only with `unsafe: true`.
// An agent cannot read the controller's log: the controller reads it once and ships each
// generator its own share (`replayShares`, `WorkerAssignment.replayShare`).

import { linkName, parserFor, readLines, routeOf } from '@peakdrill/core/logs';
import type { ReplayModel as ReplayLoad } from '@peakdrill/core/plan';
import type { WorkerAssignment } from '@peakdrill/core/protocol';
import type { CompiledJourney, JourneyRun } from '../journey.js';
import { ArrivalModel } from './arrivals.js';
import type { ModelHost } from './model.js';

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

/** One request of the log as the replay sends it: its offset from second 0 (ms, ÷ speed), its link and recorded target. */
export interface ReplayRequest {
  at: number;
  link: string;
  target: string;
}

/**
 * Every request of the log the replay sends, in order, with its due offset: only safe methods
 * unless `unsafe`, only links in `links` (the steps of the plan), and none due at or after
 * `untilMs` (the window). Request i of this sequence goes to generator i mod count.
 */
export async function* replayRequests(load: ReplayLoad, links: ReadonlySet<string>, untilMs = Infinity): AsyncGenerator<ReplayRequest> {
  const parse = parserFor(load.format);
  let t0: number | undefined;
  let wholeSeconds = true;
  let floor = 0;
  let groupTime = NaN;
  let group: { link: string; target: string }[] = [];
  function* flush(): Generator<ReplayRequest> {
    const width = wholeSeconds ? 1000 : 1;
    const base = Math.max(groupTime - t0!, floor);
    floor = base;
    const n = group.length;
    for (let k = 0; k < n; k++) yield { at: (base + ((k + 0.5) / n) * width) / load.speed, link: group[k]!.link, target: group[k]!.target };
    group = [];
  }
  for await (const line of readLines(load.log)) {
    if (line.cut || line.text.trim() === '') continue;
    const e = parse(line.text);
    if (typeof e === 'string') continue;
    t0 ??= e.timeMs;
    if (!load.unsafe && !SAFE_METHODS.has(e.method)) continue;
    const q = e.target.indexOf('?');
    const link = linkName(e.method, routeOf(q === -1 ? e.target : e.target.slice(0, q)).template);
    if (!links.has(link)) continue;
    if (e.timeMs !== groupTime) {
      if (group.length > 0) yield* flush();
      // later groups are due no earlier (floor), so past the window nothing more is sent
      if (Math.max(e.timeMs - t0, floor) / load.speed >= untilMs) return;
      groupTime = e.timeMs;
      if (e.timeMs % 1000 !== 0) wholeSeconds = false;
    }
    group.push({ link, target: e.target });
  }
  if (group.length > 0) yield* flush();
}

/** The links a plan can replay: the first step of each journey (an imported replay scenario has one step per journey). */
export function replayLinks(plan: WorkerAssignment['plan']): Set<string> {
  return new Set(plan.journeys.filter((j) => j.steps.length > 0).map((j) => j.steps[0]!.name));
}

/**
 * Each generator's share of the log (request i to generator i mod `count`) as text, one JSON
 * `[at, link, target]` per line: what a controller ships to agents, which cannot read its
 * files. Refuses (returns the size reached) past `maxChars` in all, so a huge log is never
 * held whole.
 */
export async function replayShares(load: ReplayLoad, links: ReadonlySet<string>, count: number, untilMs: number, maxChars: number): Promise<{ shares: string[] } | { overChars: number }> {
  const lines: string[][] = Array.from({ length: count }, () => []);
  let i = 0;
  let chars = 0;
  for await (const r of replayRequests(load, links, untilMs)) {
    const line = JSON.stringify([r.at, r.link, r.target]);
    chars += line.length + 1;
    if (chars > maxChars) return { overChars: chars };
    lines[i++ % count]!.push(line);
  }
  return { shares: lines.map((l) => l.join('\n')) };
}

/** Reads a shipped share back (see `replayShares`). */
function* shippedRequests(share: string): Generator<ReplayRequest> {
  let from = 0;
  while (from < share.length) {
    let to = share.indexOf('\n', from);
    if (to === -1) to = share.length;
    const [at, link, target] = JSON.parse(share.slice(from, to)) as [number, string, string];
    yield { at, link, target };
    from = to + 1;
  }
}

export class ReplayModel extends ArrivalModel<Due> {
  private queue: Due[] = [];
  private head = 0;
  private readerDone = false;
  private resumeReader: (() => void) | null = null;

  constructor(
    host: ModelHost,
    private readonly a: WorkerAssignment,
  ) {
    const load = a.plan.load;
    if (load.model !== 'replay') throw new Error('ReplayModel needs a replay plan');
    super(host, Math.max(1, Math.ceil(load.maxInFlight / a.count)));
    void this.read(load).catch((err: unknown) => {
      // The log was readable when the scenario was validated; losing it mid-drill ends the replay early.
      this.readerDone = true;
      process.emitWarning(`replay: stopped reading ${a.replayShare !== undefined ? 'the shipped share of the log' : load.log}: ${(err as Error).message}`);
    });
  }

  /** This generator's requests: its shipped share on an agent, else its part of the log read here. */
  private async *mine(load: ReplayLoad): AsyncGenerator<ReplayRequest> {
    if (this.a.replayShare !== undefined) {
      yield* shippedRequests(this.a.replayShare);
      return;
    }
    const { index: mine, count } = this.a;
    let i = 0;
    for await (const r of replayRequests(load, replayLinks(this.a.plan), this.host.durationMs)) if (i++ % count === mine) yield r;
  }

  private async read(load: ReplayLoad): Promise<void> {
    const byLink = new Map<string, CompiledJourney>();
    for (const j of this.host.journeys.list) if (j.steps.length > 0) byLink.set(j.steps[0]!.name, j);
    for await (const r of this.mine(load)) {
      const journey = byLink.get(r.link);
      if (journey === undefined) continue;
      this.queue.push({ at: r.at, journey, path: r.target });
      if (this.queue.length - this.head >= HIGH_WATER) await new Promise<void>((res) => (this.resumeReader = res));
    }
    this.readerDone = true;
  }

  fire(now: number): number {
    const next = super.fire(now);
    if (this.head > LOW_WATER) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.resumeReader !== null && this.queue.length - this.head < LOW_WATER) {
      this.resumeReader();
      this.resumeReader = null;
    }
    return next;
  }

  protected nextDue(): number {
    return this.queue[this.head]?.at ?? Infinity;
  }

  protected take(): Due {
    return this.queue[this.head++]!;
  }

  protected begin(run: JourneyRun, dueAt: number, d: Due): void {
    run.replayPath = d.path;
    this.host.journeys.start(run, dueAt, d.journey);
  }

  /** Nothing queued: the log is done, or its reader is behind the clock. */
  protected idleWake(now: number): number {
    return this.readerDone ? Infinity : now + READER_POLL_MS;
  }

  /** A lost generator's share of the log is not re-read by the others: its requests are missing, as the summary's generator health says. */
  rescale(): void {}

  /** A replay follows its log's own offsets: live level changes are refused by the controller (docs/control.md). */
  replan(): void {}
}
