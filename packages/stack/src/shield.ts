// The gateway's flash-sale shield: the cheap answers given before a request costs anything
// downstream. Two layers, in front of the token buckets' rate limit:
// - sold-out marks: the order service names a SKU in `x-sold-out` when a reservation took its
//   last unit or found none; from then on the gateway answers that SKU's buyers 409 itself. A
//   mark lives `soldOutTtlMs`, then one buyer is let through to look again, so stock that comes
//   back (a declined payment releases it) is on sale again within that time.
// - a per-SKU cap on order creations in flight: a stampede on one SKU queues at most
//   `maxInFlight` buyers in the store, the others are told at once to try again (429).
// Marks and counts are per traffic kind, so a drill's sold-out shadow stock never turns real
// buyers away.

import type { TrafficKind } from './metrics.js';

export const SOLD_OUT_HEADER = 'x-sold-out';

export interface ShieldOptions {
  /** How long the gateway answers a sold-out SKU itself before it looks again (default 1000 ms). */
  soldOutTtlMs?: number;
  /** Order creations in flight per SKU; more are shed with 429 (default 64; 0 turns it off). */
  maxInFlight?: number;
}

const MAX_TRACKED = 100_000;

export class Shield {
  readonly #ttl: number;
  readonly #maxInFlight: number;
  readonly #soldOut: Record<TrafficKind, Map<string, number>> = { production: new Map(), shadow: new Map() };
  readonly #inFlight: Record<TrafficKind, Map<string, number>> = { production: new Map(), shadow: new Map() };

  constructor(opts: ShieldOptions = {}) {
    this.#ttl = opts.soldOutTtlMs ?? 1000;
    this.#maxInFlight = opts.maxInFlight ?? 64;
    if (!(this.#ttl >= 0)) throw new RangeError(`soldOutTtlMs must be >= 0, got ${this.#ttl}`);
    if (!(Number.isInteger(this.#maxInFlight) && this.#maxInFlight >= 0)) throw new RangeError(`maxInFlight must be an integer >= 0, got ${this.#maxInFlight}`);
  }

  /** Whether the gateway knows `sku` is sold out right now. */
  soldOut(kind: TrafficKind, sku: string, now: number): boolean {
    const until = this.#soldOut[kind].get(sku);
    if (until === undefined) return false;
    if (now < until) return true;
    this.#soldOut[kind].delete(sku);
    return false;
  }

  markSoldOut(kind: TrafficKind, sku: string, now: number): void {
    if (this.#ttl === 0) return;
    const m = this.#soldOut[kind];
    if (m.size >= MAX_TRACKED) m.clear();
    m.set(sku, now + this.#ttl);
  }

  /** Forgets the sold-out marks of one traffic kind (a drill's shadow data was reset). */
  forget(kind: TrafficKind): void {
    this.#soldOut[kind].clear();
  }

  /** Takes a slot for an order creation of `sku`; false when the SKU is at its cap. */
  enter(kind: TrafficKind, sku: string): boolean {
    if (this.#maxInFlight === 0) return true;
    const m = this.#inFlight[kind];
    const n = m.get(sku) ?? 0;
    if (n >= this.#maxInFlight) return false;
    m.set(sku, n + 1);
    return true;
  }

  leave(kind: TrafficKind, sku: string): void {
    if (this.#maxInFlight === 0) return;
    const m = this.#inFlight[kind];
    const n = (m.get(sku) ?? 1) - 1;
    if (n <= 0) m.delete(sku);
    else m.set(sku, n);
  }
}
