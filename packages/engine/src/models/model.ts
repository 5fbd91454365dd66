// What a load model is to the generator that hosts it. One file per model, named after the
// `model:` key of the scenario (open.ts, closed.ts); the host (generator.ts) owns the clock,
// the pools, the interval flushing and the end of the window, and asks the model only when
// journeys start.

import type { WorkerAssignment } from '@peakdrill/core/protocol';
import type { JourneyRun, Journeys } from '../journey.js';

/** What a model may ask of its host. */
export interface ModelHost {
  readonly journeys: Journeys;
  /** performance.now() of second 0, and the planned window's length (ms). */
  readonly perfStart: number;
  readonly durationMs: number;
  /** Sending has not stopped. */
  readonly sending: boolean;
  recordLate(ms: number): void;
  /** Park `run` until `run.wakeAt` (the host calls `restart` then). */
  park(run: JourneyRun): void;
}

export interface LoadModelRunner {
  /** Starts everything due by `now` (performance.now() ms); returns when it next needs a wake-up (Infinity: never). */
  fire(now: number): number;
  /** A journey ended; `now` is the clock read of the completion that ended it, or -1. */
  journeyEnded(run: JourneyRun, now: number): void;
  /** A run parked by this model is due (closed model: a VU's think time is over). */
  restart(run: JourneyRun, now: number): void;
  /** This generator now carries `share` of the drill (another generator was lost). */
  rescale(share: number, now: number): void;
  /**
   * The plan's stages were replaced (live control); they are the same as before up to the
   * instant the change takes effect, so journeys already started keep their due times.
   */
  replan(): void;
  /** Arrivals refused since the last call (open model at maxInFlight). */
  takeDropped(): number;
}

export type ModelFactory = (host: ModelHost, assignment: WorkerAssignment) => LoadModelRunner;
