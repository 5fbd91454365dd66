// Every message that crosses a thread, a process or a machine, in one place.
// Controller ⇄ local piscina workers use these over a MessagePort; controller ⇄ remote agents
// use the same shapes over NATS (wrapped with a protocol version). Histograms cross encoded
// (HDR compressed base64), one per link per interval, never as raw samples.

import type { Plan, Stage } from './plan.js';
import type { OutcomeCounts } from './runfiles/summary.js';

/** v2: agents pre-merge their generators' seconds, and a run's messages are authenticated. */
export const PROTOCOL_VERSION = 2;

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
  /**
   * True: `startAtMs` is not known yet; the generator prepares (pools, warm-up), reports
   * `ready`, and waits for a `start` control message carrying the instant. False/absent:
   * it prepares and starts at `startAtMs` (agents, whose start instant is fixed when assigned).
   */
  awaitStart?: boolean;
  /** HMAC secret for the shadow tag: held in memory only, never written anywhere. */
  shadowSecret?: string;
  /** Rows of `unique` CSV feeders this generator may use: [from, to) by feeder name. */
  uniqueRanges?: Record<string, [number, number]>;
  /** File contents of CSV feeders (agents get them shipped; local workers read the files). */
  dataFiles?: Record<string, string>;
  /**
   * A replay on an agent: this generator's requests of the log, read and split by the
   * controller (one JSON `[atMs, link, target]` a line); local workers read the log themselves.
   */
  replayShare?: string;
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
  /** Ended by a declared shed status (sold out, rate limited). */
  shed?: number;
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
  /** The generator's own health over the interval (absent from generators of older releases). */
  health?: GeneratorHealth;
}

/**
 * How well the generator itself kept up during one interval: measured on its own thread so a
 * saturated generator can be told apart from a slow target (see docs/design/honest-latency.md).
 */
export interface GeneratorHealth {
  /** Lateness of every send (arrival or later step) against its due time, µs, encoded HDR. */
  lateness: string;
  /** Event-loop delay over the interval (perf_hooks.monitorEventLoopDelay), µs. */
  eventLoopDelayP99Us: number;
  eventLoopDelayMaxUs: number;
  /** Share of the interval the generator's thread was busy (0..1), its wait for the next due time excluded. */
  cpu: number;
}

