// Where the load comes from: local worker threads or remote agents. The drill talks to both
// through this one interface, so aggregation, abort rules and run files are the same.

import type { ControlMessage, GeneratorMessage, WorkerAssignment } from '@peakdrill/core';

export interface GeneratorFleet {
  /** Names of the generators, known before they start (used by the aggregator). */
  readonly names: string[];
  /** Starts every generator with its assignment; messages arrive through `onMessage`. */
  start(assignments: WorkerAssignment[], onMessage: (msg: GeneratorMessage) => void): Promise<void>;
  send(msg: ControlMessage): void;
  /** Resolves when every generator is done (or lost). */
  readonly finished: Promise<void>;
  close(): Promise<void>;
}
