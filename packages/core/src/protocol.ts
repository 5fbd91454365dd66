// Every message that crosses a thread, a process or a machine, in one place.
// Controller ⇄ local piscina workers use these over a MessagePort; controller ⇄ remote agents
// use the same shapes over NATS (wrapped with a protocol version). Histograms cross encoded
// (HDR compressed base64), one per link per interval, never as raw samples.

import type { Plan } from './plan.js';
import type { OutcomeCounts } from './runfiles/summary.js';

export const PROTOCOL_VERSION = 1;

/** What a load generator (a worker thread, or one on an agent) is asked to do. */
export interface WorkerAssignment {
  runId: string;
  plan: Plan;
  /** Index of this generator among all generators of the drill, and how many there are. */
  index: number;
  count: number;
  /** Fraction of the open-model arrival rate (or of the closed model's VUs) this generator carries. */
  share: number;
  /** Epoch ms at which second 0 of the drill begins, the same on every generator. */
  startAtMs: number;
  /** HMAC secret for the shadow tag: held in memory only, never written anywhere. */
  shadowSecret?: string;
  /** Rows of `unique` CSV feeders this generator may use: [from, to) by feeder name. */
  uniqueRanges?: Record<string, [number, number]>;
  /** File contents of CSV feeders (agents get them shipped; local workers read the files). */
  dataFiles?: Record<string, string>;
}

export interface IntervalLink {
  name: string;
  /** Requests completed in the interval, by outcome. */
  outcomes: OutcomeCounts;
  /** Requests started (sent or scheduled) in the interval. */
  started: number;
  /** Latency from the scheduled time (open) or the send (closed), µs, encoded HDR. */
  latency: string;
  /** Service time from the actual send, µs, encoded HDR. */
  service: string;
  /** Server-Timing hops: name → encoded HDR (µs). */
  hops: Record<string, string>;
  tagSent: number;
  tagAcknowledged: number;
}

export interface IntervalJourney {
  name: string;
  started: number;
  completed: number;
  failed: number;
}

/** One second of one generator. */
export interface IntervalMessage {
  type: 'interval';
  generator: string;
  /** Second index since startAtMs. */
  t: number;
  links: IntervalLink[];
  journeys: IntervalJourney[];
  inFlight: number;
  dropped: number;
  /** Scheduler lateness p99 in µs over the interval (how late starts were vs schedule). */
  lateP99Us: number;
  /** A feeder ran out of unique rows, etc. */
  notes?: string[];
}

export interface DoneMessage {
  type: 'done';
  generator: string;
}

export interface FailedMessage {
  type: 'failed';
  generator: string;
  code: string;
  message: string;
}

export type GeneratorMessage = IntervalMessage | DoneMessage | FailedMessage;

/** Controller → generator while a drill runs. */
export type ControlMessage =
  | { type: 'stop'; reason: string }
  | { type: 'rescale'; share: number };

export type { OutcomeCounts };
