// `peakdrill agent`: a remote load generator. It is a LocalFleet whose messages go to NATS —
// the same piscina workers and the same Generator as a local run (one engine, two transports).
// Its workers' intervals are pre-merged per second (premerge.ts): one message per agent per
// second, so the controller's cost grows with agents, not with agents × workers.
// Every message of a run is authenticated (auth.ts): the agent acts on no control message
// (start, stop, rescale, stages, heartbeat, release) that is not the controller's, and new, and it
// signs what it sends. A refusal is logged, never acted upon.
// (Over 400 lines on purpose: the agent's life — claimed, assigned, running, idle again — is one
// state machine, and its transitions read best in one place.)
//
// Life of an agent: idle (announce, heartbeat every second) → claimed by one controller for one
// run → assigned (its generators' assignments; worker threads spun up) → started at the agreed
// instant → done (its own count sent) → idle again. While claimed it listens to the controller's
// heartbeat; after CONTROLLER_SILENCE_MS without a word (controller killed, NATS lost) it stops
// sending load at once — a drill never keeps running unattended.
// Over 400 lines on purpose: the agent's side of one exchange (claim, assignment, start, control,
// heartbeats, release) is one state machine; its parts live in assignment.ts, auth.ts, premerge.ts.

import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  OUTCOME_CLASSES,
  PROTOCOL_VERSION,
  redactUserinfo,
  totalDurationMs,
  type AgentAssignPayload,
  type AgentDoneMessage,
  type AgentGeneratorMessage,
  type AgentIntervalMessage,
  type AgentPresenceMessage,
  type AssignedMessage,
  type ClaimedMessage,
  type ControlMessage,
  type ControllerToAgent,
  type GeneratorMessage,
  type RefusedMessage,
  type WorkerAssignment,
} from '@peakdrill/core';
import { LocalFleet } from '../local.js';
import { controlKey, dataKey, Signer, Verifier } from './auth.js';
import { PartCollector } from './chunks.js';
import { decode, encode, refusalReason, versionMismatch } from './codec.js';
import { connectNats, onMessages } from './connect.js';
import { readAssignment, readClaim, shareProblem, stagesProblem } from './assignment.js';
import { SecondMerger, type MergedSecond } from './premerge.js';
import { subjects, token, type Subjects } from './subjects.js';

/** Silence from the controller after which the agent stops its drill (must stay well under 5 s). */
export const CONTROLLER_SILENCE_MS = 2_500;
const HEARTBEAT_MS = 1_000;
const WATCH_MS = 250;
/** A claim with no assignment and no start after this long is dropped. */
const CLAIM_TTL_MS = 60_000;
const RELEASE = '0.1.0';
const SHUTDOWN_WAIT_MS = 5_000;
const MERGE_TICK_MS = 250;
const CLAIMED_RUNS_KEPT = 1_000;
/** Refusals are logged at most this often per run (a flood of forgeries must not flood the log). */
const REFUSAL_LOG_MS = 1_000;

export interface AgentOptions {
  natsUrl: string;
  /** The name people read in the summary; default `<hostname>-<pid>`. */
  name?: string;
  /** Worker threads (generators) this agent runs; default: one per core. */
  workers?: number;
  /** One line per event (connected, claimed, started, done, stopped, refused); never secrets. */
  onLog?: (line: string) => void;
  /** Subject prefix shared with the controller; default `peakdrill`. */
  prefix?: string;
  /** Shared token: take only sealed assignments (default: $PEAKDRILL_AGENT_TOKEN). */
  token?: string;
  /** Leave after one drill (a Kubernetes Job's pod, a one-off container). */
  once?: boolean;
}

export interface RunningAgent {
  readonly name: string;
  readonly id: string;
  readonly workers: number;
  /** Resolves when the agent has stopped. */
  readonly closed: Promise<void>;
  /** Stops a drill in progress (load stops at once), reports it, leaves NATS. */
  close(): Promise<void>;
}

interface Run {
  runId: string;
  controller: string;
  controlSubject: string;
  dataSubject: string;
  claimedAt: number;
  lastWord: number;
  parts: PartCollector;
  assignments: WorkerAssignment[] | null;
  fleet: LocalFleet | null;
  started: boolean;
  stopping: boolean;
  count: number;
  intervals: number;
  sub: Subscription;
  ended: Promise<void> | null;
  /** From the assignment on: checks the controller's messages, signs ours. */
  auth: { verify: Verifier; sign: Signer } | null;
  merger: SecondMerger | null;
  mergeTick: NodeJS.Timeout | null;
  refusals: { count: number; loggedAt: number };
  /** The key agreed in the claim (no token): the assignment comes sealed with it. */
  exchangeSecret: string | undefined;
}

