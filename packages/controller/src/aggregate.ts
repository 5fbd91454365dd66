// Aggregation: merges the interval messages of every generator (local threads and remote
// agents alike) into per-second, per-link figures and whole-run totals. A second is closed
// when every generator still alive has reported it; it is then written to the run directory
// at once. Histograms are merged with `add` (lossless); no raw samples are kept, and memory
// stays flat: per link, one histogram per second in flight plus the run and window totals.

import {
  addEncodedHistogram,
  addHistogram,
  emptyOutcomes,
  encodeHistogramPlain,
  hlogIntervalLines,
  recordMicros,
  newHistogram,
  newTotalHistogram,
  summarizeHistogram,
  tallyOutcomes,
  type Histogram,
  type IntervalJourney,
  type IntervalLink,
  type IntervalMessage,
  type LatencySummary,
  type OutcomeCounts,
  type TimeseriesLine,
  type GeneratorHealthTally,
  OUTCOME_CLASSES,
} from '@peakdrill/core';

/** One link's figures over some seconds (one second in flight, or the whole run). */
interface LinkFigures {
  outcomes: OutcomeCounts;
  started: number;
  latency: Histogram;
  service: Histogram;
  hops: Map<string, Histogram>;
  tagSent: number;
  tagAcknowledged: number;
}

export interface LinkTotals extends LinkFigures {
  name: string;
  /** The same, over the verdict window only (hold stages). */
  window: { outcomes: OutcomeCounts; started: number; latency: Histogram; hops: Map<string, Histogram>; seconds: Set<number> };
}

interface PendingSecond {
  t: number;
  reported: Set<string>;
  /** How many of `reported` are alive: the second is complete when that is every live generator. */
  aliveReported: number;
  links: Map<string, LinkFigures>;
  journeys: Map<string, { started: number; completed: number; failed: number; shed: number }>;
  inFlight: number;
  dropped: number;
  lateP99Us: number;
  notes: string[];
}

/** What the rest of the controller sees of one closed second. */
export interface SecondReport {
  t: number;
  lines: TimeseriesLine[];
  /** All links merged: for progress lines and drill-wide abort rules. */
  all: SecondFigures & { shed: number; started: number; p50: number; p99: number };
  perLink: Map<string, SecondFigures & { p50: number; p99: number; tagSent: number; tagAcknowledged: number }>;
  plannedRps: number | null;
  /** Journeys (arrivals) started in this second, over all generators: what `plannedRps` plans. */
  journeysStarted: number;
  inFlight: number;
  dropped: number;
  lateP99Ms: number;
  /** Generators still reporting when the second closed (the others finished or were lost). */
  generators: number;
  notes: string[];
  histograms: { tag: string; fromMs: number; toMs: number; histogram: Histogram }[];
}

export interface SecondFigures {
  count: number;
  errors: number;
  latency: LatencySummary;
}

export function addOutcomes(into: OutcomeCounts, from: Partial<OutcomeCounts>): void {
  for (const k of OUTCOME_CLASSES) into[k] += from[k] ?? 0;
}

export interface AggregatorOptions {
  startMs: number;
  /** The planned window; later seconds only hold requests that were in flight at its end. */
  durationS: number;
  /** Seconds [fromS, toS) that count for verdicts; null = every second. */
  window: { fromS: number; toS: number } | null;
  /** Planned rate per link at second t (req/s), or null where it is not planned (closed model, later steps). */
  plannedFor: (link: string, t: number) => number | null;
  plannedTotal: (t: number) => number | null;
  onSecond: (s: SecondReport) => void;
  /** Judges the generators' own health over the verdict window (the drill reads its report). */
  health?: GeneratorHealthTally;
}

export class Aggregator {
  readonly links = new Map<string, LinkTotals>();
  readonly journeys = new Map<string, { started: number; completed: number; failed: number; shed: number }>();
  dropped = 0;
  secondsClosed = 0;
  /** Worst per-second scheduler lateness p99 (µs) over the run. */
  lateP99Us = 0;
  /** The busiest second (requests completed over every link), drain seconds excluded. */
  peakRps = 0;
  private readonly pending = new Map<number, PendingSecond>();
  private readonly alive = new Set<string>();
  private nextT = 0;

