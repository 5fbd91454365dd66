// The generator's check on itself, per interval: how late its sends left against their due
// time (HDR, every send), the event-loop delay of its thread (perf_hooks) and how busy the
// thread was. The controller judges it (core GeneratorHealthTally): a generator that fell
// behind makes the run inconclusive instead of passing its own stall off as the target's.

import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { encodeHistogramPlain, newHistogram, recordMicros, type Histogram } from '@peakdrill/core/metrics';
import type { GeneratorHealth } from '@peakdrill/core/protocol';

export class SelfCheck {
  private readonly lateness: Histogram = newHistogram();
  private readonly eld: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private elu: EventLoopUtilization | null = null;

  start(): void {
    this.eld.enable();
    this.elu = performance.eventLoopUtilization();
  }

  /** `lateMs`: how long after its due time a send (or a later step) actually left. */
  recordLate(lateMs: number): void {
    recordMicros(this.lateness, lateMs * 1000);
  }

  /** The interval's figures; resets. `spinMs`: time the clock spent waiting for a due time (not work). */
  flush(spinMs: number): GeneratorHealth {
    const now = performance.eventLoopUtilization();
    let cpu = 0;
    if (this.elu !== null) {
      const d = performance.eventLoopUtilization(now, this.elu);
      const total = d.idle + d.active;
      cpu = total > 0 ? Math.min(1, Math.max(0, (d.active - spinMs) / total)) : 0;
    }
    this.elu = now;
    const health: GeneratorHealth = {
      lateness: encodeHistogramPlain(this.lateness),
      // the monitor reports nanoseconds; NaN/0 when it has no sample yet
      eventLoopDelayP99Us: this.eld.count > 0 ? Math.round(this.eld.percentile(99) / 1000) : 0,
      eventLoopDelayMaxUs: this.eld.count > 0 ? Math.round(this.eld.max / 1000) : 0,
      cpu: Math.round(cpu * 1000) / 1000,
    };
    this.lateness.reset();
    this.eld.reset();
    return health;
  }

  /** Worst lateness of the interval so far, µs (for the legacy `lateP99Us` field). */
  lateP99Us(): number {
    return this.lateness.totalCount > 0 ? this.lateness.getValueAtPercentile(99) : 0;
  }

  close(): void {
    this.eld.disable();
  }
}
