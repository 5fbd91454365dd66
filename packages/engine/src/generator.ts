// The load generator: one per worker thread (or per agent worker), a thin host around a load
// model (models/, one file per `model:` key) and the journey state machine (journey.ts).
//
// Its life: compile the plan, open every pool's connections and run the path hot on an uncounted
// warm-up (warmup.ts: by default against a loopback server of its own), report `ready`, wait
// for the start instant (a `start` control message, or the assignment's `startAtMs` on agents),
// then run the clock until the window ends, emitting one IntervalMessage per second — with its
// own health (health.ts) — and a last one at the end.
//
// The host owns the one Clock and DueQueue (clock.ts): the model's next arrival and every
// journey waiting out a think time share a single wake-up, so no timer exists per request.

import { performance } from 'node:perf_hooks';
import type { ControlMessage, GeneratorMessage, IntervalJourney, IntervalLink, OutcomeClass, WorkerAssignment } from '@peakdrill/core/protocol';
import { peakLevel, shadowTagging, totalDurationMs, type Plan } from '@peakdrill/core/plan';
import { unanswered } from './classify.js';
import { Clock, DueQueue } from './clock.js';
import { Feeder, loadFeeder } from './feeder.js';
import { SelfCheck } from './health.js';
import { Journeys, WAIT_STEP, type JourneyHost, type JourneyRun } from './journey.js';
import { LOAD_MODELS, type LoadModelRunner, type ModelHost } from './models/index.js';
import { LinkRecorder } from './recorder.js';
import { shadowHeaders } from './shadow.js';
import { Pools } from './steps.js';
import { Warmup, warmupBounds, warmupPlan, type WarmupResult, type WarmupSite } from './warmup.js';

/** How long in-flight requests may finish after a stop before the pools are torn down. */
const STOP_GRACE_MS = 1_000;
/**
 * The paced warm-up: a generator of an open model at PACED_WARMUP_MIN_RATE or more runs its
 * own clock, arrival loop and recorders at its peak rate on warm-up requests before second 0,
 * PACED_WARMUP_ROUNDS windows of PACED_WARMUP_MS (at most PACED_WARMUP_MAX_REQUESTS each), so
 * the JIT has compiled the paced path before it is measured. At 20,000/s on one pinned core,
 * after the closed-loop warm-up alone, V8 compiled the scheduler and deoptimised the send path
 * during seconds 0–1 (`--trace-opt`: ~100 ms of compiling on the generator's core; a second-0
 * p99 of 4–30 ms against 2–3 ms later). Two windows, because the end of the first one
 * deoptimises the arrival loop (a path it had not taken): the second one compiles it again
 * with that path known. Below the minimum rate the gaps between arrivals hide the interpreter.
 */
export const PACED_WARMUP_MIN_RATE = 2_000;
const PACED_WARMUP_ROUNDS = 2;
const PACED_WARMUP_MS = 400;
const PACED_WARMUP_MAX_REQUESTS = 10_000;
/** It ends this long before a start instant fixed in advance (agents), or is skipped. */
const PACED_WARMUP_MARGIN_MS = 300;
/** In-flight warm-up requests may finish within this long after its window; then the drill starts regardless. */
const PACED_WARMUP_GRACE_MS = 200;

export type Emit = (msg: GeneratorMessage) => void;

export class Generator implements JourneyHost, ModelHost {
  readonly runId: string;
  /** False when a request cannot queue between its due time and its send (see LinkRecorder). */
  readonly stampSends: boolean;
  readonly tagged: boolean;
  readonly journeys: Journeys;
  readonly durationMs: number;
  perfStart = 0;
  sending = false;
  stopping = false;
  finished = false;

