// `model: open`: journeys arrive on a schedule (the arrival rate), whether or not earlier ones
// returned. Each arrival has an exact due time (core scenario/profile.ts); the host's clock wakes at it and
// every arrival due by then starts in the same turn, its lateness recorded.
//
// An arrival that finds `maxInFlight` journeys in flight waits in a backlog (as many again)
// and starts when a journey ends, with its own due time: its wait is latency, so a stalled
// target shows in the percentiles even with a small `maxInFlight`. (That wait is the target's,
// not the generator's: it is not counted as lateness.) An arrival that finds the backlog full
// too, or is still in it when the window ends, is dropped and counted: the run is then
// inconclusive (core verdict/generator.ts), because a dropped arrival is in no percentile.

import type { WorkerAssignment } from '@peakdrill/core/protocol';
import type { JourneyRun } from '../journey.js';
import { ArrivalSchedule } from '@peakdrill/core/plan';
import type { LoadModelRunner, ModelHost } from './model.js';
import { performance } from 'node:perf_hooks';

export class OpenModel implements LoadModelRunner {
  private schedule: ArrivalSchedule;
  private share: number;
  private next = 0;
  private readonly phase: number;
  private maxInFlight: number;
  private dropped = 0;
  private readonly freeRuns: JourneyRun[] = [];
  /** Due times of arrivals waiting for a journey to end (a ring buffer, oldest first). */
  private backlog: Float64Array;
  private backlogHead = 0;
  private backlogSize = 0;

  constructor(
    private readonly host: ModelHost,
    private readonly a: WorkerAssignment,
  ) {
    const load = a.plan.load;
    if (load.model !== 'open') throw new Error('OpenModel needs an open-model plan');
    this.share = a.share;
    this.schedule = new ArrivalSchedule(load.startRate, load.stages, a.share);
    // generators interleave their arrivals instead of all sending at the same instants
    this.phase = a.count > 1 ? a.index / a.count : 0;
    this.maxInFlight = Math.max(1, Math.ceil(load.maxInFlight * a.share));
    this.backlog = new Float64Array(this.maxInFlight);
  }

  fire(now: number): number {
    const host = this.host;
    const journeys = host.journeys;
    const start = host.perfStart;
    const elapsed = now - start;
    const durationMs = host.durationMs;
    // Everything due by now (and inside the window) leaves now: a wake-up that came a little
    // after the end must not lose the last arrivals.
    for (;;) {
      const due = this.schedule.timeOf(this.next + this.phase);
      if (due > elapsed || due >= durationMs) break;
      this.next++;
      const dueAt = start + due;
      if (journeys.inFlight >= this.maxInFlight) {
        this.wait(dueAt);
        continue;
      }
      host.recordLate(performance.now() - dueAt);
      journeys.start(this.freeRuns.pop() ?? journeys.newRun(), dueAt);
    }
    const next = this.schedule.timeOf(this.next + this.phase);
    return next >= durationMs ? Infinity : start + next;
  }

  private wait(dueAt: number): void {
    const cap = this.backlog.length;
    if (this.backlogSize >= cap) {
      this.dropped++;
      return;
    }
    this.backlog[(this.backlogHead + this.backlogSize) % cap] = dueAt;
    this.backlogSize++;
  }

  journeyEnded(run: JourneyRun): void {
    if (this.backlogSize > 0 && this.host.sending) {
      const dueAt = this.backlog[this.backlogHead]!;
      this.backlogHead = (this.backlogHead + 1) % this.backlog.length;
      this.backlogSize--;
      this.host.journeys.start(run, dueAt);
      return;
    }
    this.freeRuns.push(run);
  }

  restart(run: JourneyRun): void {
    this.freeRuns.push(run);
  }

  rescale(share: number, now: number): void {
    const load = this.a.plan.load;
    if (load.model !== 'open') return;
    this.share = share;
    this.schedule = new ArrivalSchedule(load.startRate, load.stages, share);
    this.next = Math.ceil(this.schedule.arrivalsBy(now - this.host.perfStart) - this.phase);
    this.maxInFlight = Math.max(1, Math.ceil(load.maxInFlight * share));
    if (this.maxInFlight > this.backlog.length) {
      const grown = new Float64Array(this.maxInFlight);
      for (let i = 0; i < this.backlogSize; i++) grown[i] = this.backlog[(this.backlogHead + i) % this.backlog.length]!;
      this.backlog = grown;
      this.backlogHead = 0;
    }
  }

  replan(): void {
    // same arrivals up to the change: the n-th arrival keeps its index, only later due times move
    const load = this.a.plan.load;
    if (load.model === 'open') this.schedule = new ArrivalSchedule(load.startRate, load.stages, this.share);
  }

  takeDropped(): number {
    // arrivals still waiting when sending stopped were never sent
    if (!this.host.sending && this.backlogSize > 0) {
      this.dropped += this.backlogSize;
      this.backlogSize = 0;
    }
    const d = this.dropped;
    this.dropped = 0;
    return d;
  }
}
