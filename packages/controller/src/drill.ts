// A drill from plan to run directory: split the load over generators, start them at one
// instant, merge their seconds, write each second as it closes, watch the abort rules, and
// at the end write the summary with its verdicts and checks.

import { cpus } from 'node:os';
import {
  applyVerdicts,
  computeVerdicts,
  exitCodeOf,
  GeneratorHealthTally,
  latenessBoundMs,
  settleStatus,
  makeRunId,
  renderJUnit,
  tallyOutcomes,
  RUN_FILES,
  verdictWindow,
  RunDirWriter,
  UserError,
  countCsvRows,
  evenBlock,
  plannedRates,
  shadowTagging,
  totalDurationMs,
  type AbortInfo,
  type FaultRecord,
  type GeneratorMessage,
  type LinkSecond,
  type Plan,
  type RunStatus,
  type Summary,
  type VerdictWindow,
  type WorkerAssignment,
} from '@peakdrill/core';
import { preflight, type PreflightResult } from '@peakdrill/engine';
import { Aggregator, warmAggregation, type SecondReport } from './aggregate.js';
import type { GeneratorFleet } from './generators.js';
import { LocalFleet } from './local.js';
import { watchAbortRules, type AbortWatch } from './abort.js';
import { runPostChecks } from './post-checks.js';
import { assertTargetsReachable } from './reachability.js';
import { buildSummary, type SummaryInput } from './summary.js';
import { FaultRunner } from './faults/runner.js';
import { rehearsalOfRun } from './rehearsal.js';
import { DrillControl, type ControlRecord, type ControlState, type ControlVia } from './control/drill-control.js';
import type { ControlCommand } from './control/replan.js';
import { startObserving, type Observer } from './outputs/observe.js';

/** Headroom before second 0 for agents, whose start instant is fixed when they are assigned. */
const START_DELAY_MS = 400;
/** A live change takes effect this far ahead of the request, so every generator has it before its instant. */
const CONTROL_LEAD_LOCAL_MS = 50;
const CONTROL_LEAD_AGENTS_MS = 300;
/** Second 0 is this far after the last local generator said ready: the start message's trip to each thread. */
const READY_MARGIN_MS = 50;

/** Resolves when every generator said ready, or ended (done or failed) before it did. */
class ReadyWait {
  readonly all: Promise<void>;
  private readonly pending: Set<string>;
  private resolve!: () => void;

  constructor(names: string[]) {
    this.pending = new Set(names);
    this.all = new Promise((r) => (this.resolve = r));
    if (this.pending.size === 0) this.resolve();
  }

  settle(generator: string): void {
    if (this.pending.delete(generator) && this.pending.size === 0) this.resolve();
  }
}

export interface DrillOptions {
  plan: Plan;
  outDir: string;
  /** Local worker threads; default: one per core. */
  workers?: number;
  /** A fleet of remote agents instead of local threads. */
  fleet?: (runId: string) => Promise<GeneratorFleet>;
  shadowSecret?: string;
  runId?: string;
  onSecond?: (s: SecondReport, drill: Drill) => void;
  onNote?: (note: string) => void;
  /** Second 0 is set and the run directory exists: live control is possible from here on. */
  onStarted?: (drill: Drill) => void;
  /** Called when the preflight passed (or was not needed), before the run directory exists. */
  onPreflight?: (results: PreflightResult[]) => void;
}

export interface DrillResult {
  summary: Summary;
  dir: string;
  exitCode: number;
}

export class Drill {
  readonly runId: string;
  readonly plan: Plan;
  readonly durationMs: number;
  readonly startedAt = new Date();
  writer: RunDirWriter | undefined;
  private fleet: GeneratorFleet | null = null;
  private abortInfo: AbortInfo | null = null;
  private stoppedBy: string | null = null;
  private readonly notes: string[] = [];
  private readonly failures: string[] = [];
  private startMs = 0;
  private abortWatch: AbortWatch = watchAbortRules([]);
  private faultRecords: FaultRecord[] = [];
  private liveControl: DrillControl | null = null;

  constructor(private readonly opts: DrillOptions) {
    this.plan = opts.plan;
    this.runId = opts.runId ?? makeRunId(opts.plan.name, this.startedAt);
    this.durationMs = totalDurationMs(opts.plan.load.stages);
  }

  /** The run directory; it exists once the generators are ready (see `started`). */
  get dir(): string {
    return this.writer ? this.writer.dir : '(not started)';
  }

