// The controller's side of a distributed drill: a GeneratorFleet whose generators are the
// worker threads of remote agents. The drill sees N generators (the agents' workers, summed)
// exactly as it sees local threads; this class gathers the agents, ships each its part of the
// plan, starts them at one instant, forwards their generators' messages to the drill, keeps
// the controller's heartbeat going, and watches every agent's: one silent for `lossAfterMs`
// is lost — its data so far is kept, its generators end as failed, and per `onAgentLoss` the
// survivors take over its share (`redistribute`), carry on (`continue`) or the drill stops
// (`abort`).
// Every message of the run is authenticated (auth.ts): what the controller publishes is signed
// with the run's control key, and an agent's messages count only under that agent's data key.
// (Over 400 lines on purpose: the controller's side of the agents' exchange is one state machine
// per agent — assignment, traffic, loss — and splitting it would spread one agent's bookkeeping
// over several rooms; discovery, splitting, sealing and signing live in their own files next to it.)

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  OUTCOME_CLASSES,
  PROTOCOL_VERSION,
  UserError,
  type AgentControlMessage,
  type AgentIntervalMessage,
  type AgentSummary,
  type AgentToController,
  type AssignMessage,
  type ControlMessage,
  type ControllerHeartbeatMessage,
  type GeneratorMessage,
  type StartMessage,
  type WorkerAssignment,
} from '@peakdrill/core';
import type { FleetHost, GeneratorFleet } from '../generators.js';
import { controlKey, dataKey, newRunKey, Signer, Verifier } from './auth.js';
import { toParts } from './chunks.js';
import { decode, encode, versionMismatch } from './codec.js';
import { connectNats, onMessages } from './connect.js';
import { claimAgents, releaseAll, type ClaimedAgent } from './discovery.js';
import { replaySharesFor } from './replay-ship.js';
import { seal } from './seal.js';
import { csvFeeders, payloadFor, shareOf, slotsFor, type AgentSlot } from './split.js';
import { subjects, type Subjects } from './subjects.js';

export const AGENT_LOSS_MODES = ['redistribute', 'continue', 'abort'] as const;
export type AgentLossMode = (typeof AGENT_LOSS_MODES)[number];

export interface NatsFleetOptions {
  natsUrl: string;
  /** How many agents to wait for, or every idle agent that answers. */
  agents: number | 'all';
  /** What to do when an agent dies or goes silent mid-drill; default `redistribute`. */
  onAgentLoss?: AgentLossMode;
  /** How long to wait for the agents before giving up with AGENTS_MISSING; default 30 s. */
  waitMs?: number;
  /** Events before the drill starts (agents found, refused); in-drill events go to the run's notes. */
  onNote?: (note: string) => void;
  /** Subject prefix shared with the agents; default `peakdrill`. */
  prefix?: string;
  /** Shared token sealing the assignments (default: $PEAKDRILL_AGENT_TOKEN; none = clear text). */
  token?: string;
  /** Silence after which an agent counts as lost; default 3 s. */
  lossAfterMs?: number;
  /** Abort the wait for agents (SIGINT before the drill starts): UserError STOPPED_WAITING, exit 3. */
  signal?: AbortSignal;
}

const DEFAULT_WAIT_MS = 30_000;
const DEFAULT_LOSS_AFTER_MS = 3_000;
const CONTROLLER_HEARTBEAT_MS = 500;
const WATCH_MS = 250;
const ASSIGN_TIMEOUT_MS = 10_000;
/** From "agents claimed" to second 0: ship the plan, spin up the agents' threads, warm up (open connections, then 400 ms to 1 s of rounds and at high rates the paced windows: engine warmup.ts). */
const START_DELAY_MS = 2_000;

/**
 * A fleet factory for `DrillOptions.fleet`: connects to NATS and claims the agents when the
 * drill asks (UserError NATS_UNAVAILABLE or AGENTS_MISSING, both exit 2).
 */
