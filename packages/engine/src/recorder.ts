// Per-link recording for one interval (one second). The hot path only increments counters and
// records into preallocated histograms; encoding happens once a second in `flush`.

import { encodeHistogramPlain, newHistogram, recordMicros, type Histogram } from '@peakdrill/core/metrics';
import { emptyOutcomes, type IntervalLink, type OutcomeClass, type OutcomeCounts } from '@peakdrill/core/protocol';

export class LinkRecorder {
  readonly name: string;
  outcomes: OutcomeCounts = emptyOutcomes();
  started = 0;
  tagSent = 0;
  tagAcknowledged = 0;
  private readonly latency: Histogram = newHistogram();
  private readonly service: Histogram = newHistogram();
  private readonly hops = new Map<string, Histogram>();

  constructor(name: string) {
    this.name = name;
  }

  /** `serviceUs` < 0: no send time (the request never left), or SAME_AS_LATENCY. */
  record(outcome: OutcomeClass, latencyUs: number, serviceUs: number): void {
    this.outcomes[outcome]++;
    recordMicros(this.latency, latencyUs);
    if (serviceUs >= 0) recordMicros(this.service, serviceUs);
  }

  /**
   * Closed model with no queueing possible: a request leaves the moment its VU issues it, so
   * service time equals latency; the latency histogram is copied once per interval instead of
   * stamping and recording every request twice.
   */
  serviceSameAsLatency = false;

  recordHop(hop: string, us: number): void {
    let h = this.hops.get(hop);
    if (h === undefined) {
      h = newHistogram();
      this.hops.set(hop, h);
    }
    recordMicros(h, us);
  }

  /** Encodes and resets; returns null when nothing happened on this link in the interval. */
  flush(): IntervalLink | null {
    const total = this.latency.totalCount;
    if (total === 0 && this.started === 0 && this.tagSent === 0) return null;
    const hops: Record<string, string> = {};
    for (const [name, h] of this.hops) {
      if (h.totalCount > 0) hops[name] = encodeHistogramPlain(h);
      h.reset();
    }
    const latency = encodeHistogramPlain(this.latency);
    const out: IntervalLink = {
      name: this.name,
      outcomes: this.outcomes,
      started: this.started,
      latency,
      service: this.serviceSameAsLatency ? latency : encodeHistogramPlain(this.service),
      hops,
      tagSent: this.tagSent,
      tagAcknowledged: this.tagAcknowledged,
    };
    this.latency.reset();
    this.service.reset();
    this.outcomes = emptyOutcomes();
    this.started = 0;
    this.tagSent = 0;
    this.tagAcknowledged = 0;
    return out;
  }
}