  get started(): boolean {
    return this.writer !== undefined;
  }

  /** Stops sending (SIGINT, an abort rule, a lost controller link); the run is written as aborted. */
  stop(reason: string, abort?: AbortInfo): void {
    if (this.stoppedBy !== null) return;
    this.stoppedBy = reason;
    if (abort) this.abortInfo = abort;
    this.fleet?.send({ type: 'stop', reason });
  }

  /** Live control (`peakdrill ctl`, the control API): throws DRILL_NOT_STARTED / DRILL_ENDED. */
  control(cmd: ControlCommand, who: string, via: ControlVia): ControlRecord {
    if (!this.liveControl) throw new UserError('DRILL_NOT_STARTED', 'the drill has not started yet: try again in a moment');
    return this.liveControl.apply(cmd, who, via);
  }

  controlState(): ControlState {
    if (!this.liveControl) throw new UserError('DRILL_NOT_STARTED', 'the drill has not started yet: try again in a moment');
    return this.liveControl.state();
  }

  /** Whether this drill's requests carry the shadow tag. */
  get tagging(): boolean {
    return shadowTagging(this.plan, this.opts.shadowSecret);
  }

  get stopped(): boolean {
    return this.stoppedBy !== null;
  }

  async run(): Promise<DrillResult> {
    const plan = this.plan;
    const workers = Math.max(1, Math.floor(this.opts.workers ?? cpus().length));
    // the fleet first: remote agents may take a while to gather, and second 0 is picked after
    await assertTargetsReachable(plan);
    await this.preflight();
    // the fault proxies (if any) stand between the generators and their targets from the start
    const { runner: faults, sendPlan } = await FaultRunner.prepare(plan, (e) => {
      this.writer?.appendFaultEvent(e);
      this.opts.onNote?.(`fault ${e.fault}: ${e.phase}${e.ok ? '' : ' FAILED'}: ${e.detail}`);
    });
    const fleet: GeneratorFleet = this.opts.fleet ? await this.opts.fleet(this.runId) : new LocalFleet(this.runId, workers);
    this.fleet = fleet;
    // A fleet that can start its generators on a word (local threads) gets the handshake:
    // every generator boots, opens its connections and warms up, says `ready`, and only then
    // is second 0 set, READY_MARGIN_MS ahead. Agents (no `go`) take a start instant fixed when
    // they are assigned, with the fleet's headroom; they warm up before it too.
    const handshake = fleet.go !== undefined;
    if (!handshake) this.startMs = Date.now() + Math.max(START_DELAY_MS, fleet.startDelayMs ?? 0);
    const count = fleet.names.length;
    const assignments: WorkerAssignment[] = fleet.names.map((_, index) => ({
      runId: this.runId,
      plan: sendPlan,
      index,
      count,
      share: 1 / count,
      startAtMs: this.startMs,
      ...(handshake ? { awaitStart: true } : {}),
      ...(this.opts.shadowSecret ? { shadowSecret: this.opts.shadowSecret } : {}),
      ...uniqueRangesFor(plan, index, count),
    }));

    // the verdict window of the planned run, for the generators' self-check and the aggregator;
    // live control moves it (onStages), and the end takes it again for the seconds that ran
    const window = this.windowOf(this.durationMs / 1000);
    const health = new GeneratorHealthTally(latenessBoundMs(plan), window, plan.load.model === 'open');
    let aggregator: Aggregator | null = null;
    let agg!: Aggregator;
    const early: GeneratorMessage[] = [];
    const ready = new ReadyWait(fleet.names);
    const handle = (agg: Aggregator, msg: GeneratorMessage): void => {
      if (msg.type === 'interval') agg.accept(msg);
      else if (msg.type === 'done') agg.removeGenerator(msg.generator);
      else if (msg.type === 'failed') {
        this.failures.push(`${msg.generator}: ${msg.message}`);
        health.markDied(msg.generator, this.startMs > 0 ? Math.max(0, Math.floor((Date.now() - this.startMs) / 1000)) : 0, msg.message);
        agg.removeGenerator(msg.generator);
      }
    };
    const onMessage = (msg: GeneratorMessage): void => {
      if (msg.type !== 'interval') ready.settle(msg.generator);
      if (msg.type === 'ready') return;
      if (aggregator === null) early.push(msg);
      else handle(aggregator, msg);
    };
    let input!: SummaryInput;
    let observer: Observer | null = null;
    try {
      await fleet.start(assignments, onMessage, this);
      // while the generators warm up, so does this thread's per-second path
      warmAggregation([...new Set(plan.journeys.flatMap((j) => j.steps.map((s) => s.name)))]);
      if (handshake) {
        await ready.all;
        this.startMs = Date.now() + READY_MARGIN_MS;
      }
      const writer = new RunDirWriter(this.opts.outDir, this.runId, this.startMs);
      this.writer = writer;
      this.abortWatch = watchAbortRules(plan.abort, this.tagging ? { floor: plan.shadow.coverageFloor } : undefined);
      const planned = plannedRates(plan);
      agg = new Aggregator({
        startMs: this.startMs,
        durationS: this.durationMs / 1000,
        window,
        plannedFor: planned.forLink,
        plannedTotal: planned.total,
        onSecond: (sec) => this.onSecond(sec),
        health,
      });
      aggregator = agg;
      for (const name of fleet.names) agg.addGenerator(name);
      input = { drill: this, aggregator: agg, workers: count, notes: this.notes };
      writer.writeSummary(buildSummary(input, 'running', null));
      for (const msg of early.splice(0)) handle(agg, msg);
      if (handshake) fleet.go!(this.startMs);
      faults.start(this.startMs);
      this.liveControl = new DrillControl({
        plan,
        startMs: this.startMs,
        totalMs: this.durationMs,
        // local threads hear a change within a millisecond; agents over NATS need more
        leadMs: handshake ? CONTROL_LEAD_LOCAL_MS : CONTROL_LEAD_AGENTS_MS,
        dir: writer.dir,
        levelChangesRefused: plan.load.model === 'replay' ? 'a replay follows the offsets of its log (change `speed:` instead)' : null,
        send: (msg) => fleet.send(msg),
        stop: (reason) => this.stop(reason, { cause: 'request', rule: 'control', atS: (Date.now() - this.startMs) / 1000, figures: {}, reason }),
        onStages: () => {
          const note = agg.setWindow(this.windowOf(this.durationMs / 1000));
          if (note) this.notes.push(note);
        },
      });
      if (plan.observe?.length) observer = startObserving(plan.observe, this.startMs, writer.dir);
      this.opts.onStarted?.(this);
      await fleet.finished;
    } finally {
      this.faultRecords = await faults.finish();
      this.liveControl?.end();
      await observer?.close();
      this.abortWatch.close();
      await fleet.close().catch(() => undefined);
    }
    agg.flush();
    const writer = this.writer!;
    const changes = this.liveControl?.history.length ?? 0;
    if (changes > 0) this.notes.push(`live control: ${changes} change${changes === 1 ? '' : 's'} during the drill (${RUN_FILES.control}); the plan in this summary is the stages that ran`);

    let status: RunStatus;
    if (this.failures.length === count) status = 'error';
    else if (this.stoppedBy !== null) status = 'aborted';
    else status = 'passed';
    if (this.failures.length > 0) this.notes.push(...this.failures.map((f) => `generator failed: ${f}`));
    const generator = health.report();
    if (!generator.keptUp && status !== 'error') this.notes.push(...generator.behind.map((b) => `generator: ${b.reason}`), generator.advice);
    let summary = buildSummary(input, status, this.abortInfo);
    if (status !== 'error') summary.generator = generator;
    const agents = fleet.agents?.(summary.durationS);
    if (agents) summary.agents = agents;
    if (status === 'error') summary.error = this.failures[0] ?? 'every generator failed';
    // one window for the totals and the verdicts over them
    const ran = this.windowOf(summary.durationS);
    summary = applyVerdicts(summary, computeVerdicts({ plan, intervals: windowTotals(agg, ran), durationS: summary.durationS, window: ran }));
    // some generators died, or they fell behind: the figures describe the tool (DESIGN.md, exit 4)
    summary = settleStatus(summary);
    if (status !== 'error') Object.assign(summary, rehearsalOfRun(plan, this.faultRecords, writer.dir, summary.durationS));
    if (status !== 'error') {
      summary.isolation = await runPostChecks(plan.isolation, summary);
      summary.invariants = await runPostChecks(plan.invariants, summary);
    }
    summary = applyVerdicts(summary, new Map());
    writer.writeSummary(summary);
    writer.writeFile(RUN_FILES.junit, renderJUnit(summary));
    return { summary, dir: writer.dir, exitCode: exitCodeOf(summary) };
  }