  constructor(private readonly opts: AggregatorOptions) {}

  addGenerator(name: string): void {
    if (this.alive.has(name)) return;
    this.alive.add(name);
    for (const p of this.pending.values()) if (p.reported.has(name)) p.aliveReported++;
  }

  /** A generator finished or was lost: seconds no longer wait for it. */
  removeGenerator(name: string): void {
    if (!this.alive.delete(name)) return;
    for (const p of this.pending.values()) if (p.reported.has(name)) p.aliveReported--;
    this.closeReadySeconds();
  }

  accept(msg: IntervalMessage): void {
    // judged on the second it describes, before a straggler is folded into a later one
    const note = this.opts.health?.accept(msg.generator, msg.t, msg.dropped, msg.health) ?? null;
    this.merge(note === null ? msg : { ...msg, notes: [...(msg.notes ?? []), note] });
  }

  private merge(msg: IntervalMessage): void {
    let p = this.pending.get(msg.t);
    if (!p) {
      if (msg.t < this.nextT) {
        // a straggler for a second already written (a generator that caught up late):
        // fold it into the next open second so that no count is lost.
        msg = { ...msg, t: this.nextT };
        return this.merge(msg);
      }
      p = { t: msg.t, reported: new Set(), aliveReported: 0, links: new Map(), journeys: new Map(), inFlight: 0, dropped: 0, lateP99Us: 0, notes: [] };
      this.pending.set(msg.t, p);
    }
    if (!p.reported.has(msg.generator)) {
      p.reported.add(msg.generator);
      if (this.alive.has(msg.generator)) p.aliveReported++;
    }
    p.inFlight += msg.inFlight;
    p.dropped += msg.dropped;
    p.lateP99Us = Math.max(p.lateP99Us, msg.lateP99Us);
    if (msg.notes) p.notes.push(...msg.notes);
    for (const j of msg.journeys) {
      const cur = p.journeys.get(j.name) ?? { started: 0, completed: 0, failed: 0, shed: 0 };
      addJourneyCounts(cur, j);
      p.journeys.set(j.name, cur);
    }
    for (const l of msg.links) {
      let s = p.links.get(l.name);
      if (!s) {
        s = { outcomes: emptyOutcomes(), started: 0, latency: newHistogram(), service: newHistogram(), hops: new Map(), tagSent: 0, tagAcknowledged: 0 };
        p.links.set(l.name, s);
      }
      addOutcomes(s.outcomes, l.outcomes);
      s.started += l.started;
      s.tagSent += l.tagSent;
      s.tagAcknowledged += l.tagAcknowledged;
      addLinkHistograms(s, l);
    }
    this.closeReadySeconds();
  }

  /**
   * Live control changed the stages, so the verdict window may move. Seconds already merged
   * cannot be re-sorted (no per-second figures are kept): the window may grow or shrink at its
   * end (a change takes effect ahead of now, so never before a merged second), or move to
   * seconds not merged yet; otherwise it stays and the note says why.
   */
  setWindow(w: { fromS: number; toS: number }): string | null {
    const old = this.opts.window;
    if (old && old.fromS === w.fromS) {
      this.opts.window = w;
      return null;
    }
    if (w.fromS >= this.nextT) {
      this.opts.window = w;
      for (const t of this.links.values()) t.window = { outcomes: emptyOutcomes(), started: 0, latency: newHistogram(), hops: new Map(), seconds: new Set() };
      return null;
    }
    return `the verdict window stays at seconds ${old?.fromS ?? 0}–${old?.toS ?? 0}: the stages that ran would put it at seconds ${w.fromS}–${w.toS}, which were already merged`;
  }

  /** Closes every second still pending (end of run). */
  flush(): void {
    const ts = [...this.pending.keys()].sort((a, b) => a - b);
    for (const t of ts) {
      this.nextT = t;
      this.close(this.pending.get(t)!);
    }
  }

