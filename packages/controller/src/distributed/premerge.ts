// Pre-merging on the agent: its workers' interval messages for one second become one message
// (outcomes and counters summed, HDR histograms added losslessly, one encoded histogram per
// link per second), so the controller decodes one message per agent per second instead of one
// per worker. A second goes out when every live worker of the agent has reported it; a worker
// later than LATE_MS does not hold the others back: what arrived goes out, and the late
// worker's part follows in its own message for the same second (the controller's aggregator
// merges it, or folds it into the next open second: exact counts either way). A worker that
// ends (done, failed) first flushes every second it is part of, so its last data always
// precedes its end on the wire.
// Histograms go out in HDR's plain V2 encoding (not deflated): the controller adds them into its
// per-second histograms without an inflate each (core's addEncodedHistogram), see bench/RESULTS.md.

import { emptyOutcomes, encodeHistogramPlain, newHistogram, type Histogram, type IntervalJourney, type IntervalLink, type IntervalMessage } from '@peakdrill/core';
import { addJourneyCounts, addLinkHistograms, addOutcomes } from '../aggregate.js';

/** How long after the first worker reported a second the agent waits for the others. */
export const LATE_MS = 1_000;

export interface MergedSecond {
  /** The generators whose part of second `msg.t` this is. */
  generators: string[];
  msg: IntervalMessage;
}

interface PendingSecond {
  waiting: Set<string>;
  parts: IntervalMessage[];
  firstAt: number;
}

export class SecondMerger {
  private readonly alive: Set<string>;
  private readonly pending = new Map<number, PendingSecond>();

  constructor(
    generators: string[],
    private readonly emit: (m: MergedSecond) => void,
    private readonly lateMs = LATE_MS,
  ) {
    this.alive = new Set(generators);
  }

  add(msg: IntervalMessage, now = Date.now()): void {
    let p = this.pending.get(msg.t);
    if (!p) {
      p = { waiting: new Set(this.alive), parts: [], firstAt: now };
      this.pending.set(msg.t, p);
    }
    p.parts.push(msg);
    p.waiting.delete(msg.generator);
    if (p.waiting.size === 0) this.send(msg.t, p, true);
  }

  /** A worker ended: seconds stop waiting for it, and what it reported goes out now. */
  end(generator: string): void {
    this.alive.delete(generator);
    for (const [t, p] of [...this.pending].sort(([a], [b]) => a - b)) {
      p.waiting.delete(generator);
      if (p.waiting.size === 0) this.send(t, p, true);
      else if (p.parts.some((m) => m.generator === generator)) this.send(t, p, false);
    }
  }

  /** Sends what arrived of seconds whose late workers kept them waiting over `lateMs`. */
  tick(now = Date.now()): void {
    for (const [t, p] of [...this.pending].sort(([a], [b]) => a - b)) {
      if (p.parts.length > 0 && now - p.firstAt >= this.lateMs) this.send(t, p, false);
    }
  }

  /** Sends everything still held (the run is over). */
  flush(): void {
    for (const [t, p] of [...this.pending].sort(([a], [b]) => a - b)) this.send(t, p, true);
  }

  private send(t: number, p: PendingSecond, complete: boolean): void {
    if (complete) this.pending.delete(t);
    if (p.parts.length === 0) return;
    const parts = p.parts;
    p.parts = [];
    // re-encoded even when alone: the wire to the controller carries the plain (not deflated) form
    this.emit({ generators: parts.map((m) => m.generator), msg: mergeIntervals(parts) });
  }
}

/** One interval message holding the sum of several of the same second (lossless, histograms in the plain encoding). */
export function mergeIntervals(parts: IntervalMessage[]): IntervalMessage {
  const first = parts[0]!;
  const links = new Map<string, { link: IntervalLink; latency: Histogram; service: Histogram; hops: Map<string, Histogram> }>();
  const journeys = new Map<string, Required<IntervalJourney>>();
  let inFlight = 0;
  let dropped = 0;
  let lateP99Us = 0;
  const notes: string[] = [];
  for (const m of parts) {
    inFlight += m.inFlight;
    dropped += m.dropped;
    // the worst worker's lateness: the aggregator keeps the max over generators too
    lateP99Us = Math.max(lateP99Us, m.lateP99Us);
    if (m.notes) notes.push(...m.notes);
    for (const j of m.journeys) {
      const cur = journeys.get(j.name) ?? { name: j.name, started: 0, completed: 0, failed: 0, shed: 0 };
      addJourneyCounts(cur, j);
      journeys.set(j.name, cur);
    }
    for (const l of m.links) {
      let cur = links.get(l.name);
      if (!cur) {
        cur = { link: { name: l.name, outcomes: emptyOutcomes(), started: 0, latency: '', service: '', hops: {}, tagSent: 0, tagAcknowledged: 0 }, latency: newHistogram(), service: newHistogram(), hops: new Map() };
        links.set(l.name, cur);
      }
      addOutcomes(cur.link.outcomes, l.outcomes);
      cur.link.started += l.started;
      cur.link.tagSent += l.tagSent;
      cur.link.tagAcknowledged += l.tagAcknowledged;
      addLinkHistograms(cur, l);
    }
  }
  const merged: IntervalMessage = {
    type: 'interval',
    generator: first.generator,
    t: first.t,
    links: [...links.values()].map(({ link, latency, service, hops }) => {
      link.latency = encodeAndFree(latency);
      link.service = encodeAndFree(service);
      for (const [hop, h] of hops) link.hops[hop] = encodeAndFree(h);
      return link;
    }),
    journeys: [...journeys.values()],
    inFlight,
    dropped,
    lateP99Us,
  };
  if (notes.length > 0) merged.notes = notes;
  return merged;
}

function encodeAndFree(h: Histogram): string {
  const enc = encodeHistogramPlain(h);
  h.destroy();
  return enc;
}
