// `model: open`: journeys arrive at the arrival rate, whether or not earlier ones returned.
// Each arrival's due time comes from the load profile (core scenario/profile.ts); the arrival
// loop, its backlog at `maxInFlight` and its dropped count are the shared ones (arrivals.ts).

import type { WorkerAssignment } from '@peakdrill/core/protocol';
import type { JourneyRun } from '../journey.js';
import { ArrivalSchedule } from '@peakdrill/core/plan';
import { ArrivalModel } from './arrivals.js';
import type { ModelHost } from './model.js';

function inFlightFor(maxInFlight: number, share: number): number {
  return Math.max(1, Math.ceil(maxInFlight * share));
}

export class OpenModel extends ArrivalModel<undefined> {
  private schedule: ArrivalSchedule;
  private share: number;
  private next = 0;
  private readonly phase: number;

  constructor(
    host: ModelHost,
    private readonly a: WorkerAssignment,
  ) {
    const load = a.plan.load;
    if (load.model !== 'open') throw new Error('OpenModel needs an open-model plan');
    super(host, inFlightFor(load.maxInFlight, a.share));
    this.share = a.share;
    this.schedule = new ArrivalSchedule(load.startRate, load.stages, a.share);
    // generators interleave their arrivals instead of all sending at the same instants
    this.phase = a.count > 1 ? a.index / a.count : 0;
  }

  protected nextDue(): number {
    return this.schedule.timeOf(this.next + this.phase);
  }

  protected take(): undefined {
    this.next++;
    return undefined;
  }

  protected begin(run: JourneyRun, dueAt: number): void {
    this.host.journeys.start(run, dueAt);
  }

  /** The schedule ends only with the window (nextDue is never Infinity inside it). */
  protected idleWake(): number {
    return Infinity;
  }

  rescale(share: number, now: number): void {
    const load = this.a.plan.load;
    if (load.model !== 'open') return;
    this.share = share;
    this.schedule = new ArrivalSchedule(load.startRate, load.stages, share);
    this.next = Math.ceil(this.schedule.arrivalsBy(now - this.host.perfStart) - this.phase);
    this.resizeInFlight(inFlightFor(load.maxInFlight, share));
  }

  replan(): void {
    // same arrivals up to the change: the n-th arrival keeps its index, only later due times move
    const load = this.a.plan.load;
    if (load.model === 'open') this.schedule = new ArrivalSchedule(load.startRate, load.stages, this.share);
  }
}