  private closeReadySeconds(): void {
    for (;;) {
      const p = this.pending.get(this.nextT);
      if (!p) return;
      // a count, not a scan of every generator: thousands of agents' generators report each second
      if (p.aliveReported < this.alive.size) return;
      this.close(p);
    }
  }

  private close(p: PendingSecond): void {
    this.pending.delete(p.t);
    this.nextT = p.t + 1;
    this.secondsClosed = Math.max(this.secondsClosed, p.t + 1);
    this.dropped += p.dropped;
    this.lateP99Us = Math.max(this.lateP99Us, p.lateP99Us);
    const fromMs = this.opts.startMs + p.t * 1000;
    const toMs = fromMs + 1000;
    const inWindow = this.opts.window === null || (p.t >= this.opts.window.fromS && p.t < this.opts.window.toS);
    const lines: TimeseriesLine[] = [];
    const histograms: SecondReport['histograms'] = [];
    const perLink: SecondReport['perLink'] = new Map();
    const all = newHistogram();
    let count = 0;
    let errors = 0;
    let shed = 0;
    let started = 0;

    for (const [name, s] of [...p.links].sort(([a], [b]) => a.localeCompare(b))) {
      const tot = this.totalsFor(name);
      addOutcomes(tot.outcomes, s.outcomes);
      tot.started += s.started;
      tot.tagSent += s.tagSent;
      tot.tagAcknowledged += s.tagAcknowledged;
      addHistogram(tot.latency, s.latency);
      addHistogram(tot.service, s.service);
      if (inWindow) {
        addOutcomes(tot.window.outcomes, s.outcomes);
        tot.window.started += s.started;
        addHistogram(tot.window.latency, s.latency);
        tot.window.seconds.add(p.t);
      }
      const hopLine: Record<string, { p50: number; p99: number }> = {};
      for (const [hop, h] of s.hops) {
        mergeInto(tot.hops, hop, h);
        if (inWindow) mergeInto(tot.window.hops, hop, h);
        const sum = summarizeHistogram(h);
        hopLine[hop] = { p50: sum.p50, p99: sum.p99 };
        histograms.push({ tag: `${name}|hop:${hop}`, fromMs, toMs, histogram: h });
      }
      addHistogram(all, s.latency);
      const { count: n, errors: e } = tallyOutcomes(s.outcomes);
      count += n;
      errors += e;
      shed += s.outcomes.shed;
      started += s.started;
      const lat = summarizeHistogram(s.latency);
      perLink.set(name, { count: n, errors: e, latency: lat, p50: lat.p50, p99: lat.p99, tagSent: s.tagSent, tagAcknowledged: s.tagAcknowledged });
      lines.push({
        t: p.t,
        ts: fromMs,
        link: name,
        planned: this.opts.plannedFor(name, p.t),
        started: s.started,
        count: n,
        errors: e,
        shed: s.outcomes.shed,
        outcomes: nonZero(s.outcomes),
        rps: n,
        latencyMs: { p50: lat.p50, p90: lat.p90, p99: lat.p99, max: lat.max, mean: lat.mean },
        inFlight: p.inFlight,
        ...(s.hops.size > 0 ? { hops: hopLine } : {}),
      });
      histograms.push({ tag: name, fromMs, toMs, histogram: s.latency });
      histograms.push({ tag: `${name}|service`, fromMs, toMs, histogram: s.service });
    }
    for (const [name, j] of p.journeys) {
      const cur = this.journeys.get(name) ?? { started: 0, completed: 0, failed: 0, shed: 0 };
      cur.started += j.started;
      cur.completed += j.completed;
      cur.failed += j.failed;
      cur.shed += j.shed;
      this.journeys.set(name, cur);
    }
    if (p.t < this.opts.durationS) this.peakRps = Math.max(this.peakRps, count);
    const allSum = summarizeHistogram(all);
    this.opts.onSecond({
      t: p.t,
      lines,
      all: { count, errors, shed, started, latency: allSum, p50: allSum.p50, p99: allSum.p99 },
      perLink,
      plannedRps: this.opts.plannedTotal(p.t),
      journeysStarted: [...p.journeys.values()].reduce((a, j) => a + j.started, 0),
      inFlight: p.inFlight,
      dropped: p.dropped,
      lateP99Ms: p.lateP99Us / 1000,
      generators: this.alive.size,
      notes: p.notes,
      histograms,
    });
  }