/** The generator booted, compiled the plan and opened its pools' connections: the clock may start. */
export interface ReadyMessage {
  type: 'ready';
  generator: string;
  /**
   * Warm-up requests sent (never counted, never tagged; by default to the generator's own
   * loopback server) and how many failed; connections opened to the drill's targets, and
   * attempts that failed.
   */
  warmup: { requests: number; failed: number; ms: number; connected: number; connectFailed: number };
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

export type GeneratorMessage = ReadyMessage | IntervalMessage | DoneMessage | FailedMessage;

/** Controller → generator while a drill runs. */
export type ControlMessage =
  | { type: 'start'; startAtMs: number }
  | { type: 'stop'; reason: string }
  | { type: 'rescale'; share: number }
  /**
   * Live control (`peakdrill ctl`): the drill's stages from now on, replacing the plan's. They
   * equal the stages in effect up to the instant the change takes effect (the controller picks
   * it a little ahead), so arrivals already due keep their due times and nothing is re-sent.
   */
  | { type: 'stages'; stages: Stage[] };

export type { OutcomeCounts };

// ------------------------------------------------------------------ agents over NATS
// Controller ⇄ agent messages. Every one carries `v: PROTOCOL_VERSION`; a peer that reads
// another version refuses it with a `refused` message saying both versions. The subjects
// (see controller/src/distributed/subjects.ts) carry no version on purpose: peers of different
// versions must still meet, or a mismatch would look like "no agents" instead of a clear refusal.
//
//   <prefix>.discover          controller → all agents   discover
//   <prefix>.agents            agents → controllers      announce (on start, on discover, when idle again), heartbeat (1/s)
//   <prefix>.agent.<id>        controller → one agent    claim → claimed · assign (parts) → assigned · release · refused
//   <prefix>.run.<run>.control controller → its agents   start · control (stop, rescale) · controller-heartbeat
//   <prefix>.run.<run>.data    agents → controller       interval (the agent's generators' second, merged) · generator (done/failed) · done
//
// Authentication (controller/src/distributed/auth.ts): from the assignment on, every message of
// a run (start, control, controller-heartbeat, release; interval, generator, done, the agent's
// heartbeat while busy) carries a `Peakdrill-Auth: <seq>.<hmac>` NATS header under a key derived
// from `AgentAssignPayload.runKey`; a message without a valid one, or replayed, is refused.

/** What an agent brings: one generator (worker thread) per worker. */
export interface AgentCapacity {
  cores: number;
  workers: number;
}

export interface AgentPresenceMessage {
  v: number;
  type: 'announce' | 'heartbeat';
  /** The name people read (`--name`); `id` is what subjects address (unique per process). */
  agent: string;
  id: string;
  capacity: AgentCapacity;
  /** The run it is claimed for or running, or null when idle. */
  busy: string | null;
  /** The agent only takes sealed assignments (it holds a shared token). */
  sealed: boolean;
  /** peakdrill version of the agent, for the refusal message. */
  release: string;
}

export interface DiscoverMessage {
  v: number;
  type: 'discover';
  controller: string;
}

/** Reserves an idle agent for one run; the reply carries the agent's clock to align the start instant. */
export interface ClaimMessage {
  v: number;
  type: 'claim';
  runId: string;
  controller: string;
  /** Subject of the run's control messages (heartbeat, start, stop, rescale). */
  controlSubject: string;
  /** Subject the agent publishes its generators' messages and its `done` on. */
  dataSubject: string;
  /** The controller's ephemeral X25519 public key (SPKI DER, base64): without a token, the assignment is sealed with the agreed key. */
  exchangeKey?: string;
}

export interface ClaimedMessage {
  v: number;
  type: 'claimed';
  /** The agent's Date.now() when it answered (the controller derives the clock offset from it). */
  nowMs: number;
  /** The agent's X25519 public key, answering the claim's. */
  exchangeKey?: string;
}

/**
 * One part of the assignment payload (NATS caps a message at ~1 MB; CSV files may be larger).
 * The parts, joined, are the JSON of a `SealedBox` whose plaintext is the JSON of
 * `AgentAssignPayload` (AES-256-GCM; key from the shared token with `sealed`, from the claim's
 * key exchange with `exchanged`), or that JSON itself when neither (a peer that offered no exchange).
 */
export interface AssignMessage {
  v: number;
  type: 'assign';
  runId: string;
  part: number;
  parts: number;
  sealed: boolean;
  /** Without a token: sealed with the key agreed in the claim (`exchangeKey`). */
  exchanged?: boolean;
  data: string;
}

export interface AgentAssignPayload {
  /** One per generator this agent runs; `startAtMs` already in the agent's clock. */
  assignments: WorkerAssignment[];
  /** CSV contents by feeder name, shipped once per agent (attached to every assignment there). */
  dataFiles?: Record<string, string>;
  /** The run's random key (base64, 32 bytes): the control and data keys derive from it. */
  runKey: string;
  /** Last sequence number the controller used on the control subject before this assignment. */
  controlSeq: number;
}

export interface SealedBox {
  iv: string;
  tag: string;
  data: string;
}

export interface AssignedMessage {
  v: number;
  type: 'assigned';
  /** Parts received so far (the last part's reply means the agent is ready). */
  part: number;
}

export interface ReleaseMessage {
  v: number;
  type: 'release';
  runId: string;
  reason: string;
}

/** A refusal: another protocol version, busy, a token mismatch. Sent as a reply or on the agent's subject. */
export interface RefusedMessage {
  v: number;
  type: 'refused';
  code: 'VERSION_MISMATCH' | 'AGENT_BUSY' | 'TOKEN_MISMATCH' | 'BAD_MESSAGE' | 'UNKNOWN_RUN';
  reason: string;
  /** Set when a controller refuses an agent (so the agent can say who refused it). */
  controller?: string;
}

export interface StartMessage {
  v: number;
  type: 'start';
  runId: string;
}

export interface AgentControlMessage {
  v: number;
  type: 'control';
  runId: string;
  control: ControlMessage;
}

/** The controller is alive; an agent that hears none for a few seconds stops sending load. */
export interface ControllerHeartbeatMessage {
  v: number;
  type: 'controller-heartbeat';
  runId: string;
}

/**
 * One second of the agent's generators, merged on the agent (outcomes summed, HDR histograms
 * added losslessly): one message per agent per second instead of one per worker. A generator
 * that reports late is sent in a later message for the same second (the controller folds it).
 */
export interface AgentIntervalMessage {
  v: number;
  type: 'interval';
  runId: string;
  /** Agent id. */
  agent: string;
  /** Indices (in the drill) of the generators whose second `msg.t` this message holds. */
  generators: number[];
  /** The merged second; `generator` names the first of `generators`. */
  msg: IntervalMessage;
}

/** A `done` or `failed` of one of the agent's generators, forwarded as is. */
export interface AgentGeneratorMessage {
  v: number;
  type: 'generator';
  runId: string;
  /** Agent id. */
  agent: string;
  msg: DoneMessage | FailedMessage;
}

/** The agent's generators have all finished; its own count, to check against what arrived. */
export interface AgentDoneMessage {
  v: number;
  type: 'done';
  runId: string;
  agent: string;
  /** Requests completed by this agent's generators, counted from the intervals it published. */
  count: number;
  /** Interval messages it published. */
  intervals: number;
}

/** Everything agents send. */
export type AgentToController = AgentPresenceMessage | ClaimedMessage | AssignedMessage | RefusedMessage | AgentIntervalMessage | AgentGeneratorMessage | AgentDoneMessage;
/** Everything controllers send. */
export type ControllerToAgent =
  | DiscoverMessage
  | ClaimMessage
  | AssignMessage
  | ReleaseMessage
  | RefusedMessage
  | StartMessage
  | AgentControlMessage
  | ControllerHeartbeatMessage;

// what a request's outcome is cross threads in every interval message: the worker takes them from here
export { OUTCOME_CLASSES, emptyOutcomes, type OutcomeClass } from './runfiles/summary.js';