/** Connects, announces itself and waits for drills. Throws UserError NATS_UNAVAILABLE. */
export async function runAgent(opts: AgentOptions): Promise<RunningAgent> {
  const name = opts.name ?? `${hostname()}-${process.pid}`;
  const workers = Math.max(1, Math.floor(opts.workers ?? availableParallelism()));
  const id = `${token(name).slice(0, 40)}-${randomBytes(3).toString('hex')}`;
  const nc = await connectNats(opts.natsUrl, `peakdrill agent ${name}`);
  const agent = new Agent(nc, subjects(opts.prefix), name, id, workers, opts.token ?? process.env.PEAKDRILL_AGENT_TOKEN, opts.onLog ?? (() => undefined), opts.once === true);
  agent.begin(redactUserinfo(opts.natsUrl));
  return agent;
}

class Agent implements RunningAgent {
  readonly closed: Promise<void>;
  private run: Run | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private watch: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private readonly mismatchLogged = new Set<string>();
  /** The last runs this agent was claimed for: a claim for one of them again is a replay. */
  private readonly claimedRuns: string[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly s: Subjects,
    readonly name: string,
    readonly id: string,
    readonly workers: number,
    private readonly token: string | undefined,
    private readonly log: (line: string) => void,
    private readonly once: boolean,
  ) {
    // when we close it ourselves, `closed` waits for the end of close() (its last log line)
    this.closed = nc.closed().then(() => this.closing ?? undefined);
  }

  begin(url: string): void {
    this.nc.subscribe(this.s.agent(this.id), onMessages((m) => this.onDirect(m)));
    this.nc.subscribe(this.s.discover, onMessages((m) => this.onDiscover(m)));
    void this.watchStatus();
    this.presence('announce');
    this.heartbeat = setInterval(() => this.presence('heartbeat'), HEARTBEAT_MS);
    this.watch = setInterval(() => this.checkController(), WATCH_MS);
    const cores = availableParallelism();
    this.log(`agent ${this.name}: ${this.workers} worker${this.workers === 1 ? '' : 's'} on ${cores} core${cores === 1 ? '' : 's'}, connected to ${url}; waiting for drills`);
    if (this.workers > cores) this.log(`agent ${this.name}: note: more workers (${this.workers}) than cores (${cores}); each worker is planned as one generator's worth of load`);
  }

  private presence(type: AgentPresenceMessage['type']): void {
    if (this.nc.isClosed()) return;
    const msg: AgentPresenceMessage = {
      v: PROTOCOL_VERSION,
      type,
      agent: this.name,
      id: this.id,
      capacity: { cores: availableParallelism(), workers: this.workers },
      busy: this.run?.runId ?? null,
      sealed: this.token !== undefined,
      release: RELEASE,
    };
    // while busy, the heartbeat is signed: nobody else can keep a dead agent alive for the controller
    this.publish(this.s.agents, msg, this.run?.auth?.sign);
  }

  private publish(subject: string, msg: AgentPresenceMessage | AgentIntervalMessage | AgentGeneratorMessage | AgentDoneMessage, sign: Signer | undefined): void {
    if (this.nc.isClosed()) return;
    const data = encode(msg);
    this.nc.publish(subject, data, sign ? { headers: sign.headers(subject, data) } : undefined);
  }

  private onDiscover(m: Msg): void {
    const d = decode<ControllerToAgent>(m.data);
    if (!d.ok) this.logMismatchOnce(whoSent(d.raw), d.v);
    // answer either way: a controller of another version refuses us with a clear message
    this.presence('announce');
  }

  private logMismatchOnce(who: string, v: number | null): void {
    const key = `${who}/${v}`;
    if (this.mismatchLogged.has(key)) return;
    this.mismatchLogged.add(key);
    this.log(`agent ${this.name}: refused ${versionMismatch(v, who)}`);
  }

  private reply(m: Msg, msg: ClaimedMessage | AssignedMessage | RefusedMessage): void {
    if (m.reply) m.respond(encode(msg));
  }

