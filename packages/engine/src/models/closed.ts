// `model: closed`: virtual users, each looping over journeys (one request in flight per VU),
// with the model's think time between journeys. The VU count follows the stages, adjusted
// every TICK_MS; a VU waiting out its think time is parked on the host's one DueQueue, never
// on a timer of its own.

import { performance } from 'node:perf_hooks';
import { isConnectionLevel } from '../classify.js';
import { thinkMs, WAIT_RESTART, type JourneyRun } from '../journey.js';
import type { LoadModelRunner, ModelHost } from './model.js';
import { evenShare, stageTargetAt, startLevel } from '@peakdrill/core/plan';
import type { WorkerAssignment } from '@peakdrill/core/protocol';

const TICK_MS = 100;
/** A VU whose connection failed waits this long, so a dead target is not hammered in a hot loop. */
const CONNECTION_ERROR_BACKOFF_MS = 10;

export class ClosedModel implements LoadModelRunner {
  private desiredVus = 0;
  private readonly vuRuns: JourneyRun[] = [];
  private readonly think: { minMs: number; maxMs: number };
  private readonly startVus: number;

  constructor(
    private readonly host: ModelHost,
    private readonly a: WorkerAssignment,
  ) {
    const load = a.plan.load;
    if (load.model !== 'closed') throw new Error('ClosedModel needs a closed-model plan');
    this.think = load.thinkTimeMs;
    this.startVus = startLevel(load);
  }

  fire(now: number): number {
    const host = this.host;
    const elapsed = now - host.perfStart;
    if (elapsed >= host.durationMs) return Infinity;
    const total = Math.round(stageTargetAt(this.startVus, this.a.plan.load.stages, elapsed));
    this.desiredVus = this.vusFor(total);
    for (let id = 0; id < this.desiredVus; id++) {
      let run = this.vuRuns[id];
      if (!run) {
        run = host.journeys.newRun();
        run.localVu = id;
        run.vu = this.a.index + id * this.a.count;
        this.vuRuns[id] = run;
      }
      if (!run.active) {
        run.active = true;
        host.journeys.start(run, now);
      }
    }
    return now + TICK_MS;
  }

  /** This generator's part of `total` VUs: an even split with the remainder on the first ones. */
  private vusFor(total: number): number {
    const { index, count, share } = this.a;
    if (count <= 1) return total;
    if (Math.abs(share - 1 / count) < 1e-9) return evenShare(total, index, count);
    return Math.round(total * share);
  }

  private continues(run: JourneyRun): boolean {
    return this.host.sending && run.localVu < this.desiredVus;
  }

  journeyEnded(run: JourneyRun, now: number): void {
    if (!this.continues(run)) {
      run.active = false;
      return;
    }
    const backoff = !run.sentAny || isConnectionLevel(run.lastOutcome) ? CONNECTION_ERROR_BACKOFF_MS : 0;
    const wait = Math.max(thinkMs(this.think), backoff);
    const t = now >= 0 ? now : performance.now();
    if (wait > 0) {
      run.wakeAt = t + wait;
      run.waitingFor = WAIT_RESTART;
      this.host.park(run);
    } else {
      this.host.journeys.start(run, t);
    }
  }

  restart(run: JourneyRun, now: number): void {
    if (!this.continues(run)) {
      run.active = false;
      return;
    }
    this.host.recordLate(now - run.wakeAt);
    this.host.journeys.start(run, run.wakeAt);
  }

  rescale(share: number): void {
    this.a.share = share;
  }

  /** The VU count is read from the plan's stages on every tick. */
  replan(): void {}

  takeDropped(): number {
    return 0;
  }
}