  private totalsFor(name: string): LinkTotals {
    let t = this.links.get(name);
    if (!t) {
      t = {
        name,
        outcomes: emptyOutcomes(),
        started: 0,
        latency: newTotalHistogram(),
        service: newTotalHistogram(),
        hops: new Map(),
        tagSent: 0,
        tagAcknowledged: 0,
        window: { outcomes: emptyOutcomes(), started: 0, latency: newTotalHistogram(), hops: new Map(), seconds: new Set() },
      };
      this.links.set(name, t);
    }
    return t;
  }
}

export function addEncoded(into: Histogram, encoded: string): void {
  addEncodedHistogram(into, encoded);
}

/** Adds one second's journey counts (`shed` may be absent from older generators). */
export function addJourneyCounts(into: { started: number; completed: number; failed: number; shed: number }, j: IntervalJourney): void {
  into.started += j.started;
  into.completed += j.completed;
  into.failed += j.failed;
  into.shed += j.shed ?? 0;
}

/** Adds a link's encoded latency, service-time and hop histograms of one second into decoded ones. */
export function addLinkHistograms(into: { latency: Histogram; service: Histogram; hops: Map<string, Histogram> }, l: IntervalLink): void {
  addEncoded(into.latency, l.latency);
  addEncoded(into.service, l.service);
  for (const [hop, enc] of Object.entries(l.hops)) {
    let h = into.hops.get(hop);
    if (!h) {
      h = newHistogram();
      into.hops.set(hop, h);
    }
    addEncoded(h, enc);
  }
}

function mergeInto(map: Map<string, Histogram>, key: string, h: Histogram): void {
  let into = map.get(key);
  if (!into) {
    into = newTotalHistogram();
    map.set(key, into);
  }
  addHistogram(into, h);
}

function nonZero(o: OutcomeCounts): Partial<OutcomeCounts> {
  const out: Partial<OutcomeCounts> = {};
  for (const k of OUTCOME_CLASSES) if (o[k] > 0) out[k] = o[k];
  return out;
}

/** Seconds of throwaway intervals `warmAggregation` merges (enough for the JIT to compile the merge, the summaries and the hlog writer). */
const WARM_SECONDS = 12;

/**
 * Runs the per-second path of this thread (merge, totals, summaries, the hlog encoder) on
 * throwaway intervals of `links`, before second 0: the first seconds of a drill must not be
 * summarized by cold code, which costs tens of milliseconds a second on a thread that shares
 * its core with a pinned generator. Nothing here is kept or written.
 */
export function warmAggregation(links: readonly string[]): void {
  links = links.slice(0, 2);
  const h = newHistogram();
  for (let us = 50; us < 2_000_000; us = Math.ceil(us * 1.07)) recordMicros(h, us);
  const latency = encodeHistogramPlain(h);
  const agg = new Aggregator({
    startMs: 0,
    durationS: WARM_SECONDS,
    window: { fromS: 1, toS: WARM_SECONDS },
    plannedFor: () => null,
    plannedTotal: () => null,
    onSecond: (s) => void hlogIntervalLines(s.histograms, 0),
  });
  agg.addGenerator('warm');
  const outcomes = emptyOutcomes();
  outcomes.ok = h.totalCount;
  for (let t = 0; t < WARM_SECONDS; t++) {
    const intervalLinks = links.map((name) => ({ name, outcomes, started: h.totalCount, latency, service: latency, hops: { app: latency }, tagSent: 0, tagAcknowledged: 0 }));
    agg.accept({ type: 'interval', generator: 'warm', t, links: intervalLinks, journeys: [], inFlight: 0, dropped: 0, lateP99Us: 0 });
  }
  agg.removeGenerator('warm');
  h.destroy();
}
