// The journey state machine, shared by every load model: start a journey (render its
// variables), run its steps one after the other over the undici pools, judge each response
// (status, checks, captures), record it into its link, and either go on to the next step —
// at once, or after its think time through the generator's one DueQueue — or end the journey
// and hand it back to the load model that started it.
//
// Hot-path rules: no closure, timer, log line or string formatting per request. Handlers are
// pooled objects (`Call`); timing uses performance.now(); a request's latency is measured from
// the moment it was *due* (open model: its arrival; a later step: the previous step's
// completion plus its think time), so a stalled target and a late timer both show.

import { performance } from 'node:perf_hooks';
import { walkJsonPath, type Journey, type Plan } from '@peakdrill/core/plan';
import type { OutcomeClass } from '@peakdrill/core/protocol';
import { classifyError } from './classify.js';
import { FeederExhausted } from './feeder.js';
import type { LinkRecorder } from './recorder.js';
import { scanServerTiming } from './server-timing.js';
import { SHADOW_ACK_HEADER } from './shadow.js';
import { compileStep, type CompiledStep, type Pools } from './steps.js';
import { compileTemplate, type Render, type TemplateScope } from './template.js';

const SERVER_TIMING = 'server-timing';

export interface CompiledJourney {
  name: string;
  shed: number;
  steps: CompiledStep[];
  /** Journey variables, rendered once when the journey starts. */
  vars: [string, Render][];
  started: number;
  completed: number;
  failed: number;
}

/** What the journeys need from the generator that hosts them. */
export interface JourneyHost {
  readonly runId: string;
  /** Requests carry the shadow tag (its coverage is counted). */
  readonly tagged: boolean;
  /** False when a request cannot queue between its due time and its send (see LinkRecorder). */
  readonly stampSends: boolean;
  /** The pools were torn down: completions after this are not measurements of the target. */
  readonly finished: boolean;
  /** Sending has stopped (window over, or a stop): journeys end instead of going on. */
  readonly stopping: boolean;
  takeRow(feeder: string): Record<string, string>;
  noteOnce(key: string, note: string): void;
  /** Park `run` until `run.wakeAt` (think time); the host calls `resume` then. */
  park(run: JourneyRun): void;
  /** How late (ms) a send left against its due time. */
  recordLate(ms: number): void;
  /** The journey of `run` ended; `now` is the clock read of the completion that ended it (or -1). */
  journeyEnded(run: JourneyRun, now: number): void;
}

export type JourneyEnd = 'completed' | 'failed' | 'shed' | 'interrupted';

/** What a parked run waits for. */
export const WAIT_NONE = 0;
export const WAIT_STEP = 1;
export const WAIT_RESTART = 2;

/** One journey in progress; pooled and reused (a closed-model VU keeps its own). */
export class JourneyRun implements TemplateScope {
  journey!: CompiledJourney;
  stepIndex = 0;
  journeyIndex = 0;
  vu = 0;
  vars: Record<string, string> = {};
  rows: Map<string, Record<string, string>> | null = null;
  failed = false;
  lastOutcome: OutcomeClass = 'ok';
  /** Whether `vars` holds anything to clear before the next journey. */
  varsSet = false;
  /** Whether this journey sent a request (a journey that could not render one must not spin). */
  sentAny = false;
  /** Closed model: this VU's index within the generator, and whether its loop is running. */
  localVu = -1;
  active = false;
  /** Replay model: the recorded path (from the target's base) sent instead of the first step's own path; null otherwise. */
  replayPath: string | null = null;
  /** When parked: the due time, and what for (WAIT_*). */
  wakeAt = 0;
  waitingFor = WAIT_NONE;
  readonly runId: string;

  constructor(private readonly journeys: Journeys) {
    this.runId = journeys.host.runId;
  }

  feeder(name: string, column: string): string {
    if (this.rows === null) this.rows = new Map();
    let row = this.rows.get(name);
    if (row === undefined) {
      row = this.journeys.host.takeRow(name);
      this.rows.set(name, row);
    }
    return row[column] ?? '';
  }