  private readonly a: WorkerAssignment;
  private readonly emit: Emit;
  private readonly pools: Pools;
  private readonly feeders = new Map<string, Feeder>();
  private readonly model: LoadModelRunner;
  private readonly clock = new Clock((now) => this.tick(now));
  private readonly parked = new DueQueue<JourneyRun>();
  private readonly health = new SelfCheck();
  private readonly name: string;
  private readonly notes: string[] = [];
  private readonly noted = new Set<string>();
  private interval = 0;
  private intervalTimer: NodeJS.Timeout | null = null;
  private resolveDone: (() => void) | null = null;
  /** Resolves the wait for the start instant: with it, or null when stopped first. */
  private resolveStart: ((startAtMs: number | null) => void) | null = null;

  /** The paced warm-up of another generator borrows that one's pools (`borrowed`) and leaves them open. */
  private readonly borrowedPools: boolean;
  /** The paced warm-up's generator while it runs. */
  private pacing: Generator | null = null;
  private stoppedBeforeStart = false;

  constructor(assignment: WorkerAssignment, emit: Emit, borrowed?: Pools) {
    this.a = assignment;
    this.emit = emit;
    this.runId = assignment.runId;
    this.name = `${assignment.runId}/g${assignment.index}`;
    const plan = assignment.plan;
    this.pools = borrowed ?? new Pools(plan);
    this.borrowedPools = borrowed !== undefined;
    this.durationMs = totalDurationMs(plan.load.stages);
    const secret = assignment.shadowSecret;
    this.tagged = shadowTagging(plan, secret);
    for (const [name, spec] of Object.entries(plan.data)) {
      this.feeders.set(name, loadFeeder(name, spec, assignment.dataFiles?.[name], assignment.uniqueRanges?.[name], { offset: assignment.index, step: assignment.count }));
    }
    // closed model: each VU has one request in flight; if the pools can hold all of them at
    // once, nothing waits for a connection and the send time is the due time
    const maxVus = plan.load.model === 'closed' ? peakLevel(plan.load) : Infinity;
    this.stampSends = maxVus > plan.http.connections * plan.http.pipelining;
    this.journeys = new Journeys(this, plan, this.pools, this.tagged ? shadowHeaders(this.runId, secret!) : {}, (name) => new LinkRecorder(name));
    if (!this.stampSends) for (const link of this.journeys.links.values()) link.serviceSameAsLatency = true;
    this.model = LOAD_MODELS[plan.load.model](this, assignment);
  }

  /** Prepares, reports ready, runs the drill; resolves after the last interval was emitted and the pools are closed. */
  async run(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    const startWait = new Promise<number | null>((resolve) => (this.resolveStart = resolve));
    const t0 = performance.now();
    const warmup = new Warmup(this.a.plan, this.pools);
    let warm: WarmupResult;
    try {
      warm = await warmup.run(() => performance.now(), warmupBounds(this.a.plan, this.a.share));
      // a target that refused every warm-up request is not paced at: the drill will say what it answers
      const refused = warm.requests > 0 && warm.failed === warm.requests;
      const paced = refused || warmup.site === null ? { requests: 0, failed: 0 } : await this.pacedWarmup(warmup.site);
      warm.requests += paced.requests;
      warm.failed += paced.failed;
    } finally {
      await warmup.close();
    }
    warm.ms = Math.round(performance.now() - t0);
    this.emit({ type: 'ready', generator: this.name, warmup: warm });
    if (!this.a.awaitStart) this.resolveStart?.(this.a.startAtMs);
    const startAtMs = await startWait;
    this.resolveStart = null;
    if (startAtMs === null) {
      this.complete();
    } else {
      // epoch ms → this thread's performance clock, without Date.now()'s whole-ms steps
      this.perfStart = startAtMs - performance.timeOrigin;
      this.sending = true;
      this.health.start();
      this.armIntervalTimer();
      this.clock.wakeAt(this.perfStart);
    }
    await done;
    this.emit({ type: 'done', generator: this.name });
  }

