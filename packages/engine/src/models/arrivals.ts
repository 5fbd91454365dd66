// The arrival loop of the models whose journeys arrive on a schedule of their own, whether or
// not earlier ones returned (open: the arrival rate; replay: the offsets of a log). Each
// arrival has an exact due time; the host's clock wakes at it and every arrival due by then
// starts in the same turn, its lateness recorded. A model says only when its next arrival is
// due, takes it, and starts it.
//
// An arrival that finds `maxInFlight` journeys in flight waits in a backlog (as many again)
// and starts when a journey ends, with its own due time: its wait is latency, so a stalled
// target shows in the percentiles even with a small `maxInFlight`. (That wait is the target's,
// not the generator's: it is not counted as lateness.) An arrival that finds the backlog full
// too, or is still in it when the window ends, is dropped and counted: the run is then
// inconclusive (core verdict/generator.ts), because a dropped arrival is in no percentile.

import { performance } from 'node:perf_hooks';
import type { JourneyRun } from '../journey.js';
import type { LoadModelRunner, ModelHost } from './model.js';

export abstract class ArrivalModel<A> implements LoadModelRunner {
  protected maxInFlight: number;
  private dropped = 0;
  private readonly freeRuns: JourneyRun[] = [];
  /** Arrivals waiting for a journey to end (a ring buffer, oldest first): due times and what each carries. */
  private backlogDue: Float64Array;
  private backlogWhat: (A | undefined)[];
  private backlogHead = 0;
  private backlogSize = 0;

  constructor(
    protected readonly host: ModelHost,
    maxInFlight: number,
  ) {
    this.maxInFlight = maxInFlight;
    this.backlogDue = new Float64Array(maxInFlight);
    this.backlogWhat = new Array<A | undefined>(maxInFlight);
  }

  /** The next arrival's due offset from second 0 (ms), or Infinity when none is known yet. */
  protected abstract nextDue(): number;
  /** Takes the arrival `nextDue` named; what it returns travels with it to `begin`. */
  protected abstract take(): A;
  /** Starts the journey of an arrival on `run`, its first request due at `dueAt`. */
  protected abstract begin(run: JourneyRun, dueAt: number, what: A): void;
  /** When to look again once no arrival is due inside the window (performance.now() ms, Infinity: never). */
  protected abstract idleWake(now: number): number;

  fire(now: number): number {
    const host = this.host;
    const journeys = host.journeys;
    const start = host.perfStart;
    const elapsed = now - start;
    const durationMs = host.durationMs;
    // Everything due by now (and inside the window) leaves now: a wake-up that came a little
    // after the end must not lose the last arrivals.
    for (;;) {
      const due = this.nextDue();
      if (due > elapsed || due >= durationMs) break;
      const what = this.take();
      const dueAt = start + due;
      if (journeys.inFlight >= this.maxInFlight) {
        this.wait(dueAt, what);
        continue;
      }
      host.recordLate(performance.now() - dueAt);
      this.begin(this.freeRuns.pop() ?? journeys.newRun(), dueAt, what);
    }
    const next = this.nextDue();
    if (next === Infinity) return this.idleWake(now);
    return next >= durationMs ? Infinity : start + next;
  }

  private wait(dueAt: number, what: A): void {
    const cap = this.backlogDue.length;
    if (this.backlogSize >= cap) {
      this.dropped++;
      return;
    }
    const i = (this.backlogHead + this.backlogSize) % cap;
    this.backlogDue[i] = dueAt;
    this.backlogWhat[i] = what;
    this.backlogSize++;
  }

  journeyEnded(run: JourneyRun): void {
    if (this.backlogSize > 0 && this.host.sending) {
      const i = this.backlogHead;
      const what = this.backlogWhat[i] as A;
      this.backlogWhat[i] = undefined;
      this.backlogHead = (i + 1) % this.backlogDue.length;
      this.backlogSize--;
      this.begin(run, this.backlogDue[i]!, what);
      return;
    }
    this.freeRuns.push(run);
  }

  restart(run: JourneyRun): void {
    this.freeRuns.push(run);
  }

  /** A new `maxInFlight` (a rescale): the backlog grows with it, keeping what waits, in order. */
  protected resizeInFlight(maxInFlight: number): void {
    this.maxInFlight = maxInFlight;
    if (maxInFlight <= this.backlogDue.length) return;
    const due = new Float64Array(maxInFlight);
    const what = new Array<A | undefined>(maxInFlight);
    for (let k = 0; k < this.backlogSize; k++) {
      const i = (this.backlogHead + k) % this.backlogDue.length;
      due[k] = this.backlogDue[i]!;
      what[k] = this.backlogWhat[i];
    }
    this.backlogDue = due;
    this.backlogWhat = what;
    this.backlogHead = 0;
  }

  abstract rescale(share: number, now: number): void;
  abstract replan(): void;

  takeDropped(): number {
    // arrivals still waiting when sending stopped were never sent
    if (!this.host.sending && this.backlogSize > 0) {
      this.dropped += this.backlogSize;
      this.backlogWhat.fill(undefined);
      this.backlogSize = 0;
    }
    const d = this.dropped;
    this.dropped = 0;
    return d;
  }
}
