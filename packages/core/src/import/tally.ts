// Bounded counters for streaming imports: a log of a billion lines must not need a billion
// map entries.
// - TopKeys: the most frequent values (hot keys) with at most 2 × capacity entries; when full
//   it keeps the `capacity` largest counts (lossy counting: a key's count may be under by the
//   counts dropped while it was out, which only matters for keys far from the top).
// - Peaks: the busiest second and minute of a stream of timestamps, holding a sliding window of
//   buckets; a bucket is final once the stream has moved on past it (logs are written in
//   completion order, so lines arrive a little out of order, never minutes late).

export class TopKeys {
  private readonly counts = new Map<string, number>();
  total = 0;
  /** Number of distinct keys seen, capped at counting (exact while below 2 × capacity). */
  distinct = 0;
  private pruned = false;

  constructor(private readonly capacity = 1000) {}

  add(key: string): void {
    this.total++;
    const c = this.counts.get(key);
    if (c !== undefined) {
      this.counts.set(key, c + 1);
      return;
    }
    this.distinct++;
    this.counts.set(key, 1);
    if (this.counts.size >= 2 * this.capacity) this.prune();
  }

  private prune(): void {
    this.pruned = true;
    const keep = [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, this.capacity);
    this.counts.clear();
    for (const [k, c] of keep) this.counts.set(k, c);
  }

  /** True when `distinct` is a lower bound (some keys were dropped). */
  get approximate(): boolean {
    return this.pruned;
  }

  /** The `n` most frequent keys, most frequent first. */
  top(n: number): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
  }
}

export interface Peak {
  count: number;
  /** Start of the busiest bucket, epoch ms. */
  atMs: number;
}

class Buckets {
  private readonly open = new Map<number, number>();
  best: Peak = { count: 0, atMs: 0 };
  private newest = -Infinity;

  constructor(
    private readonly widthMs: number,
    private readonly keepOpen: number,
  ) {}

  add(timeMs: number): void {
    const b = Math.floor(timeMs / this.widthMs);
    this.open.set(b, (this.open.get(b) ?? 0) + 1);
    if (b > this.newest) {
      this.newest = b;
      if (this.open.size > this.keepOpen) this.close(b - this.keepOpen);
    }
  }

  private close(before: number): void {
    for (const [b, c] of this.open) {
      if (b >= before) continue;
      this.fold(b, c);
      this.open.delete(b);
    }
  }

  private fold(b: number, c: number): void {
    if (c > this.best.count || (c === this.best.count && b * this.widthMs < this.best.atMs)) this.best = { count: c, atMs: b * this.widthMs };
  }

  finish(): Peak {
    for (const [b, c] of this.open) this.fold(b, c);
    this.open.clear();
    return this.best;
  }
}

export class Peaks {
  private readonly second = new Buckets(1000, 120);
  private readonly minute = new Buckets(60_000, 5);

  add(timeMs: number): void {
    this.second.add(timeMs);
    this.minute.add(timeMs);
  }

  finish(): { second: Peak; minute: Peak } {
    return { second: this.second.finish(), minute: this.minute.finish() };
  }
}