  /**
   * Open model: this generator's clock, arrival loop, journeys and recorders run at its peak
   * rate on warm-up requests (the closed-loop warm-up's: the warm-up header, no shadow tag, on
   * throwaway recorders, to the same `site`: warmup.ts) in a second Generator of the same code,
   * so the paced path is compiled before second 0.
   */
  private async pacedWarmup(site: WarmupSite): Promise<Pick<WarmupResult, 'requests' | 'failed'>> {
    const tally = { requests: 0, failed: 0 };
    const plan = this.a.plan;
    if (plan.load.model !== 'open') return tally;
    const peak = peakLevel(plan.load);
    const rate = peak * this.a.share;
    if (rate < PACED_WARMUP_MIN_RATE) return tally;
    let ms = Math.min(PACED_WARMUP_MS, (PACED_WARMUP_MAX_REQUESTS / rate) * 1000);
    if (!this.a.awaitStart) ms = Math.min(ms, (this.a.startAtMs - Date.now() - PACED_WARMUP_MARGIN_MS) / PACED_WARMUP_ROUNDS - PACED_WARMUP_GRACE_MS);
    if (!(ms >= 50) || site.origins.length === 0) return tally;
    const base = warmupPlan(plan, site.origins, site.path, site.headers);
    // (the paced generator's own plan has the warm-up off: it does not warm up in turn)
    const pacedPlan: Plan = {
      ...base,
      data: {},
      shadow: { ...plan.shadow, enabled: false },
      http: { ...base.http, warmup: { enabled: false } },
      load: { ...plan.load, startRate: peak, stages: [{ durationMs: Math.round(ms), target: peak }] },
    };
    const assignment = { runId: 'warm-up', plan: pacedPlan, index: this.a.index, count: this.a.count, share: this.a.share };
    const count = (msg: GeneratorMessage): void => {
      if (msg.type !== 'interval') return;
      for (const l of msg.links) {
        for (const [outcome, n] of Object.entries(l.outcomes)) {
          tally.requests += n;
          if (unanswered(outcome as OutcomeClass)) tally.failed += n;
        }
      }
    };
    for (let round = 0; round < PACED_WARMUP_ROUNDS && !this.stoppedBeforeStart; round++) {
      this.pacing = new Generator({ ...assignment, startAtMs: performance.timeOrigin + performance.now() + 2 }, count, site.pools);
      await this.pacing.run();
      this.pacing = null;
    }
    return tally;
  }

  control(msg: ControlMessage): void {
    if (msg.type === 'start') this.resolveStart?.(msg.startAtMs);
    else if (msg.type === 'stop') this.stop();
    else if (msg.type === 'rescale') this.model.rescale(msg.share, performance.now());
    else if (msg.type === 'stages') {
      // live control: the models read the plan's stages, so the new ones apply from the next wake-up
      this.a.plan.load.stages = msg.stages;
      this.model.replan();
      if (this.sending) this.clock.wakeAt(performance.now());
    }
  }

  /** Stop sending now; in-flight requests get a short grace, then the pools are torn down. */
  stop(): void {
    if (this.resolveStart !== null) {
      this.stoppedBeforeStart = true;
      this.pacing?.stop();
      this.resolveStart(null);
      return;
    }
    if (this.stopping || this.finished) return;
    this.endWindow(STOP_GRACE_MS);
  }

  // ------------------------------------------------------------------ the clock

  private tick(now: number): void {
    if (!this.sending) return;
    const next = this.model.fire(now);
    for (let run = this.parked.popDue(now); run !== null; run = this.parked.popDue(now)) {
      if (run.waitingFor === WAIT_STEP) this.journeys.resume(run, performance.now());
      else this.model.restart(run, performance.now());
    }
    const end = this.perfStart + this.durationMs;
    if (now >= end) {
      this.endWindow(this.drainMs());
      return;
    }
    this.clock.wakeAt(Math.min(next, this.parked.peek(), end));
  }

  park(run: JourneyRun): void {
    this.parked.push(run);
    if (this.sending) this.clock.wakeAt(run.wakeAt);
  }

