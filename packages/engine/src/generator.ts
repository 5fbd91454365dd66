// The load generator: one per worker thread (or per agent worker). It schedules journeys
// (open model: on an arrival schedule; closed model: virtual users looping), runs their steps
// over undici pools, records every outcome into per-link interval recorders, and hands one
// IntervalMessage per second to whoever hosts it (a MessagePort, or NATS on an agent).
//
// Hot-path rules: no closure, timer, log line or string formatting per request. Handlers are
// pooled objects (`Call`); timing uses performance.now(); a request's latency is measured from
// the moment it was *due* (open model) so a stalled target shows in the percentiles.

import { performance } from 'node:perf_hooks';
import {
  newHistogram,
  recordMicros,
  walkJsonPath,
  type ControlMessage,
  type GeneratorMessage,
  type IntervalJourney,
  type IntervalLink,
  type Journey,
  type OutcomeClass,
  type WorkerAssignment,
} from '@peakdrill/core';
import { classifyError, isConnectionLevel } from './classify.js';
import { Feeder, FeederExhausted, loadFeeder } from './feeder.js';
import { LinkRecorder } from './recorder.js';
import { ArrivalSchedule, stageTargetAt, totalDurationMs } from './schedule.js';
import { parseServerTiming } from './server-timing.js';
import { SHADOW_ACK_HEADER, shadowHeaders } from './shadow.js';
import { compileStep, Pools, type CompiledStep } from './steps.js';
import { compileTemplate, type Render, type TemplateScope } from './template.js';

const SERVER_TIMING = 'server-timing';
/** How long in-flight requests may finish after the window (or a stop) before the pools are torn down. */
const STOP_GRACE_MS = 1_000;
/** A closed-model VU whose connection failed waits this long, so a dead target is not hammered in a hot loop. */
const CONNECTION_ERROR_BACKOFF_MS = 10;
const CLOSED_MODEL_TICK_MS = 100;

interface CompiledJourney {
  name: string;
  shed: number;
  steps: CompiledStep[];
  /** Journey variables, rendered once when the journey starts. */
  vars: [string, Render][];
  started: number;
  completed: number;
  failed: number;
}

class JourneyRun implements TemplateScope {
  journey!: CompiledJourney;
  stepIndex = 0;
  journeyIndex = 0;
  vu = 0;
  vars: Record<string, string> = {};
  rows: Map<string, Record<string, string>> | null = null;
  /** Set when the journey ends; a VU run is reused for the VU's next journey. */
  failed = false;
  lastOutcome: OutcomeClass = 'ok';
  /** Whether `vars` holds anything to clear before the next journey. */
  varsSet = false;
  /** Whether this journey sent a request (a journey that could not render one must not spin). */
  sentAny = false;
  /** Closed model: this VU's index within the generator, and whether its loop is running. */
  localVu = -1;
  active = false;
  runId: string;

  constructor(private readonly gen: Generator) {
    this.runId = gen.runId;
  }

  feeder(name: string, column: string): string {
    if (this.rows === null) this.rows = new Map();
    let row = this.rows.get(name);
    if (row === undefined) {
      row = this.gen.takeRow(name);
      this.rows.set(name, row);
    }
    return row[column] ?? '';
  }

  nextSeq(): number {
    return this.gen.seq++;
  }
}

/** The undici dispatch handler of one request; pooled and reused. */
class Call {
  run!: JourneyRun;
  step!: CompiledStep;
  dueAt = 0;
  sentAt = 0;
  status = 0;
  acked = false;
  timing: string | null = null;
  headers: Record<string, string> | null = null;
  chunks: Buffer[] | null = null;

  constructor(private readonly gen: Generator) {}

  onConnect(): void {
    if (this.gen.stampSends) this.sentAt = performance.now();
  }

