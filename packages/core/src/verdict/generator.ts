// Did the generator keep up? The one owner of that judgement (docs/design/honest-latency.md).
//
// Every generator reports, per second, the lateness of its sends against their due time (HDR),
// its event-loop delay and how busy its thread was, plus the arrivals it dropped. Over the
// verdict window a run is `inconclusive` when any generator's lateness p99 exceeds the bound,
// when any arrival was dropped, when a generator died, or (open model) when a generator's
// thread was saturated: the figures then describe the tool, not the target, and no budget
// verdict can be trusted either way.
//
// Why saturation counts on its own: lateness is measured when an arrival is handed to its
// connection. A thread with no CPU to spare hands arrivals over on time and then cannot write
// them or read their answers promptly, so they wait in its own queues, and that wait lands in
// the latency figures although the target answered in microseconds.

import { decodeHistogram, newHistogram, usToMs, type Histogram } from '../histogram.js';
import type { Plan } from '../plan.js';
import type { GeneratorHealth } from '../protocol.js';
import type { GeneratorBehind, GeneratorReport, Summary } from '../runfiles/summary.js';

/**
 * The run's status once verdicts are in: a passed or failed run whose generators did not keep
 * up becomes `inconclusive` — unless it failed by more than the generator can explain: a
 * latency budget missed by more than the worst lateness of any send, or an error-rate budget
 * (the target's own answers), is the target's miss whatever the generator did.
 */
export function settleStatus(summary: Summary): Summary {
  const g = summary.generator;
  if (!g || g.keptUp || (summary.status !== 'passed' && summary.status !== 'failed')) return summary;
  if (summary.status === 'failed' && targetMissed(summary, g.latenessMs.max)) {
    return { ...summary, notes: [...summary.notes, `the generator fell behind too, but a budget was missed by more than its lateness (max ${g.latenessMs.max} ms) can explain: failed, not inconclusive`] };
  }
  return { ...summary, status: 'inconclusive', passed: false };
}

function targetMissed(summary: Summary, latenessMaxMs: number): boolean {
  for (const l of summary.links) {
    for (const b of l.verdict?.budgets ?? []) {
      if (b.passed) continue;
      if (b.unit === 'ms' && b.measured - latenessMaxMs > b.allowed) return true;
      if (b.unit === 'ratio' && (b.metric ?? b.budget.split(' ')[0]) === 'errors') return true;
    }
  }
  return false;
}

/** Lateness below this never makes a run inconclusive: timer and scheduling noise of a healthy generator. */
export const LATENESS_FLOOR_MS = 1;
/** ... nor lateness below this share of the tightest latency budget. */
export const LATENESS_BUDGET_SHARE = 0.1;
/**
 * Without any latency budget nothing gates on latency, and a generator that sends late but
 * sends everything still offers the planned load: only lateness this large puts throughput
 * and error figures in doubt (it is a generator that cannot keep up at all).
 */
export const LATENESS_NO_BUDGET_MS = 100;
/** An open-model generator whose thread was at least this busy over the window had no time to spare: its own queueing is in the figures. */
export const SATURATED_BUSY_SHARE = 0.9;

/** The lateness p99 (ms) above which a run is inconclusive: max(1 ms, 10% of the tightest latency budget). */
export function latenessBoundMs(plan: Pick<Plan, 'capacity'>): number {
  let tightest = Infinity;
  for (const t of Object.values(plan.capacity.links)) {
    for (const b of t.budgets) if (b.kind === 'latency' && b.hop === undefined) tightest = Math.min(tightest, b.maxMs);
  }
  if (!Number.isFinite(tightest)) return LATENESS_NO_BUDGET_MS;
  return Math.max(LATENESS_FLOOR_MS, Math.round(tightest * LATENESS_BUDGET_SHARE * 1000) / 1000);
}

interface OneGenerator {
  lateness: Histogram;
  /** First second whose own lateness p99 exceeded the bound. */
  lateFromS: number | null;
  dropped: number;
  droppedFromS: number | null;
  eldP99Us: number;
  eldMaxUs: number;
  cpuSum: number;
  cpuMax: number;
  seconds: number;
}

/** Accumulates the generators' health over the verdict window (seconds [fromS, toS), or all). */
export class GeneratorHealthTally {
  private readonly byGenerator = new Map<string, OneGenerator>();
  private readonly died: { generator: string; atS: number; reason: string }[] = [];

  constructor(
    private readonly boundMs: number,
    private readonly window: { fromS: number; toS: number } | null,
    /** Open model: latency is measured from due times, so a saturated thread puts its own queueing in them. */
    private readonly judgeSaturation = false,
  ) {}

  private inWindow(t: number): boolean {
    return this.window === null || (t >= this.window.fromS && t < this.window.toS);
  }