  recordLate(ms: number): void {
    this.health.recordLate(ms);
  }

  journeyEnded(run: JourneyRun, now: number): void {
    this.model.journeyEnded(run, now);
    if (this.stopping && this.journeys.inFlight === 0) this.complete();
  }

  takeRow(feeder: string): Record<string, string> {
    const f = this.feeders.get(feeder);
    if (!f) return {};
    return f.take();
  }

  noteOnce(key: string, note: string): void {
    if (this.noted.has(key)) return;
    this.noted.add(key);
    this.notes.push(note);
  }

  // ------------------------------------------------------- intervals and end

  /** In-flight requests at the end of the window may finish (or time out) within this long. */
  private drainMs(): number {
    if (this.borrowedPools) return PACED_WARMUP_GRACE_MS;
    return Math.min(this.a.plan.http.timeoutMs + 1_000, 31_000);
  }

  private endWindow(graceMs: number): void {
    if (this.stopping) return;
    this.sending = false;
    this.stopping = true;
    this.clock.stop();
    // The window usually ends on a second boundary, which the clock reaches before the
    // interval timer does: close that second now, so what finishes during the drain is reported
    // as the seconds after it, as every generator does.
    if (this.intervalTimer !== null && performance.now() >= this.perfStart + (this.interval + 1) * 1000 - 1) {
      clearTimeout(this.intervalTimer);
      this.intervalTimer = null;
      this.flushInterval();
      if (this.journeys.inFlight > 0 || this.parked.size > 0) this.armIntervalTimer();
    }
    // journeys waiting out a think time end now; VUs waiting to restart simply stop
    this.parked.drain((run) => {
      if (run.waitingFor === WAIT_STEP) this.journeys.end(run, 'interrupted');
      else run.active = false;
    });
    if (this.journeys.inFlight === 0) {
      this.complete();
      return;
    }
    setTimeout(() => this.complete(), graceMs).unref();
  }

  private complete(): void {
    if (this.finished) return;
    this.finished = true;
    this.sending = false;
    this.clock.stop();
    if (this.intervalTimer) clearTimeout(this.intervalTimer);
    const stuck = this.journeys.inFlight;
    const teardown = this.borrowedPools ? Promise.resolve() : stuck > 0 ? this.pools.destroy() : this.pools.close();
    void teardown.then(() => {
      if (stuck > 0) this.notes.push(`${stuck} requests were still in flight when the generator stopped; they are not counted`);
      this.flushInterval();
      this.health.close();
      this.resolveDone?.();
    });
  }

  private armIntervalTimer(): void {
    const boundary = this.perfStart + (this.interval + 1) * 1000;
    this.intervalTimer = setTimeout(this.onIntervalBoundary, Math.max(0, boundary - performance.now()));
  }

  private readonly onIntervalBoundary = (): void => {
    this.intervalTimer = null;
    if (this.finished) return;
    this.flushInterval();
    this.armIntervalTimer();
  };

  private flushInterval(): void {
    const links: IntervalLink[] = [];
    for (const rec of this.journeys.links.values()) {
      const l = rec.flush();
      if (l !== null) links.push(l);
    }
    const journeys: IntervalJourney[] = [];
    for (const j of this.journeys.list) {
      if (j.started || j.completed || j.failed || j.shed) journeys.push({ name: j.name, started: j.started, completed: j.completed, failed: j.failed, shed: j.shed });
      j.started = j.completed = j.failed = j.shed = 0;
    }
    const lateP99Us = this.health.lateP99Us();
    this.emit({
      type: 'interval',
      generator: this.name,
      t: this.interval,
      links,
      journeys,
      inFlight: this.journeys.inFlight,
      dropped: this.model.takeDropped(),
      lateP99Us,
      ...(this.notes.length > 0 ? { notes: this.notes.splice(0) } : {}),
      health: this.health.flush(this.clock.takeSpinMs()),
    });
    this.interval++;
  }
}
