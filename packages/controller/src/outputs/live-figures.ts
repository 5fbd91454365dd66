// The live drill's cumulative figures, fed once per closed second from the aggregator: the one
// source both live outputs (prometheus.ts, otlp.ts) render. Every figure is a sum of whole,
// merged seconds, so after the last second it equals summary.json. Latency is kept as one
// cumulative HDR histogram per link (merged with `add`, lossless); each output derives its own
// bucket layout from it when it is read.

import { addHistogram, newHistogram, OUTCOME_CLASSES, type Histogram, type OutcomeClass, type LoadModel } from '@peakdrill/core';
import type { SecondReport } from '../aggregate.js';

export interface LinkFigures {
  outcomes: Record<OutcomeClass, number>;
  /** Latency from the due time (open model) or the send (closed), µs, the whole drill so far. */
  latency: Histogram;
  tagSent: number;
  tagAcknowledged: number;
}

export interface DrillIdentity {
  runId: string;
  scenario: string;
  model: LoadModel['model'];
}

export class LiveFigures {
  readonly links = new Map<string, LinkFigures>();
  /** Epoch ms the figures start counting from (the first second's start). */
  startMs = 0;
  arrivals = 0;
  arrivalsPlanned = 0;
  dropped = 0;
  inFlight = 0;
  plannedRate = 0;
  achievedRate = 0;
  lateP99S = 0;
  generators = 0;
  elapsedS = 0;
  running = true;

  constructor(readonly id: DrillIdentity) {}

  observe(s: SecondReport): void {
    if (this.startMs === 0 && s.lines[0]) this.startMs = s.lines[0].ts - s.t * 1000;
    const latencyByLink = new Map<string, Histogram>();
    for (const h of s.histograms) if (!h.tag.includes('|')) latencyByLink.set(h.tag, h.histogram);
    for (const line of s.lines) {
      const l = this.link(line.link);
      for (const k of OUTCOME_CLASSES) l.outcomes[k] += line.outcomes[k] ?? 0;
      const per = s.perLink.get(line.link);
      l.tagSent += per?.tagSent ?? 0;
      l.tagAcknowledged += per?.tagAcknowledged ?? 0;
      const h = latencyByLink.get(line.link);
      if (h) addHistogram(l.latency, h);
    }
    this.arrivals += s.journeysStarted;
    this.arrivalsPlanned += s.plannedRps ?? 0;
    this.plannedRate = s.plannedRps ?? 0;
    this.achievedRate = s.journeysStarted;
    this.dropped += s.dropped;
    this.inFlight = s.inFlight;
    this.lateP99S = s.lateP99Ms / 1000;
    this.generators = s.generators;
    this.elapsedS = s.t + 1;
  }

  /** The drill ended: the figures are final. */
  finish(): void {
    this.running = false;
    this.inFlight = 0;
  }

  /** Links by name, for stable output. */
  sortedLinks(): [string, LinkFigures][] {
    return [...this.links].sort(([a], [b]) => a.localeCompare(b));
  }

  private link(name: string): LinkFigures {
    let l = this.links.get(name);
    if (!l) {
      l = { outcomes: Object.fromEntries(OUTCOME_CLASSES.map((k) => [k, 0])) as Record<OutcomeClass, number>, latency: newHistogram(), tagSent: 0, tagAcknowledged: 0 };
      this.links.set(name, l);
    }
    return l;
  }
}
