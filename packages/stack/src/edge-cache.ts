// The gateway's micro-cache of item answers: the hot-key defence one hop earlier than the
// catalog's own cache. A flash-sale item is read thousands of times a second; answering it at
// the gateway for a fraction of a second saves the catalog exchange (two HTTP exchanges of the
// three an item read costs), while an item changed in the catalog shows within `ttlMs`.
//
// Entries and read counts are per traffic kind, like everything the gateway keeps, so a drill's
// shadow answers never reach real buyers. The catalog still owns the hot-key report: the reads
// answered here are counted per SKU and handed to the catalog (`takeReads`), so /hot counts
// every read whichever layer answered it.

import type { Reply } from './http.js';
import type { TrafficKind } from './metrics.js';

export interface EdgeCacheOptions {
  /** How long the gateway answers an item read itself (default 250 ms; 0 turns the cache off). */
  itemCacheMs?: number;
}

interface Entry {
  until: number;
  reply: Reply;
}

const MAX_ENTRIES = 50_000;

export class EdgeCache {
  readonly ttlMs: number;
  hits = 0;
  misses = 0;
  readonly #entries: Record<TrafficKind, Map<string, Entry>> = { production: new Map(), shadow: new Map() };
  #reads: Record<TrafficKind, Map<string, number>> = { production: new Map(), shadow: new Map() };

  constructor(opts: EdgeCacheOptions = {}) {
    this.ttlMs = opts.itemCacheMs ?? 250;
    if (!(this.ttlMs >= 0)) throw new RangeError(`itemCacheMs must be >= 0, got ${this.ttlMs}`);
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** The fresh answer for `sku`, counted as a read of it when it is an item; undefined on a miss. */
  lookup(kind: TrafficKind, sku: string, now: number): Reply | undefined {
    const e = this.#entries[kind].get(sku);
    if (e === undefined || now >= e.until) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (e.reply.status === 200) {
      const r = this.#reads[kind];
      r.set(sku, (r.get(sku) ?? 0) + 1);
    }
    return e.reply;
  }

  /** Keeps the catalog's answer: an item or its 404 (a flood of unknown SKUs stops here too). */
  store(kind: TrafficKind, sku: string, reply: Reply, now: number): void {
    if (!this.enabled || (reply.status !== 200 && reply.status !== 404)) return;
    const m = this.#entries[kind];
    if (m.size >= MAX_ENTRIES) m.clear();
    m.set(sku, { until: now + this.ttlMs, reply });
  }

  /** The reads answered here since the last call, per SKU; the counts start again from zero. */
  takeReads(kind: TrafficKind): Map<string, number> {
    const r = this.#reads[kind];
    this.#reads[kind] = new Map();
    return r;
  }

  /** Counts again reads that `takeReads` gave out but could not be delivered. */
  putBack(kind: TrafficKind, reads: ReadonlyMap<string, number>): void {
    const r = this.#reads[kind];
    for (const [sku, n] of reads) r.set(sku, (r.get(sku) ?? 0) + n);
  }

  /** Drops one traffic kind's entries and counts (a drill's shadow data was reset). */
  forget(kind: TrafficKind): void {
    this.#entries[kind].clear();
    this.#reads[kind].clear();
  }
}