  onHeaders(status: number, raw: Buffer[] | string[] | null): boolean {
    this.status = status;
    if (raw !== null) this.scanHeaders(raw);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.chunks !== null) this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.gen.finish(this, null);
  }

  onError(err: Error): void {
    this.gen.finish(this, err);
  }

  private scanHeaders(raw: Buffer[] | string[]): void {
    const wanted = this.step.headerNames;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!;
      const len = k.length;
      // cheap pre-filter on length and first letter (s/S, x/X) before any string is made
      const first = typeof k === 'string' ? k.charCodeAt(0) | 0x20 : (k[0]! | 0x20);
      if ((len === 13 && first === 0x73) || (len === 22 && first === 0x78) || wanted.length > 0) {
        const key = k.toString().toLowerCase();
        if (key === SERVER_TIMING) this.timing = raw[i + 1]!.toString();
        else if (key === SHADOW_ACK_HEADER) this.acked = raw[i + 1]!.toString() === this.gen.runId;
        if (wanted.length > 0 && wanted.includes(key)) {
          if (this.headers === null) this.headers = {};
          this.headers[key] = raw[i + 1]!.toString();
        }
      }
    }
  }

  reset(): void {
    this.sentAt = 0;
    this.status = 0;
    this.acked = false;
    this.timing = null;
    this.headers = null;
    this.chunks = null;
  }
}

export type Emit = (msg: GeneratorMessage) => void;

export class Generator {
  readonly runId: string;
  seq = 0;
  /** False when a request cannot queue between its due time and its send (see LinkRecorder). */
  readonly stampSends: boolean;
  private readonly a: WorkerAssignment;
  private readonly emit: Emit;
  private readonly pools: Pools;
  private readonly links = new Map<string, LinkRecorder>();
  private readonly journeys: CompiledJourney[] = [];
  private readonly cumulativeWeights: number[] = [];
  private readonly feeders = new Map<string, Feeder>();
  private readonly freeCalls: Call[] = [];
  private readonly freeRuns: JourneyRun[] = [];
  private readonly lateness = newHistogram();
  private readonly durationMs: number;
  private readonly tagged: boolean;
  private readonly name: string;
  private readonly notes: string[] = [];
  private readonly notedFeeders = new Set<string>();

  private perfStart = 0;
  private windowEnd = 0;
  private interval = 0;
  private intervalTimer: NodeJS.Timeout | null = null;
  private scheduleTimer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private dropped = 0;
  private maxInFlight = Infinity;
  private sending = false;
  private stopping = false;
  private finished = false;
  private resolveDone: (() => void) | null = null;

  // open model
  private schedule: ArrivalSchedule | null = null;
  private nextArrival = 0;
  private phase = 0;
  private journeyCounter = 0;

  // closed model
  private desiredVus = 0;
  private vuRuns: JourneyRun[] = [];

  constructor(assignment: WorkerAssignment, emit: Emit) {
    this.a = assignment;
    this.emit = emit;
    this.runId = assignment.runId;
    this.name = `${assignment.runId}/g${assignment.index}`;
    const plan = assignment.plan;
    this.pools = new Pools(plan);
    this.durationMs = totalDurationMs(plan.load.stages);
    const secret = assignment.shadowSecret;
    this.tagged = plan.shadow.enabled && typeof secret === 'string' && secret.length > 0;
    const extra = this.tagged ? shadowHeaders(this.runId, secret!) : {};

    for (const [name, spec] of Object.entries(plan.data)) {
      this.feeders.set(name, loadFeeder(name, spec, assignment.dataFiles?.[name], assignment.uniqueRanges?.[name], { offset: assignment.index, step: assignment.count }));
    }
    let cum = 0;
    for (const j of plan.journeys) {
      this.journeys.push(this.compileJourney(j, extra));
      cum += j.weight;
      this.cumulativeWeights.push(cum);
    }
    // closed model: each VU has one request in flight; if the pools can hold all of them at
    // once, nothing waits for a connection and the send time is the due time
    const maxVus = plan.load.model === 'closed' ? Math.max(plan.load.startVus ?? 0, ...plan.load.stages.map((s) => s.target)) : Infinity;
    this.stampSends = maxVus > plan.http.connections * plan.http.pipelining;
    if (!this.stampSends) for (const link of this.links.values()) link.serviceSameAsLatency = true;
    if (plan.load.model === 'open') {
      this.schedule = new ArrivalSchedule(plan.load.startRate, plan.load.stages, assignment.share);
      this.phase = assignment.count > 1 ? assignment.index / assignment.count : 0;
      this.maxInFlight = Math.max(1, Math.ceil(plan.load.maxInFlight * assignment.share));
    }
  }