  private onSecond(s: SecondReport): void {
    this.writer?.appendSecond(s.lines, s.histograms);
    for (const n of s.notes) {
      this.notes.push(`t=${s.t}s: ${n}`);
      this.opts.onNote?.(n);
    }
    this.opts.onSecond?.(s, this);
    if (this.stoppedBy !== null) return;
    const fired = this.abortWatch.check(s);
    if (fired) {
      this.opts.onNote?.(`abort: ${fired.reason}`);
      this.stop(`abort rule: ${fired.rule}`, fired);
    }
  }

  /**
   * Fail closed: every target the drill touches must acknowledge the shadow tag (engine
   * preflight). Tagging on without a secret would send untagged traffic under a `tagged`
   * summary, so the drill refuses instead, as the CLI does.
   */
  private async preflight(): Promise<void> {
    const plan = this.plan;
    const secret = this.opts.shadowSecret;
    assertRunnable(plan, secret);
    if (!shadowTagging(plan, secret) || plan.shadow.preflightRequests <= 0) return;
    const results = await preflight(plan, this.runId, secret);
    const failing = results.filter((r) => r.acknowledged < r.sent);
    if (failing.length > 0) {
      const lines = failing.map(
        (r) =>
          `  ${r.link} (target ${r.target}${r.probe === 'get' ? ', probed with a tagged GET of its path' : ''}): ${r.acknowledged} of ${r.sent} tagged requests acknowledged${r.error ? ` (${r.error})` : r.statuses.length ? ` (HTTP ${[...new Set(r.statuses)].join(', ')})` : ''}`,
      );
      throw new UserError(
        'SHADOW_NOT_ACKNOWLEDGED',
        `a target did not acknowledge the shadow tag, so the drill did not start (test traffic could reach production data):\n${lines.join('\n')}\nThe system under test must verify x-peakdrill-shadow with the same secret ($${plan.shadow.secretEnv}) and answer x-peakdrill-shadow-ack: <run-id>.`,
      );
    }
    this.opts.onPreflight?.(results);
  }