  private refuse(m: Msg, code: RefusedMessage['code'], reason: string): void {
    this.log(`agent ${this.name}: refused: ${reason}`);
    this.reply(m, { v: PROTOCOL_VERSION, type: 'refused', code, reason });
  }

  /** Requests addressed to this agent: claim, assign, release; refusals and controls. */
  private onDirect(m: Msg): void {
    const d = decode<ControllerToAgent>(m.data);
    if (!d.ok) {
      const who = whoSent(d.raw);
      if (d.type === 'refused' && typeof d.raw?.reason === 'string') {
        // a controller of another version refusing us, in its own words
        this.log(`agent ${this.name}: refused by ${who}: ${d.raw.reason}`);
        return;
      }
      this.logMismatchOnce(who, d.v);
      this.reply(m, { v: PROTOCOL_VERSION, type: 'refused', code: 'VERSION_MISMATCH', reason: refusalReason(`agent ${this.name}`, d.v) });
      return;
    }
    const msg = d.msg;
    switch (msg.type) {
      case 'claim': {
        const claim = readClaim(msg, m, { token: this.token, agent: this.name, seen: this.claimedRuns });
        if (!claim.ok) {
          this.refuse(m, claim.code, claim.reason);
          return;
        }
        if (this.run !== null || this.closing !== null) {
          this.reply(m, { v: PROTOCOL_VERSION, type: 'refused', code: 'AGENT_BUSY', reason: `agent ${this.name} is busy with run ${this.run?.runId ?? '(shutting down)'}` });
          return;
        }
        this.claimedRuns.push(msg.runId);
        if (this.claimedRuns.length > CLAIMED_RUNS_KEPT) this.claimedRuns.shift();
        const { exchangeKey, exchangeSecret } = claim;
        const sub = this.nc.subscribe(msg.controlSubject, onMessages((cm) => this.onControl(cm)));
        this.run = {
          runId: msg.runId,
          controller: msg.controller,
          controlSubject: msg.controlSubject,
          dataSubject: msg.dataSubject,
          claimedAt: Date.now(),
          lastWord: Date.now(),
          parts: new PartCollector(),
          assignments: null,
          fleet: null,
          started: false,
          stopping: false,
          count: 0,
          intervals: 0,
          sub,
          ended: null,
          auth: null,
          merger: null,
          mergeTick: null,
          refusals: { count: 0, loggedAt: 0 },
          exchangeSecret,
        };
        this.log(`agent ${this.name}: claimed by ${msg.controller} for run ${msg.runId}`);
        this.reply(m, { v: PROTOCOL_VERSION, type: 'claimed', nowMs: Date.now(), ...(exchangeKey ? { exchangeKey } : {}) });
        this.presence('heartbeat');
        return;
      }
      case 'assign': {
        const run = this.run;
        if (run === null || run.runId !== msg.runId || run.assignments !== null) {
          this.reply(m, { v: PROTOCOL_VERSION, type: 'refused', code: 'UNKNOWN_RUN', reason: `agent ${this.name} is not waiting for an assignment of run ${msg.runId}` });
          return;
        }
        run.lastWord = Date.now();
        let text: string | null;
        try {
          text = run.parts.add(msg.part, msg.parts, msg.data);
        } catch (err) {
          this.refuse(m, 'BAD_MESSAGE', (err as Error).message);
          this.endRun(run, 'bad assignment');
          return;
        }
        if (text === null) {
          this.reply(m, { v: PROTOCOL_VERSION, type: 'assigned', part: msg.part });
          return;
        }
        const payload = this.unpack(m, run, msg.sealed, msg.exchanged === true, text);
        if (payload === null) {
          this.endRun(run, 'assignment refused');
          return;
        }
        for (const a of payload.assignments) if (payload.dataFiles) a.dataFiles = payload.dataFiles;
        run.assignments = payload.assignments;
        run.auth = {
          verify: new Verifier(controlKey(payload.runKey, run.runId), { [run.controlSubject]: payload.controlSeq }),
          sign: new Signer(dataKey(payload.runKey, run.runId, this.id)),
        };
        // the threads spin up now, so that `start` only hands them their tasks
        run.fleet = new LocalFleet(run.runId, Math.max(1, payload.assignments.length));
        const share = payload.assignments.reduce((a, x) => a + x.share, 0);
        this.log(`agent ${this.name}: run ${run.runId}: ${payload.assignments.length} generator${payload.assignments.length === 1 ? '' : 's'}, ${(share * 100).toFixed(1)}% of the load, starting in ${Math.max(0, (payload.assignments[0]?.startAtMs ?? Date.now()) - Date.now())} ms`);
        this.reply(m, { v: PROTOCOL_VERSION, type: 'assigned', part: msg.part });
        return;
      }
      case 'release': {
        const run = this.run;
        if (run && run.runId === msg.runId && this.authentic(run, m, 'release')) this.stopRun(run, `released by the controller: ${msg.reason}`);
        return;
      }
      case 'refused':
        this.log(`agent ${this.name}: refused by the controller: ${msg.reason}`);
        return;
      case 'control':
      case 'start':
      case 'controller-heartbeat':
        this.onControlMessage(msg, m);
        return;
      default:
        return;
    }
  }