  private compileJourney(j: Journey, extra: Record<string, string>): CompiledJourney {
    const steps = j.steps.map((s) => {
      let link = this.links.get(s.name);
      if (!link) {
        link = new LinkRecorder(s.name);
        this.links.set(s.name, link);
      }
      return compileStep(s, this.a.plan, this.pools, extra, link);
    });
    const vars = Object.entries(j.vars ?? {}).map(([k, v]): [string, Render] => [k, compileTemplate(v)]);
    return { name: j.name, steps, vars, started: 0, completed: 0, failed: 0, shed: 0 };
  }

  /** Runs the drill; resolves after the last interval was emitted and the pools are closed. */
  async run(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    const wait = this.a.startAtMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    this.perfStart = performance.now() - Math.max(0, Date.now() - this.a.startAtMs);
    this.windowEnd = this.perfStart + this.durationMs;
    this.sending = true;
    this.armIntervalTimer();
    if (this.schedule) this.openTick();
    else this.closedTick();
    await done;
    this.emit({ type: 'done', generator: this.name });
  }

  control(msg: ControlMessage): void {
    if (msg.type === 'stop') this.stop();
    else if (msg.type === 'rescale') this.rescale(msg.share);
  }

  /** Stop sending now; in-flight requests get a short grace, then the pools are torn down. */
  stop(): void {
    if (this.stopping || this.finished) return;
    this.endWindow(STOP_GRACE_MS);
  }

  private rescale(share: number): void {
    const plan = this.a.plan;
    if (plan.load.model === 'open' && this.schedule) {
      const now = performance.now() - this.perfStart;
      this.schedule = new ArrivalSchedule(plan.load.startRate, plan.load.stages, share);
      this.nextArrival = Math.ceil(this.schedule.arrivalsBy(now) - this.phase);
      this.maxInFlight = Math.max(1, Math.ceil(plan.load.maxInFlight * share));
    } else {
      this.a.share = share;
    }
  }

  // ---------------------------------------------------------------- open model

  private openTick = (): void => {
    this.scheduleTimer = null;
    if (!this.sending) return;
    const schedule = this.schedule!;
    const now = performance.now();
    const elapsed = now - this.perfStart;
    // Fire everything due by now (and inside the window) before looking at the window's end:
    // a timer that wakes a little after the end must not lose the last arrivals.
    for (;;) {
      const due = schedule.timeOf(this.nextArrival + this.phase);
      if (due > elapsed || due >= this.durationMs) break;
      this.nextArrival++;
      const dueAt = this.perfStart + due;
      recordMicros(this.lateness, (now - dueAt) * 1000);
      if (this.inFlight >= this.maxInFlight) {
        this.dropped++;
        continue;
      }
      this.startJourney(this.acquireRun(), dueAt);
    }
    const next = schedule.timeOf(this.nextArrival + this.phase);
    if (elapsed >= this.durationMs || next >= this.durationMs) {
      if (elapsed >= this.durationMs) this.endWindow(this.drainMs());
      else this.scheduleTimer = setTimeout(this.openTick, Math.max(1, this.durationMs - elapsed));
      return;
    }
    const delay = next - (performance.now() - this.perfStart);
    this.scheduleTimer = setTimeout(this.openTick, Math.max(1, Math.min(50, delay)));
  };

  // -------------------------------------------------------------- closed model