export function createNatsFleet(opts: NatsFleetOptions): (runId: string) => Promise<GeneratorFleet> {
  if (opts.agents !== 'all' && (!Number.isInteger(opts.agents) || opts.agents < 1)) {
    throw new UserError('BAD_FLAG', `--agents must be a whole number of at least 1, or "all"; got ${String(opts.agents)}`);
  }
  if (opts.onAgentLoss !== undefined && !AGENT_LOSS_MODES.includes(opts.onAgentLoss)) {
    throw new UserError('BAD_FLAG', `--on-agent-loss must be one of ${AGENT_LOSS_MODES.join(', ')}; got "${String(opts.onAgentLoss)}"`);
  }
  return async (runId) => {
    const controller = `${hostname()}:${process.pid}`;
    const nc = await connectNats(opts.natsUrl, `peakdrill controller ${runId}`);
    const s = subjects(opts.prefix);
    const note = opts.onNote ?? (() => undefined);
    const token = opts.token ?? process.env.PEAKDRILL_AGENT_TOKEN;
    const fleet = new NatsFleet(nc, s, runId, { mode: opts.onAgentLoss ?? 'redistribute', lossAfterMs: opts.lossAfterMs ?? DEFAULT_LOSS_AFTER_MS, token });
    try {
      const claimed = await claimAgents(nc, s, {
        runId,
        controller,
        natsUrl: opts.natsUrl,
        want: opts.agents,
        waitMs: opts.waitMs ?? DEFAULT_WAIT_MS,
        sealed: token !== undefined,
        ...(token !== undefined ? { token } : {}),
        controlSubject: s.control(runId),
        dataSubject: s.data(runId),
        onNote: note,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      fleet.adopt(claimed);
      const workers = claimed.reduce((a, c) => a + c.capacity.workers, 0);
      note(`${claimed.length} agent${claimed.length === 1 ? '' : 's'}, ${workers} generators: ${claimed.map((c) => `${c.name} (${c.capacity.workers})`).join(', ')}`);
      return fleet;
    } catch (err) {
      await fleet.close();
      throw err;
    }
  };
}

interface AgentState {
  slot: AgentSlot;
  claim: ClaimedAgent;
  lastSeen: number;
  count: number;
  /** Generators of this agent that sent `done` or `failed` (or were declared failed). */
  ended: Set<string>;
  done: boolean;
  lost: { atS: number; reason: string } | null;
  stopSent: boolean;
  /** Checks this agent's messages (its data key). */
  verify: Verifier;
}

export class NatsFleet implements GeneratorFleet {
  names: string[] = [];
  readonly finished: Promise<void>;
  readonly startDelayMs = START_DELAY_MS;
  private resolveFinished!: () => void;
  private agentStates: AgentState[] = [];
  private generators = 0;
  private readonly byId = new Map<string, AgentState>();
  private onMessage: (msg: GeneratorMessage) => void = () => undefined;
  private host: FleetHost | null = null;
  private startAtMs = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private watch: NodeJS.Timeout | null = null;
  private dataSub: Subscription | null = null;
  private presenceSub: Subscription | null = null;
  private disconnectedAt: number | null = null;
  private closed = false;
  private isFinished = false;
  private stopped = false;
  /** Notes for the run's timeline, attached to the next interval that goes to the drill. */
  private readonly pendingNotes: string[] = [];
  private readonly runKey = newRunKey();
  private readonly sign: Signer;
  private refused = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly s: Subjects,
    private readonly runId: string,
    private readonly o: { mode: AgentLossMode; lossAfterMs: number; token: string | undefined },
  ) {
    this.finished = new Promise((r) => (this.resolveFinished = r));
    this.sign = new Signer(controlKey(this.runKey, runId));
    // the heartbeat starts before the first claim: a claimed agent hears it from the start
    this.heartbeat = setInterval(() => this.publishControl({ v: PROTOCOL_VERSION, type: 'controller-heartbeat', runId }), CONTROLLER_HEARTBEAT_MS);
    void this.watchStatus();
  }

  /** Takes the claimed agents on: generator names, capacity split, data subscription. */
  adopt(claimed: ClaimedAgent[]): void {
    const { slots, generators } = slotsFor(claimed.map((c) => ({ id: c.id, name: c.name, workers: c.capacity.workers })));
    this.generators = generators;
    this.names = Array.from({ length: generators }, (_, i) => `${this.runId}/g${i}`);
    this.agentStates = slots.map((slot, i) => ({
      slot,
      claim: claimed[i]!,
      lastSeen: Date.now(),
      count: 0,
      ended: new Set(),
      done: false,
      lost: null,
      stopSent: false,
      verify: new Verifier(dataKey(this.runKey, this.runId, slot.id)),
    }));
    for (const a of this.agentStates) this.byId.set(a.slot.id, a);
    this.dataSub = this.nc.subscribe(this.s.data(this.runId), onMessages((m) => this.onData(m)));
    this.presenceSub = this.nc.subscribe(this.s.agents, onMessages((m) => this.onPresence(m)));
  }

  async start(assignments: WorkerAssignment[], onMessage: (msg: GeneratorMessage) => void, host?: FleetHost): Promise<void> {
    this.onMessage = onMessage;
    this.host = host ?? null;
    this.startAtMs = assignments[0]?.startAtMs ?? Date.now();
    const plan = assignments[0]?.plan;
    const dataFiles: Record<string, string> = {};
    if (plan) {
      for (const [name, src] of csvFeeders(plan)) {
        try {
          dataFiles[name] = readFileSync(src.file, 'utf8');
        } catch (err) {
          throw new UserError('DATA_FILE_UNREADABLE', `data feeder "${name}": cannot read ${src.file} to ship it to the agents (${(err as Error).message})`);
        }
      }
    }
    const replayShares = plan ? await replaySharesFor(plan, assignments.length) : null;
    const results = await Promise.all(this.agentStates.map((a) => this.assign(a, assignments, dataFiles, replayShares)));
    this.publishControl({ v: PROTOCOL_VERSION, type: 'start', runId: this.runId } satisfies StartMessage);
    for (const a of this.agentStates) a.lastSeen = Math.max(a.lastSeen, Date.now());
    this.watch = setInterval(() => this.check(), WATCH_MS);
    results.forEach((failure, i) => {
      if (failure !== null) this.lose(this.agentStates[i]!, failure);
    });
  }

  /** Ships one agent its part; null when it took it, else why not. */
  private async assign(a: AgentState, assignments: WorkerAssignment[], dataFiles: Record<string, string>, replayShares: string[] | null): Promise<string | null> {
    const payload = JSON.stringify({ ...payloadFor(a.slot, assignments, dataFiles, a.claim.offsetMs, replayShares), runKey: this.runKey, controlSeq: this.sign.last(this.s.control(this.runId)) });
    // sealed with the token, or else with the key agreed in the claim: never in clear to a listener
    const key = this.o.token ?? a.claim.exchangeSecret;
    const text = key !== undefined ? JSON.stringify(seal(key, this.runId, payload)) : payload;
    const exchanged = this.o.token === undefined && key !== undefined;
    const parts = toParts(text);
    for (let i = 0; i < parts.length; i++) {
      const msg: AssignMessage = { v: PROTOCOL_VERSION, type: 'assign', runId: this.runId, part: i, parts: parts.length, sealed: this.o.token !== undefined, ...(exchanged ? { exchanged } : {}), data: parts[i]! };
      try {
        const r = await this.nc.request(this.s.agent(a.slot.id), encode(msg), { timeout: ASSIGN_TIMEOUT_MS });
        const d = decode<AgentToController>(r.data);
        if (!d.ok) return versionMismatch(d.v, `agent ${a.slot.name}`);
        if (d.msg.type === 'refused') return `refused its assignment: ${d.msg.reason}`;
        if (d.msg.type !== 'assigned') return `answered its assignment with "${d.msg.type}"`;
      } catch (err) {
        return `did not take its assignment (${(err as Error).message})`;
      }
      a.lastSeen = Date.now();
    }
    return null;
  }

  send(msg: ControlMessage): void {
    if (msg.type === 'stop') this.stopped = true;
    this.publishControl({ v: PROTOCOL_VERSION, type: 'control', runId: this.runId, control: msg } satisfies AgentControlMessage);
  }

  agents(durationS: number): AgentSummary[] {
    return this.agentStates.map((a) => ({
      name: a.slot.name,
      share: round4(shareOf(a.slot, this.generators)),
      achievedRps: Math.round((a.count / Math.max(durationS, 1e-9)) * 10) / 10,
      count: a.count,
      ...(a.lost ? { lost: a.lost } : {}),
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.heartbeat);
    if (this.watch) clearInterval(this.watch);
    const unfinished = this.agentStates.filter((a) => !a.done && !a.lost);
    if (unfinished.length > 0) this.publishControl({ v: PROTOCOL_VERSION, type: 'control', runId: this.runId, control: { type: 'stop', reason: 'the controller is closing' } });
    this.closed = true;
    if (unfinished.length > 0 && !this.nc.isClosed()) {
      await releaseAll(this.nc, this.s, this.runId, unfinished.map((a) => ({ id: a.slot.id })), 'the controller is closing', this.sign);
    }
    this.dataSub?.unsubscribe();
    this.presenceSub?.unsubscribe();
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
    this.finish();
  }

  // ------------------------------------------------------------------ traffic

  private publishControl(msg: AgentControlMessage | StartMessage | ControllerHeartbeatMessage): void {
    if (this.nc.isClosed() || this.closed) return;
    const subject = this.s.control(this.runId);
    const data = encode(msg);
    this.nc.publish(subject, data, { headers: this.sign.headers(subject, data) });
  }

  /** Whether `m` is `a`'s own and new; a refusal becomes a note in the run's timeline (once). */
  private authentic(a: AgentState, m: Msg): boolean {
    const why = a.verify.check(m.subject, m.data, m.headers);
    if (why === null) return true;
    if (this.refused++ === 0) this.timeline(`refused a message in the name of agent ${a.slot.name} on ${m.subject}: ${why}; messages that fail authentication are not counted`);
    return false;
  }

  private onPresence(m: Msg): void {
    const d = decode<AgentToController>(m.data);
    if (!d.ok || (d.msg.type !== 'heartbeat' && d.msg.type !== 'announce')) return;
    const a = this.byId.get(d.msg.id);
    // an agent that ended (or was lost) is idle again and announces itself unsigned: nothing to watch
    if (!a || a.lost || a.done) return;
    // before its assignment an agent has no key and nothing to lose; after it, only its signed word counts
    if (this.watch === null || this.authentic(a, m)) a.lastSeen = Date.now();
  }

  private onData(raw: Msg): void {
    const d = decode<AgentToController>(raw.data);
    if (!d.ok) return;
    const m = d.msg;
    if (m.type !== 'generator' && m.type !== 'done' && m.type !== 'interval') return;
    if (m.runId !== this.runId) return;
    const a = this.byId.get(m.agent);
    if (!a || !this.authentic(a, raw)) return;
    a.lastSeen = Date.now();
    if (m.type === 'done') {
      this.agentDone(a, m.count);
      return;
    }
    if (m.type === 'interval') return this.onInterval(a, m);
    const msg = m.msg;
    if (!this.owns(a, msg.generator)) return;
    if (a.ended.has(msg.generator)) return;
    a.ended.add(msg.generator);
    this.onMessage(msg);
    this.checkFinished();
  }

  /**
   * An agent's second, merged over the generators it names. The drill's aggregator counts
   * generators, so each of the others gets an empty interval for that second: it has reported.
   */
  private onInterval(a: AgentState, m: AgentIntervalMessage): void {
    const gens = m.generators;
    if (!Array.isArray(gens) || gens.length === 0 || !gens.every((i) => Number.isInteger(i) && i >= a.slot.first && i < a.slot.first + a.slot.workers)) return;
    // a lost agent that comes back (a pause, a partition): its requests did reach the target,
    // so they are counted; but it is told to stop, its share having been dealt with
    if (a.lost) this.stopAgent(a, 'it was declared lost');
    const msg = m.msg;
    for (const l of msg.links) for (const k of OUTCOME_CLASSES) a.count += l.outcomes[k] ?? 0;
    const notes = this.pendingNotes.length > 0 ? this.pendingNotes.splice(0) : null;
    for (let i = 1; i < gens.length; i++) {
      this.onMessage({ type: 'interval', generator: `${this.runId}/g${gens[i]}`, t: msg.t, links: [], journeys: [], inFlight: 0, dropped: 0, lateP99Us: 0 });
    }
    this.onMessage({ ...msg, generator: `${this.runId}/g${gens[0]}`, ...(notes ? { notes: [...(msg.notes ?? []), ...notes] } : {}) });
  }

  private owns(a: AgentState, generator: string): boolean {
    const i = Number(generator.slice(generator.lastIndexOf('/g') + 2));
    return generator.startsWith(`${this.runId}/g`) && Number.isInteger(i) && i >= a.slot.first && i < a.slot.first + a.slot.workers;
  }

  private agentDone(a: AgentState, reported: number): void {
    if (a.done) return;
    a.done = true;
    for (const g of this.generatorsOf(a)) {
      if (a.ended.has(g)) continue;
      a.ended.add(g);
      this.onMessage({ type: 'failed', generator: g, code: 'AGENT_NO_END', message: `agent ${a.slot.name} finished without this generator's last message` });
    }
    if (!a.lost && reported !== a.count) {
      this.pendingNotes.push(`agent ${a.slot.name} counted ${reported} requests but ${a.count} arrived over NATS: interval messages were lost`);
    }
    this.checkFinished();
  }

  private generatorsOf(a: AgentState): string[] {
    return Array.from({ length: a.slot.workers }, (_, i) => `${this.runId}/g${a.slot.first + i}`);
  }

  private checkFinished(): void {
    if (this.agentStates.every((a) => a.lost !== null || (a.done && a.ended.size === a.slot.workers))) this.finish();
  }

  private finish(): void {
    if (this.isFinished) return;
    this.isFinished = true;
    if (this.watch) clearInterval(this.watch);
    // let the drill take the last messages before it hears we are finished
    setImmediate(() => this.resolveFinished());
  }

  // ------------------------------------------------------------------ faults

  private check(): void {
    if (this.isFinished) return;
    const now = Date.now();
    if (this.disconnectedAt !== null) {
      // our own link is down: no agent is heard, and each stops itself within seconds
      if (now - this.disconnectedAt > this.o.lossAfterMs) {
        const reason = `the controller lost NATS for ${((now - this.disconnectedAt) / 1000).toFixed(1)} s`;
        this.host?.stop(reason, { cause: 'nats-lost', rule: 'nats-lost', atS: this.secondsIn(now), figures: {}, reason });
        for (const a of this.agentStates) if (!a.lost && !a.done) this.lose(a, reason, false);
      }
      return;
    }
    for (const a of this.agentStates) {
      if (a.lost || a.done) continue;
      const silent = now - a.lastSeen;
      if (silent > this.o.lossAfterMs) this.lose(a, `no heartbeat for ${(silent / 1000).toFixed(1)} s`);
    }
  }

  private lose(a: AgentState, reason: string, handle = true): void {
    if (a.lost || a.done) return;
    const atS = this.secondsIn(Date.now());
    a.lost = { atS, reason };
    this.stopAgent(a, `lost by the controller: ${reason}`);
    for (const g of this.generatorsOf(a)) {
      if (a.ended.has(g)) continue;
      a.ended.add(g);
      this.onMessage({ type: 'failed', generator: g, code: 'AGENT_LOST', message: `agent ${a.slot.name} lost at t=${atS}s: ${reason}` });
    }
    if (handle && !this.stopped) this.handleLoss(a, atS, reason);
    this.checkFinished();
  }

  private handleLoss(a: AgentState, atS: number, reason: string): void {
    const survivors = this.agentStates.filter((x) => !x.lost && !x.done);
    const lostNote = `agent ${a.slot.name} lost at t=${atS}s (${reason}); its data so far is kept`;
    if (this.o.mode === 'abort') {
      this.host?.stop(`agent ${a.slot.name} lost`, { cause: 'agent-lost', rule: 'agent-lost', atS, figures: { agentsLeft: survivors.length }, reason: `${lostNote}; --on-agent-loss abort stops the drill` });
      return;
    }
    if (this.o.mode === 'continue' || survivors.length === 0) {
      this.timeline(`${lostNote}; the drill continues without its share (${(shareOf(a.slot, this.generators) * 100).toFixed(1)}%)`);
      return;
    }
    const remaining = survivors.reduce((n, x) => n + x.slot.workers, 0);
    const share = 1 / remaining;
    const rescale = (): void => this.send({ type: 'rescale', share });
    // a rescale must reach the generators after they started their schedule
    const wait = this.startAtMs + 100 - Date.now();
    if (wait > 0) setTimeout(rescale, wait);
    else rescale();
    this.timeline(`${lostNote}; its share went to the other ${survivors.length} agent${survivors.length === 1 ? '' : 's'} (${remaining} generators, each now ${(share * 100).toFixed(2)}%)`);
  }

  private stopAgent(a: AgentState, reason: string): void {
    if (a.stopSent || this.nc.isClosed()) return;
    a.stopSent = true;
    const msg: AgentControlMessage = { v: PROTOCOL_VERSION, type: 'control', runId: this.runId, control: { type: 'stop', reason } };
    const subject = this.s.agent(a.slot.id);
    const data = encode(msg);
    this.nc.publish(subject, data, { headers: this.sign.headers(subject, data) });
  }

  private timeline(note: string): void {
    this.pendingNotes.push(note);
  }

  private secondsIn(now: number): number {
    return Math.max(0, Math.round((now - this.startAtMs) / 100) / 10);
  }

  private async watchStatus(): Promise<void> {
    for await (const st of this.nc.status()) {
      if (st.type === 'disconnect') this.disconnectedAt ??= Date.now();
      else if (st.type === 'reconnect') {
        this.disconnectedAt = null;
        for (const a of this.agentStates) a.lastSeen = Math.max(a.lastSeen, Date.now() - this.o.lossAfterMs / 2);
      }
    }
  }
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