  /** One generator's second; returns a note the first time that generator is seen falling behind. */
  accept(generator: string, t: number, dropped: number, health: GeneratorHealth | undefined): string | null {
    if (!this.inWindow(t)) return null;
    let g = this.byGenerator.get(generator);
    if (!g) {
      g = { lateness: newHistogram(), lateFromS: null, dropped: 0, droppedFromS: null, eldP99Us: 0, eldMaxUs: 0, cpuSum: 0, cpuMax: 0, seconds: 0 };
      this.byGenerator.set(generator, g);
    }
    let note: string | null = null;
    if (dropped > 0) {
      g.dropped += dropped;
      if (g.droppedFromS === null) note = `${generator} dropped ${dropped} arrivals at maxInFlight: the run will be inconclusive`;
      g.droppedFromS ??= t;
    }
    if (!health) return note;
    const second = decodeHistogram(health.lateness);
    if (second.totalCount > 0) {
      g.lateness.add(second);
      const p99 = usToMs(second.getValueAtPercentile(99));
      if (g.lateFromS === null && p99 > this.boundMs) {
        g.lateFromS = t;
        note ??= `${generator} is falling behind its schedule: lateness p99 ${p99} ms (bound ${this.boundMs} ms)`;
      }
    }
    second.destroy();
    g.eldP99Us = Math.max(g.eldP99Us, health.eventLoopDelayP99Us);
    g.eldMaxUs = Math.max(g.eldMaxUs, health.eventLoopDelayMaxUs);
    g.cpuSum += health.cpu;
    g.cpuMax = Math.max(g.cpuMax, health.cpu);
    g.seconds++;
    return note;
  }

  /** A generator that crashed or was lost (with its agent) at second `atS`. */
  markDied(generator: string, atS: number, reason: string): void {
    this.died.push({ generator, atS, reason });
  }

  report(): GeneratorReport {
    const all = newHistogram();
    let eldP99 = 0;
    let eldMax = 0;
    let cpuSum = 0;
    let cpuMax = 0;
    let seconds = 0;
    let dropped = 0;
    const behind: GeneratorBehind[] = [];
    for (const [name, g] of [...this.byGenerator].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) {
      all.add(g.lateness);
      eldP99 = Math.max(eldP99, g.eldP99Us);
      eldMax = Math.max(eldMax, g.eldMaxUs);
      cpuSum += g.cpuSum;
      cpuMax = Math.max(cpuMax, g.cpuMax);
      seconds += g.seconds;
      dropped += g.dropped;
      const p99 = g.lateness.totalCount > 0 ? usToMs(g.lateness.getValueAtPercentile(99)) : 0;
      if (p99 > this.boundMs) {
        const busy = g.seconds > 0 ? Math.round(g.cpuMax * 100) : null;
        behind.push({
          generator: name,
          cause: 'lateness',
          atS: g.lateFromS ?? this.window?.fromS ?? 0,
          figure: p99,
          reason: `${name} sent late: lateness p99 ${p99} ms over the window (bound ${this.boundMs} ms), from t=${g.lateFromS ?? this.window?.fromS ?? 0}s${busy !== null ? `, its thread up to ${busy}% busy` : ''}`,
        });
      }
      const busy = g.seconds > 0 ? g.cpuSum / g.seconds : 0;
      if (this.judgeSaturation && busy >= SATURATED_BUSY_SHARE) {
        behind.push({
          generator: name,
          cause: 'saturated',
          atS: this.window?.fromS ?? 0,
          figure: Math.round(busy * 1000) / 1000,
          reason: `${name} was saturated: its thread was ${Math.round(busy * 100)}% busy over the window (at most ${Math.round(SATURATED_BUSY_SHARE * 100)}% keeps time), so its own queueing is in the latency figures`,
        });
      }
      if (g.dropped > 0) {
        behind.push({
          generator: name,
          cause: 'dropped',
          atS: g.droppedFromS ?? 0,
          figure: g.dropped,
          reason: `${name} dropped ${g.dropped} arrival${g.dropped === 1 ? '' : 's'} at maxInFlight from t=${g.droppedFromS ?? 0}s: they are in no percentile`,
        });
      }
    }
    for (const d of this.died) behind.push({ generator: d.generator, cause: 'died', atS: d.atS, figure: 0, reason: `${d.generator} died at t=${d.atS}s: ${d.reason}` });
    const summary = all.totalCount > 0 ? all : null;
    return {
      boundMs: this.boundMs,
      latenessMs: {
        p50: summary ? usToMs(summary.getValueAtPercentile(50)) : 0,
        p99: summary ? usToMs(summary.getValueAtPercentile(99)) : 0,
        p999: summary ? usToMs(summary.getValueAtPercentile(99.9)) : 0,
        max: summary ? usToMs(summary.maxValue) : 0,
      },
      eventLoopDelayMs: { p99: usToMs(eldP99), max: usToMs(eldMax) },
      dropped,
      cpu: { mean: seconds > 0 ? Math.round((cpuSum / seconds) * 1000) / 1000 : 0, max: Math.round(cpuMax * 1000) / 1000 },
      died: this.died.map((d) => d.generator),
      keptUp: behind.length === 0,
      behind,
      advice: adviceFor(behind),
    };
  }
}

function adviceFor(behind: GeneratorBehind[]): string {
  const causes = new Set(behind.map((b) => b.cause));
  const out: string[] = [];
  if (causes.has('saturated')) out.push('a generator thread had no CPU to spare: add workers (--workers) or agents, or lower the rate, so that each keeps headroom');
  if (causes.has('lateness')) out.push('the generator could not send on time: add workers (--workers) or agents, lower the rate, or use fewer connections per worker');
  if (causes.has('dropped')) out.push('arrivals were refused at load.maxInFlight (the target stalled or answered slower than planned): raise load.maxInFlight so every planned arrival is sent and measured');
  if (causes.has('died')) out.push('a generator died mid-run, so the load was not what was planned: see the notes for why, then run again');
  return out.length === 0 ? '' : `Inconclusive, the figures describe the tool, not the target: ${out.join('; ')}.`;
}