  private closedTick = (): void => {
    this.scheduleTimer = null;
    if (!this.sending) return;
    const elapsed = performance.now() - this.perfStart;
    if (elapsed >= this.durationMs) {
      this.endWindow(this.drainMs());
      return;
    }
    const load = this.a.plan.load;
    const startVus = load.model === 'closed' ? (load.startVus ?? load.stages[0]?.target ?? 0) : 0;
    const total = Math.round(stageTargetAt(startVus, load.stages, elapsed));
    this.desiredVus = this.vusFor(total);
    for (let id = 0; id < this.desiredVus; id++) {
      let run = this.vuRuns[id];
      if (!run) {
        run = new JourneyRun(this);
        run.localVu = id;
        run.vu = this.a.index + id * this.a.count;
        this.vuRuns[id] = run;
      }
      if (!run.active) {
        run.active = true;
        this.startJourney(run, performance.now());
      }
    }
    this.scheduleTimer = setTimeout(this.closedTick, Math.min(CLOSED_MODEL_TICK_MS, Math.max(1, this.durationMs - elapsed)));
  };

  /** This generator's part of `total` VUs: an even split with the remainder on the first ones. */
  private vusFor(total: number): number {
    const { index, count, share } = this.a;
    if (count <= 1) return total;
    if (Math.abs(share - 1 / count) < 1e-9) return Math.floor(total / count) + (index < total % count ? 1 : 0);
    return Math.round(total * share);
  }

  private vuContinues(run: JourneyRun): boolean {
    return this.sending && run.localVu < this.desiredVus;
  }

  // ---------------------------------------------------------------- journeys

  private acquireRun(): JourneyRun {
    return this.freeRuns.pop() ?? new JourneyRun(this);
  }

  private pickJourney(): CompiledJourney {
    const n = this.journeys.length;
    if (n === 1) return this.journeys[0]!;
    const x = Math.random() * this.cumulativeWeights[n - 1]!;
    for (let i = 0; i < n; i++) if (x < this.cumulativeWeights[i]!) return this.journeys[i]!;
    return this.journeys[n - 1]!;
  }

  private startJourney(run: JourneyRun, dueAt: number): void {
    const journey = this.pickJourney();
    run.journey = journey;
    run.stepIndex = 0;
    run.failed = false;
    run.sentAny = false;
    run.journeyIndex = this.journeyCounter++;
    if (run.rows !== null) run.rows.clear();
    if (run.varsSet) {
      for (const k in run.vars) delete run.vars[k];
      run.varsSet = false;
    }
    journey.started++;
    this.inFlight++;
    if (journey.vars.length > 0) {
      try {
        run.varsSet = true;
        for (const [k, render] of journey.vars) run.vars[k] = render(run);
      } catch (err) {
        if (!(err instanceof FeederExhausted)) throw err;
        this.noteOnce(err.feeder, `${err.message}; journeys that need it are counted as failed`);
        run.failed = true;
        this.endJourney(run, 'failed');
        return;
      }
    }
    this.runStep(run, dueAt);
  }

  private runStep(run: JourneyRun, dueAt: number): void {
    const step = run.journey.steps[run.stepIndex]!;
    let opts;
    try {
      opts = step.staticRequest ?? step.render(run);
    } catch (err) {
      if (err instanceof FeederExhausted) {
        this.noteOnce(err.feeder, `${err.message}; journeys that need it are counted as failed`);
        this.endJourney(run, 'failed');
        return;
      }
      throw err;
    }
    const call = this.freeCalls.pop() ?? new Call(this);
    call.run = run;
    call.step = step;
    call.dueAt = dueAt;
    if (step.needsBody) call.chunks = [];
    step.link.started++;
    run.sentAny = true;
    step.pool.dispatch(opts, call);
  }

