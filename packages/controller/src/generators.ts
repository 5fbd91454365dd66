// Where the load comes from: local worker threads or remote agents. The drill talks to both
// through this one interface, so aggregation, abort rules and run files are the same.

import type { AbortInfo, AgentSummary, ControlMessage, GeneratorMessage, WorkerAssignment } from '@peakdrill/core';

/** What a fleet may ask of the drill it serves (an agent lost under `--on-agent-loss abort`). */
export interface FleetHost {
  stop(reason: string, abort?: AbortInfo): void;
}

export interface GeneratorFleet {
  /** Names of the generators, known before they start (used by the aggregator). */
  readonly names: string[];
  /** Starts every generator with its assignment; messages arrive through `onMessage`. */
  start(assignments: WorkerAssignment[], onMessage: (msg: GeneratorMessage) => void, host?: FleetHost): Promise<void>;
  send(msg: ControlMessage): void;
  /**
   * Starts the clock of generators that were assigned with `awaitStart` once each said
   * `ready`. Fleets without it (remote agents) take the start instant in their assignments.
   */
  go?(startAtMs: number): void;
  /** Resolves when every generator is done (or lost). */
  readonly finished: Promise<void>;
  close(): Promise<void>;
  /** Headroom the fleet needs between being ready and second 0 (remote agents: shipping the plan). */
  readonly startDelayMs?: number;
  /** Per-agent figures for the summary (remote fleets). */
  agents?(durationS: number): AgentSummary[];
}