  get runStartMs(): number {
    return this.startMs;
  }

  /** The verdict window of the stages in effect, for a run that lasts `durationS`: the one place the drill asks. */
  private windowOf(durationS: number): VerdictWindow {
    return verdictWindow(this.plan.load, durationS, this.plan.faults);
  }
}

/**
 * The verdict input: one pre-merged entry per link. The aggregator accumulates the planned
 * steady window as seconds close; when the run ended before its hold stage, the verdict covers
 * the whole run instead (verdictWindow says which), so the whole-run totals are passed.
 */
function windowTotals(aggregator: Aggregator, w: VerdictWindow): LinkSecond[] {
  const out: LinkSecond[] = [];
  for (const [name, t] of aggregator.links) {
    const useWindow = w.source === 'hold';
    const outcomes = useWindow ? t.window.outcomes : t.outcomes;
    const hops = useWindow ? t.window.hops : t.hops;
    out.push({
      t: w.fromS,
      link: name,
      ...tallyOutcomes(outcomes),
      started: useWindow ? t.window.started : t.started,
      latency: useWindow ? t.window.latency : t.latency,
      hops: Object.fromEntries(hops),
    });
  }
  return out;
}

function uniqueRangesFor(plan: Plan, index: number, count: number): Pick<WorkerAssignment, 'uniqueRanges'> {
  const ranges: Record<string, [number, number]> = {};
  for (const [name, f] of Object.entries(plan.data)) {
    if (f.mode !== 'unique') continue;
    const rows = f.source.kind === 'list' ? f.source.rows.length : countCsvRows(f.source.file);
    ranges[name] = evenBlock(rows, index, count);
  }
  return Object.keys(ranges).length > 0 ? { uniqueRanges: ranges } : {};
}

export function assertRunnable(plan: Plan, shadowSecret: string | undefined): void {
  if (plan.shadow.enabled && !shadowTagging(plan, shadowSecret)) {
    throw new UserError(
      'SHADOW_SECRET_MISSING',
      `shadow tagging is on but $${plan.shadow.secretEnv} is not set: set it to the secret the system under test verifies (or turn tagging off explicitly with \`shadow: { enabled: false }\`)`,
    );
  }
}