  private unpack(m: Msg, run: Run, sealed: boolean, exchanged: boolean, text: string): AgentAssignPayload | null {
    const r = readAssignment(text, { sealed, exchanged, exchangeSecret: run.exchangeSecret, token: this.token, runId: run.runId, agent: this.name });
    if (r.ok) return r.payload;
    this.refuse(m, r.code, r.reason);
    return null;
  }

  private onControl(m: Msg): void {
    const d = decode<ControllerToAgent>(m.data);
    if (!d.ok) {
      this.logMismatchOnce(whoSent(d.raw), d.v);
      return;
    }
    this.onControlMessage(d.msg, m);
  }

  private onControlMessage(msg: ControllerToAgent, m: Msg): void {
    const run = this.run;
    if (run === null || !('runId' in msg) || msg.runId !== run.runId) return;
    if (!this.authentic(run, m, msg.type === 'control' ? `${msg.control.type} control` : msg.type)) return;
    run.lastWord = Date.now();
    if (msg.type === 'start') this.start(run);
    else if (msg.type === 'control') this.control(run, msg.control);
  }

  /**
   * Whether a message of the run is the controller's own and new. Before the assignment the key
   * is unknown and nothing runs: only a heartbeat or a stop can act then (neither sends load).
   */
  private authentic(run: Run, m: Msg, what: string): boolean {
    if (run.auth === null) return true;
    const why = run.auth.verify.check(m.subject, m.data, m.headers);
    if (why === null) return true;
    const r = run.refusals;
    r.count++;
    const now = Date.now();
    if (now - r.loggedAt >= REFUSAL_LOG_MS) {
      this.log(`agent ${this.name}: run ${run.runId}: refused a ${what} message on ${m.subject}: ${why}${r.count > 1 ? ` (${r.count} refused so far)` : ''}; not acted upon`);
      r.loggedAt = now;
    }
    return false;
  }

  private start(run: Run): void {
    if (run.started || run.stopping || run.fleet === null || run.assignments === null || run.auth === null) return;
    run.started = true;
    const fleet = run.fleet;
    const sign = run.auth.sign;
    const send = (m: MergedSecond): void => {
      run.intervals++;
      for (const l of m.msg.links) for (const k of OUTCOME_CLASSES) run.count += l.outcomes[k] ?? 0;
      const generators = m.generators.map(generatorIndex);
      this.publish(run.dataSubject, { v: PROTOCOL_VERSION, type: 'interval', runId: run.runId, agent: this.id, generators, msg: m.msg }, sign);
    };
    const merger = new SecondMerger(run.assignments.map((a) => `${a.runId}/g${a.index}`), send);
    run.merger = merger;
    run.mergeTick = setInterval(() => merger.tick(), MERGE_TICK_MS);
    const forward = (msg: GeneratorMessage): void => {
      if (msg.type === 'interval') return merger.add(msg);
      // agents start at the instant fixed at assignment (no ready handshake over NATS): a
      // generator's `ready` stays on the agent
      if (msg.type === 'ready') return;
      merger.end(msg.generator);
      this.publish(run.dataSubject, { v: PROTOCOL_VERSION, type: 'generator', runId: run.runId, agent: this.id, msg }, sign);
    };
    run.ended = fleet
      .start(run.assignments, forward)
      .then(() => fleet.finished)
      .then(() => {
        merger.flush();
        const done: AgentDoneMessage = { v: PROTOCOL_VERSION, type: 'done', runId: run.runId, agent: this.id, count: run.count, intervals: run.intervals };
        this.publish(run.dataSubject, done, sign);
        this.log(`agent ${this.name}: run ${run.runId} done: ${run.count} requests in ${run.intervals} intervals`);
        return this.endRun(run, null);
      })
      .catch((err: unknown) => {
        this.log(`agent ${this.name}: run ${run.runId} failed: ${(err as Error).message}`);
        return this.endRun(run, 'failed');
      });
  }

