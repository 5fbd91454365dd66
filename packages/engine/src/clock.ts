// The generator's one timing structure: a single wake-up for everything that is due (the load
// model's next arrival, journeys waiting out their think time, VUs restarting), and a queue of
// journey runs ordered by due time. No timer per request or per step.
//
// Why not just a timer: a Node timer fires at whole milliseconds and often a millisecond late,
// and a scheduler that sleeps on it sends bursts, each request late by up to its slack. The
// clock sleeps on a timer until SPIN_MS before the due time, then waits in short turns: each
// turn naps on a futex (`Atomics.wait`, NAP_MS at most, precise to tens of microseconds) and
// then yields with setImmediate, so I/O callbacks run between the naps (setImmediate lets the
// poll phase run with a zero timeout): a response is read at most NAP_MS after it arrived, and
// sends leave within a fraction of a millisecond of their due time. A nap costs no CPU; what
// the turns themselves cost (about a fifth of a core while the clock waits continuously) has a
// budget: at most SPIN_SHARE of each SPIN_WINDOW_MS may go to empty turns; past it the clock
// waits on a 1 ms timer until the next window (lateness then grows to about a millisecond, and
// is recorded as such), so a machine shared with the target keeps most of that core.
// At high rates the clock batches: it ticks at most once every MIN_TICK_GAP_MS, and a tick
// starts everything due by then, so at 20,000 arrivals a second five leave per wake-up instead
// of one, each at most that much late (recorded as lateness, and counted in its latency): a
// wake-up (a turn of the event loop and a nap) cost more than the send itself.
// The time spent waiting this way is counted (`spinMs`) so the generator's own CPU figure can
// leave it out: the naps, and turns that did nothing else (a gap between two wake checks
// shorter than EMPTY_TURN_MS); a turn that read responses is work.

import { performance } from 'node:perf_hooks';

/** Sleep on a timer until this long before a due time, then spin on setImmediate. */
export const SPIN_MS = 2;
/** A turn shorter than this did nothing but check the time. */
const EMPTY_TURN_MS = 0.02;
const SPIN_WINDOW_MS = 100;
const SPIN_SHARE = 0.25;
/** The longest nap between two looks at I/O, and how far ahead of a due time a nap ends. */
const NAP_MS = 0.05;
const NAP_EARLY_MS = 0.02;
const NAP_CELL = new Int32Array(new SharedArrayBuffer(4));
/** Two ticks are at least this far apart (ms): what comes due in between leaves with the next. */
export const MIN_TICK_GAP_MS = 0.25;

export class Clock {
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private armedAt = Infinity;
  private lastCheck = -1;
  private lastTick = -Infinity;
  private windowStart = 0;
  private windowSpinMs = 0;
  /** Milliseconds spent spinning towards a due time since the last read (see `takeSpinMs`). */
  private spinMs = 0;
  private stopped = false;

  constructor(private readonly tick: (now: number) => void) {}

  /** Wake at `at` (performance.now() ms), or keep an earlier wake-up already armed. */
  wakeAt(at: number): void {
    at = Math.max(at, this.lastTick + MIN_TICK_GAP_MS);
    if (this.stopped || at >= this.armedAt) return;
    this.cancel();
    this.armedAt = at;
    this.arm(performance.now());
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  /** Spin time since the last call, ms. */
  takeSpinMs(): number {
    const s = this.spinMs;
    this.spinMs = 0;
    return s;
  }

  private arm(now: number): void {
    const wait = this.armedAt - now - SPIN_MS;
    if (wait >= 1) this.timer = setTimeout(this.onWake, wait);
    else if (this.spinAllowed(now)) this.immediate = setImmediate(this.onWake);
    else this.timer = setTimeout(this.onWake, 1);
  }

  private spinAllowed(now: number): boolean {
    if (now - this.windowStart >= SPIN_WINDOW_MS) {
      this.windowStart = now;
      this.windowSpinMs = 0;
    }
    return this.windowSpinMs < SPIN_WINDOW_MS * SPIN_SHARE;
  }

  private cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.armedAt = Infinity;
  }

  private readonly onWake = (): void => {
    this.timer = null;
    this.immediate = null;
    let now = performance.now();
    if (now < this.armedAt) {
      if (this.lastCheck >= 0 && now - this.lastCheck < EMPTY_TURN_MS) {
        this.spinMs += now - this.lastCheck;
        this.windowSpinMs += now - this.lastCheck;
      }
      const rest = this.armedAt - now;
      if (rest > NAP_EARLY_MS && rest <= SPIN_MS) {
        Atomics.wait(NAP_CELL, 0, 0, Math.min(NAP_MS, rest - NAP_EARLY_MS));
        const woke = performance.now();
        this.spinMs += woke - now;
        now = woke;
      }
      if (now < this.armedAt) {
        this.lastCheck = now;
        this.arm(now);
        return;
      }
    }
    this.lastCheck = -1;
    this.armedAt = Infinity;
    this.lastTick = now;
    this.tick(now);
  };
}

/** Something that waits in the queue until `wakeAt`. */
export interface Waiting {
  wakeAt: number;
}

/** A binary min-heap on `wakeAt`: O(log n) per push and pop, no allocation once grown. */
export class DueQueue<T extends Waiting> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** The earliest due time, or Infinity when empty. */
  peek(): number {
    return this.heap.length > 0 ? this.heap[0]!.wakeAt : Infinity;
  }

  push(item: T): void {
    const h = this.heap;
    let i = h.length;
    h.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.wakeAt <= item.wakeAt) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = item;
  }

  /** The earliest item if it is due by `now`, else null. */
  popDue(now: number): T | null {
    const h = this.heap;
    if (h.length === 0 || h[0]!.wakeAt > now) return null;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && h[r]!.wakeAt < h[l]!.wakeAt ? r : l;
        if (h[c]!.wakeAt >= last.wakeAt) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  /** Empties the queue, handing every item to `each`. */
  drain(each: (item: T) => void): void {
    const items = this.heap.splice(0);
    for (const item of items) each(item);
  }
}