  nextSeq(): number {
    return this.journeys.seq++;
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

  constructor(private readonly journeys: Journeys) {}

  onConnect(): void {
    if (this.journeys.host.stampSends) this.sentAt = performance.now();
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
    this.journeys.finish(this, null);
  }

  onError(err: Error): void {
    this.journeys.finish(this, err);
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
        else if (key === SHADOW_ACK_HEADER) this.acked = raw[i + 1]!.toString() === this.journeys.host.runId;
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

export class Journeys {
  readonly list: CompiledJourney[] = [];
  readonly links = new Map<string, LinkRecorder>();
  /** Journeys started and not yet ended (sending, or waiting out a think time). */
  inFlight = 0;
  seq = 0;
  private counter = 0;
  private readonly cumulativeWeights: number[] = [];
  private readonly freeCalls: Call[] = [];

  constructor(
    readonly host: JourneyHost,
    plan: Plan,
    pools: Pools,
    extraHeaders: Record<string, string>,
    newLink: (name: string) => LinkRecorder,
  ) {
    let cum = 0;
    for (const j of plan.journeys) {
      this.list.push(this.compile(j, plan, pools, extraHeaders, newLink));
      cum += j.weight;
      this.cumulativeWeights.push(cum);
    }
  }

  private compile(j: Journey, plan: Plan, pools: Pools, extra: Record<string, string>, newLink: (name: string) => LinkRecorder): CompiledJourney {
    const steps = j.steps.map((s) => {
      let link = this.links.get(s.name);
      if (!link) {
        link = newLink(s.name);
        this.links.set(s.name, link);
      }
      return compileStep(s, plan, pools, extra, link);
    });
    const vars = Object.entries(j.vars ?? {}).map(([k, v]): [string, Render] => [k, compileTemplate(v)]);
    return { name: j.name, steps, vars, started: 0, completed: 0, failed: 0, shed: 0 };
  }

  newRun(): JourneyRun {
    return new JourneyRun(this);
  }

  private pick(): CompiledJourney {
    const n = this.list.length;
    if (n === 1) return this.list[0]!;
    const x = Math.random() * this.cumulativeWeights[n - 1]!;
    for (let i = 0; i < n; i++) if (x < this.cumulativeWeights[i]!) return this.list[i]!;
    return this.list[n - 1]!;
  }

  /** Starts a journey on `run` (the weighted pick, unless the model names one), its first request due at `dueAt` (performance.now() ms). */
  start(run: JourneyRun, dueAt: number, journey: CompiledJourney = this.pick()): void {
    run.journey = journey;
    run.stepIndex = 0;
    run.failed = false;
    run.sentAny = false;
    run.waitingFor = WAIT_NONE;
    run.journeyIndex = this.counter++;
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
        this.host.noteOnce(err.feeder, `${err.message}; journeys that need it are counted as failed`);
        run.failed = true;
        this.end(run, 'failed');
        return;
      }
    }
    this.send(run, dueAt);
  }

  /** A parked run's think time is over (called by the host at `run.wakeAt`). */
  resume(run: JourneyRun, now: number): void {
    run.waitingFor = WAIT_NONE;
    if (this.host.stopping) {
      this.end(run, 'interrupted');
      return;
    }
    this.host.recordLate(now - run.wakeAt);
    this.send(run, run.wakeAt);
  }

  private send(run: JourneyRun, dueAt: number): void {
    const step = run.journey.steps[run.stepIndex]!;
    let opts;
    try {
      opts = step.staticRequest ?? step.render(run);
      if (run.replayPath !== null && run.stepIndex === 0) opts = { path: step.prefix + run.replayPath, method: opts.method, headers: opts.headers, body: opts.body };
    } catch (err) {
      if (err instanceof FeederExhausted) {
        this.host.noteOnce(err.feeder, `${err.message}; journeys that need it are counted as failed`);
        this.end(run, 'failed');
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
    if (this.host.finished) {
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
      if (outcome === 'ok' && (step.checks.length > 0 || step.captures.length > 0) && !inspect(call)) outcome = 'check_failed';
    }
    const link = step.link;
    const stamp = this.host.stampSends;
    link.record(outcome, (now - call.dueAt) * 1000, stamp && call.sentAt > 0 ? (now - call.sentAt) * 1000 : -1);
    if (call.timing !== null) scanServerTiming(call.timing, link);
    // Coverage counts answered requests: a timeout or a refused connection says nothing about
    // whether the target honoured the tag (it is counted as an error instead).
    if (this.host.tagged && err === null) {
      link.tagSent++;
      if (call.acked) link.tagAcknowledged++;
    }
    call.reset();
    this.freeCalls.push(call);
    run.lastOutcome = outcome;
    const ok = outcome === 'ok' || outcome === 'shed';
    if (!ok) run.failed = true;
    const last = run.stepIndex === run.journey.steps.length - 1;
    if (outcome === 'shed') return this.end(run, 'shed', now);
    if (!ok && (step.stopOnFailure || last)) return this.end(run, 'failed', now);
    if (last) return this.end(run, run.failed ? 'failed' : 'completed', now);
    if (this.host.stopping) return this.end(run, 'interrupted', now);
    run.stepIndex++;
    const think = thinkMs(step.think);
    if (think > 0) {
      // the next step is due at this completion plus its think time: a late wake-up counts
      run.wakeAt = now + think;
      run.waitingFor = WAIT_STEP;
      this.host.park(run);
    } else {
      this.send(run, now);
    }
  }

  /**
   * `interrupted`: cut off by the end of the window or a stop, neither completed nor failed;
   * `shed`: turned away by a declared shed status (e.g. sold out), the system's designed answer.
   * `now`: the clock read of the completion that ended the journey, when it just happened.
   */
  end(run: JourneyRun, end: JourneyEnd, now = -1): void {
    const j = run.journey;
    if (end === 'completed') j.completed++;
    else if (end === 'failed') j.failed++;
    else if (end === 'shed') j.shed++;
    this.inFlight--;
    this.host.journeyEnded(run, now);
  }
}

/** Captures and checks; false when a check failed or a capture found nothing. */
function inspect(call: Call): boolean {
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

export function thinkMs(t: { minMs: number; maxMs: number }): number {
  if (t.maxMs <= 0) return 0;
  return t.minMs === t.maxMs ? t.minMs : t.minMs + Math.random() * (t.maxMs - t.minMs);
}