  /** Called by a Call when its request completed or failed. */
  finish(call: Call, err: Error | null): void {
    if (this.finished) {
      // torn down by our own stop after the grace period: not a measurement of the target
      call.reset();
      return;
    }
    const now = performance.now();
    const step = call.step;
    const run = call.run;
    let outcome: OutcomeClass;
    if (err !== null) {
      outcome = classifyError(err);
    } else {
      const status = call.status;
      if (step.shed.has(status)) outcome = 'shed';
      else if (step.okStatuses !== null) outcome = step.okStatuses.has(status) ? 'ok' : status >= 500 ? 'http_5xx' : status >= 400 ? 'http_4xx' : 'check_failed';
      else outcome = status >= 500 ? 'http_5xx' : status >= 400 ? 'http_4xx' : 'ok';
      if (outcome === 'ok' && (step.checks.length > 0 || step.captures.length > 0) && !this.inspect(call)) outcome = 'check_failed';
    }
    const link = step.link;
    link.record(outcome, (now - call.dueAt) * 1000, this.stampSends && call.sentAt > 0 ? (now - call.sentAt) * 1000 : -1);
    if (call.timing !== null) parseServerTiming(call.timing, (hop, ms) => link.recordHop(hop, ms * 1000));
    // Coverage counts answered requests: a timeout or a refused connection says nothing about
    // whether the target honoured the tag (it is counted as an error instead).
    if (this.tagged && err === null) {
      link.tagSent++;
      if (call.acked) link.tagAcknowledged++;
    }
    call.reset();
    this.freeCalls.push(call);
    run.lastOutcome = outcome;
    const ok = outcome === 'ok' || outcome === 'shed';
    if (!ok) run.failed = true;
    const last = run.stepIndex === run.journey.steps.length - 1;
    if (outcome === 'shed') return this.endJourney(run, 'shed', now);
    if (!ok && (step.stopOnFailure || last)) return this.endJourney(run, 'failed', now);
    if (last) return this.endJourney(run, run.failed ? 'failed' : 'completed', now);
    if (!this.canContinue()) return this.endJourney(run, 'interrupted', now);
    run.stepIndex++;
    const think = thinkMs(step.think);
    if (think > 0) setTimeout(() => this.continueJourney(run), think);
    else this.runStep(run, performance.now());
  }

  private continueJourney(run: JourneyRun): void {
    if (!this.canContinue()) {
      this.endJourney(run, 'interrupted');
      return;
    }
    this.runStep(run, performance.now());
  }

  private canContinue(): boolean {
    return !this.stopping;
  }

  /** Captures and checks; false when a check failed or a capture found nothing. */
  private inspect(call: Call): boolean {
    const step = call.step;
    let json: unknown;
    let text: string | null = null;
    if (call.chunks !== null) {
      text = Buffer.concat(call.chunks).toString();
      if (step.captures.some((c) => c.json) || step.checks.some((c) => c.json)) {
        try {
          json = JSON.parse(text);
        } catch {
          return false;
        }
      }
    }
    for (const c of step.checks) {
      const check = c.check;
      if (check.kind === 'json') {
        const v = walkJsonPath(json, c.json!);
        if (check.exists === false ? v !== undefined : v === undefined) return false;
        if (check.equals !== undefined && v !== check.equals && String(v) !== String(check.equals)) return false;
      } else if (check.kind === 'header') {
        const v = call.headers?.[check.name.toLowerCase()];
        if (check.exists === false ? v !== undefined : v === undefined) return false;
        if (check.equals !== undefined && v !== check.equals) return false;
      } else if (check.kind === 'bodyContains') {
        if (text === null || !text.includes(check.text)) return false;
      }
    }
    for (const c of step.captures) {
      const v = c.json ? walkJsonPath(json, c.json) : call.headers?.[c.header!];
      if (v === undefined || v === null) return false;
      call.run.vars[c.as] = typeof v === 'object' ? JSON.stringify(v) : String(v);
      call.run.varsSet = true;
    }
    return true;
  }