  private control(run: Run, c: ControlMessage): void {
    if (c.type === 'stop') this.stopRun(run, c.reason);
    else if (c.type === 'rescale' && !run.stopping) {
      const bad = shareProblem(Array.from({ length: run.assignments?.length ?? 1 }, () => c.share));
      if (bad) {
        this.log(`agent ${this.name}: run ${run.runId}: refused a rescale: ${bad}; not acted upon`);
        return;
      }
      this.log(`agent ${this.name}: run ${run.runId}: rescaled, each generator now carries ${(c.share * 100).toFixed(2)}% of the load`);
      run.fleet?.send(c);
    } else if (c.type === 'stages' && !run.stopping) {
      // live control (docs/control.md): the new stages go to every generator, as locally
      const plan = run.assignments?.[0]?.plan;
      const bad = plan ? stagesProblem(c.stages, totalDurationMs(plan.load.stages)) : 'no assignment yet';
      if (bad) {
        this.log(`agent ${this.name}: run ${run.runId}: refused a stages change: ${bad}; not acted upon`);
        return;
      }
      // the agent's own copy follows too, so the next change is checked against the stages in effect
      for (const a of run.assignments ?? []) a.plan.load.stages = c.stages.map((s) => ({ ...s }));
      const last = c.stages.at(-1)!;
      this.log(`agent ${this.name}: run ${run.runId}: stages changed by the controller (${c.stages.length} stages, ending at ${last.target})`);
      run.fleet?.send(c);
    }
  }

  /** Stops sending now (in-flight requests get the engine's short grace); the run then ends as usual. */
  private stopRun(run: Run, reason: string): void {
    if (run.stopping) return;
    run.stopping = true;
    this.log(`agent ${this.name}: run ${run.runId}: stopping: ${reason}`);
    if (run.started) run.fleet?.send({ type: 'stop', reason });
    else void this.endRun(run, reason);
  }

  /** Back to idle: threads closed, subscription dropped, announced as free. */
  private async endRun(run: Run, reason: string | null): Promise<void> {
    if (this.run !== run) return;
    this.run = null;
    run.sub.unsubscribe();
    if (run.mergeTick) clearInterval(run.mergeTick);
    if (reason !== null && !run.started) this.log(`agent ${this.name}: run ${run.runId} dropped: ${reason}`);
    await run.fleet?.close().catch(() => undefined);
    if (this.closing !== null) return;
    if (this.once && run.started) void this.close();
    else this.presence('announce');
  }

  private checkController(): void {
    const run = this.run;
    if (run === null || run.stopping) return;
    const now = Date.now();
    if (now - run.lastWord > CONTROLLER_SILENCE_MS) {
      this.stopRun(run, `no word from the controller for ${((now - run.lastWord) / 1000).toFixed(1)} s (controller gone or NATS lost)`);
    } else if (!run.started && now - run.claimedAt > CLAIM_TTL_MS) {
      this.stopRun(run, 'claimed but never started');
    }
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') this.log(`agent ${this.name}: lost NATS (${s.server}); reconnecting${this.run?.started ? `; run ${this.run.runId} stops unless the controller is heard again within ${CONTROLLER_SILENCE_MS / 1000} s` : ''}`);
      else if (s.type === 'reconnect') {
        this.log(`agent ${this.name}: reconnected to NATS (${s.server})`);
        this.presence('announce');
      }
    }
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      const run = this.run;
      if (run) {
        this.stopRun(run, 'the agent is shutting down');
        // the generators stop at once and report within the engine's grace; never hang on them
        await Promise.race([run.ended?.catch(() => undefined), new Promise((r) => setTimeout(r, SHUTDOWN_WAIT_MS).unref())]);
        await this.endRun(run, 'the agent is shutting down');
      }
      if (this.watch) clearInterval(this.watch);
      if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
      this.log(`agent ${this.name}: stopped`);
    })();
    return this.closing;
  }
}

const generatorIndex = (name: string): number => Number(name.slice(name.lastIndexOf('/g') + 2));

/** "controller <name>" from a message we could not read as ours, for the log. */
function whoSent(raw: Record<string, unknown> | null): string {
  return typeof raw?.controller === 'string' ? `controller ${raw.controller}` : 'a controller';
}