  /**
   * `interrupted`: cut off by the end of the window or a stop, neither completed nor failed;
   * `shed`: turned away by a declared shed status (e.g. sold out), the system's designed answer.
   */
  /** `now`: the clock read of the completion that ended the journey, when it just happened. */
  private endJourney(run: JourneyRun, end: 'completed' | 'failed' | 'shed' | 'interrupted', now = -1): void {
    const j = run.journey;
    if (end === 'completed') j.completed++;
    else if (end === 'failed') j.failed++;
    else if (end === 'shed') j.shed++;
    this.inFlight--;
    if (this.schedule) {
      this.freeRuns.push(run);
    } else if (this.vuContinues(run)) {
      const think = thinkMs(this.a.plan.load.model === 'closed' ? this.a.plan.load.thinkTimeMs : ZERO_THINK);
      const backoff = !run.sentAny || isConnectionLevel(run.lastOutcome) ? CONNECTION_ERROR_BACKOFF_MS : 0;
      const wait = Math.max(think, backoff);
      if (wait > 0) setTimeout(() => this.restartVu(run), wait);
      else this.startJourney(run, now >= 0 ? now : performance.now());
    } else {
      run.active = false;
    }
    if (this.stopping && this.inFlight === 0) this.complete();
  }

  private restartVu(run: JourneyRun): void {
    if (this.vuContinues(run)) this.startJourney(run, performance.now());
    else run.active = false;
    if (this.stopping && this.inFlight === 0) this.complete();
  }

  takeRow(feeder: string): Record<string, string> {
    const f = this.feeders.get(feeder);
    if (!f) return {};
    return f.take();
  }

  private noteOnce(key: string, note: string): void {
    if (this.notedFeeders.has(key)) return;
    this.notedFeeders.add(key);
    this.notes.push(note);
  }

  // ------------------------------------------------------- intervals and end

  /** In-flight requests at the end of the window may finish (or time out) within this long. */
  private drainMs(): number {
    return Math.min(this.a.plan.http.timeoutMs + 1_000, 31_000);
  }

  private endWindow(graceMs: number): void {
    if (this.stopping) return;
    this.sending = false;
    this.stopping = true;
    if (this.scheduleTimer) clearTimeout(this.scheduleTimer);
    if (this.inFlight === 0) {
      this.complete();
      return;
    }
    setTimeout(() => this.complete(), graceMs).unref();
  }

  private complete(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.intervalTimer) clearTimeout(this.intervalTimer);
    const stuck = this.inFlight;
    const teardown = stuck > 0 ? this.pools.destroy() : this.pools.close();
    void teardown.then(() => {
      if (stuck > 0) this.notes.push(`${stuck} requests were still in flight when the generator stopped; they are not counted`);
      this.flushInterval();
      this.resolveDone?.();
    });
  }

  private armIntervalTimer(): void {
    const boundary = this.perfStart + (this.interval + 1) * 1000;
    this.intervalTimer = setTimeout(this.onIntervalBoundary, Math.max(0, boundary - performance.now()));
  }

  private onIntervalBoundary = (): void => {
    this.intervalTimer = null;
    if (this.finished) return;
    this.flushInterval();
    this.armIntervalTimer();
  };

  private flushInterval(): void {
    const links: IntervalLink[] = [];
    for (const rec of this.links.values()) {
      const l = rec.flush();
      if (l !== null) links.push(l);
    }
    const journeys: IntervalJourney[] = [];
    for (const j of this.journeys) {
      if (j.started || j.completed || j.failed || j.shed) journeys.push({ name: j.name, started: j.started, completed: j.completed, failed: j.failed, shed: j.shed });
      j.started = j.completed = j.failed = j.shed = 0;
    }
    const late = this.lateness.totalCount > 0 ? this.lateness.getValueAtPercentile(99) : 0;
    this.lateness.reset();
    this.emit({
      type: 'interval',
      generator: this.name,
      t: this.interval,
      links,
      journeys,
      inFlight: this.inFlight,
      dropped: this.dropped,
      lateP99Us: late,
      ...(this.notes.length > 0 ? { notes: this.notes.splice(0) } : {}),
    });
    this.dropped = 0;
    this.interval++;
  }
}

const ZERO_THINK = { minMs: 0, maxMs: 0 };

function thinkMs(t: { minMs: number; maxMs: number }): number {
  if (t.maxMs <= 0) return 0;
  return t.minMs === t.maxMs ? t.minMs : t.minMs + Math.random() * (t.maxMs - t.minMs);
}
