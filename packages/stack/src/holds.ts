// Stock figures: per SKU, how many units inventory may still promise before the store (the
// record of truth) has caught up. A figure lives in memory (embedded default) or in Redis; it
// is taken from first, and the store's write follows: the queued order's row (a hold), or the
// direct order's stock movement (a take).
//
// The reload race, and why every take is recorded: a figure is (re)loaded from the store when
// it is missing (first use, an inventory restart that dropped the Redis keys, a figure that
// proved wrong). A take made from the old figure whose store write has not landed yet is in
// neither the store nor the new figure, so a plain reload promises that unit again: the
// second buyer is accepted and later rejected. So each take is recorded beside its figure
// (Redis: in the same Lua call) until its store write is visible, and a reload subtracts the
// recorded takes that the store's snapshot does not show yet (same statement, same snapshot).
// A release (the store gives units back, then the figure) meets a reload the other way round;
// the figure's generation, bumped by every load, tells whether the figure changed in between,
// and if it did the figure is dropped to reload rather than added to twice.

import type { Schema, Sql } from './db.js';
import type { Kv } from './redis.js';

/** `hold`: the queued path's, visible once the order row exists; `take`: the direct path's, visible once its stock movement exists. */
export type HeldKind = 'hold' | 'take';

export interface Held {
  orderId: string;
  kind: HeldKind;
  qty: number;
  /** Epoch ms of the take. */
  at: number;
}

/** A take whose store write has not appeared by then never will (its order died): a reload stops counting it. */
export const HELD_LEASE_MS = 60_000;

export type TakeResult = { ok: true; left: number[] } | { ok: false; short: number; left: number } | { ok: false; missing: number };

/**
 * The figure of `sku` from one snapshot of the store: stock less the queued orders not yet
 * deducted, less the recorded takes the snapshot does not show. Null when there is no such
 * SKU; `done`: the takes that need no record any more (visible, or past their lease).
 */
export async function reloadFigure(sql: Sql, schema: Schema, sku: string, held: readonly Held[], now = Date.now()): Promise<{ available: number; done: string[] } | null> {
  const ids = held.map((h) => h.orderId);
  const [row] = await sql.query<{ available: number; rows: string[]; moved: string[] }>(
    `SELECT s.available - COALESCE((SELECT sum(i.qty) FROM ${schema}.order_items i JOIN ${schema}.orders o ON o.id = i.order_id
                                     WHERE o.status = 'queued' AND i.sku = s.sku
                                       AND NOT EXISTS (SELECT 1 FROM ${schema}.stock_movements m WHERE m.order_id = o.id AND m.sku = s.sku)), 0)::int AS available,
            ARRAY(SELECT id FROM ${schema}.orders WHERE id = ANY($2::text[])) AS rows,
            ARRAY(SELECT DISTINCT order_id FROM ${schema}.stock_movements WHERE sku = $1 AND order_id = ANY($2::text[])) AS moved
       FROM ${schema}.stock s WHERE s.sku = $1`,
    [sku, ids],
  );
  if (!row) return null;
  const rows = new Set(row.rows);
  const moved = new Set(row.moved);
  let available = row.available;
  const done: string[] = [];
  for (const h of held) {
    if ((h.kind === 'hold' ? rows : moved).has(h.orderId) || now - h.at > HELD_LEASE_MS) done.push(h.orderId);
    else available -= h.qty;
  }
  return { available: Math.max(0, available), done };
}

/** Where the figures live; inventory speaks only this. */
export interface Figures {
  readonly at: 'memory' | 'redis';
  /** Takes `qtys` of `skus` at once (all or nothing), loading missing figures; recorded under `orderId` until settled or given back. */
  take(sql: Sql, schema: Schema, orderId: string, kind: HeldKind, skus: readonly string[], qtys: readonly number[]): Promise<TakeResult>;
  /** The take's store write is visible now: drop its record. */
  settle(schema: Schema, orderId: string, skus: readonly string[]): Promise<void>;
  /** Undoes a take whose store write never happened. Answers how many figures were not loaded (left to reload). */
  giveBack(schema: Schema, orderId: string, skus: readonly string[], qtys: readonly number[]): Promise<number>;
  /** Each figure's load generation; read before the store gives units back. */
  generations(schema: Schema, skus: readonly string[]): Promise<number[]>;
  /** Adds units the store gave back, where the figure is loaded and its generation still `gens`; a figure reloaded meanwhile is dropped. Answers how many were not added. */
  release(schema: Schema, skus: readonly string[], qtys: readonly number[], gens: readonly number[]): Promise<number>;
  /** Drops figures so they reload from the store. */
  forget(schema: Schema, skus: readonly string[]): Promise<void>;
  clear(schema: Schema): Promise<void>;
}

const MAX_SKUS = 100_000;

/** The embedded default: figures and records in this process (inventory runs as one). */
export class MemoryHolds implements Figures {
  readonly at = 'memory';
  readonly #left: Record<Schema, Map<string, number>> = { public: new Map(), shadow: new Map() };
  readonly #held: Record<Schema, Map<string, Map<string, Held>>> = { public: new Map(), shadow: new Map() };
  readonly #gen: Record<Schema, Map<string, number>> = { public: new Map(), shadow: new Map() };
  readonly #loading = new Map<string, Promise<boolean>>();

  async take(sql: Sql, schema: Schema, orderId: string, kind: HeldKind, skus: readonly string[], qtys: readonly number[]): Promise<TakeResult> {
    const m = this.#left[schema];
    for (const [i, sku] of skus.entries()) {
      if (m.has(sku)) continue;
      // one load per SKU however many buyers arrive before it answers; they all wait for it
      const k = `${schema}:${sku}`;
      let p = this.#loading.get(k);
      if (!p) {
        p = this.#load(sql, schema, sku).finally(() => this.#loading.delete(k));
        this.#loading.set(k, p);
      }
      if (!(await p)) return { ok: false, missing: i };
    }
    // no await from here on: the check, the deduction and its record are one step
    for (const [i, sku] of skus.entries()) {
      const left = m.get(sku);
      if (left === undefined) return this.take(sql, schema, orderId, kind, skus, qtys); // dropped while loading the others
      if (left < qtys[i]!) return { ok: false, short: i, left };
    }
    const at = Date.now();
    const left = skus.map((sku, i) => {
      const v = m.get(sku)! - qtys[i]!;
      m.set(sku, v);
      this.#records(schema, sku).set(orderId, { orderId, kind, qty: qtys[i]!, at });
      return v;
    });
    return { ok: true, left };
  }

  async #load(sql: Sql, schema: Schema, sku: string): Promise<boolean> {
    const records = this.#records(schema, sku);
    const r = await reloadFigure(sql, schema, sku, [...records.values()]);
    if (r === null) return false;
    for (const id of r.done) records.delete(id);
    const m = this.#left[schema];
    if (!m.has(sku)) {
      if (m.size >= MAX_SKUS) m.clear();
      m.set(sku, r.available);
      this.#gen[schema].set(sku, (this.#gen[schema].get(sku) ?? 0) + 1);
    }
    return true;
  }

  #records(schema: Schema, sku: string): Map<string, Held> {
    let r = this.#held[schema].get(sku);
    if (!r) this.#held[schema].set(sku, (r = new Map()));
    return r;
  }

  async settle(schema: Schema, orderId: string, skus: readonly string[]): Promise<void> {
    for (const sku of skus) this.#held[schema].get(sku)?.delete(orderId);
  }

  async giveBack(schema: Schema, orderId: string, skus: readonly string[], qtys: readonly number[]): Promise<number> {
    let absent = 0;
    for (const [i, sku] of skus.entries()) {
      // only a recorded take comes back: a figure reloaded since then counted it out (see redis.ts GIVE_BACK)
      const recorded = this.#held[schema].get(sku)?.delete(orderId) ?? false;
      const v = this.#left[schema].get(sku);
      if (v === undefined) absent++;
      else if (recorded) this.#left[schema].set(sku, v + qtys[i]!);
    }
    return absent;
  }

  async generations(schema: Schema, skus: readonly string[]): Promise<number[]> {
    return skus.map((sku) => (this.#left[schema].has(sku) ? (this.#gen[schema].get(sku) ?? 0) : -1));
  }

  async release(schema: Schema, skus: readonly string[], qtys: readonly number[], gens: readonly number[]): Promise<number> {
    let absent = 0;
    for (const [i, sku] of skus.entries()) {
      const v = this.#left[schema].get(sku);
      if (v !== undefined && gens[i] === this.#gen[schema].get(sku)) this.#left[schema].set(sku, v + qtys[i]!);
      else {
        this.#left[schema].delete(sku);
        absent++;
      }
    }
    return absent;
  }

  async forget(schema: Schema, skus: readonly string[]): Promise<void> {
    for (const sku of skus) this.#left[schema].delete(sku);
  }

  async clear(schema: Schema): Promise<void> {
    this.#left[schema].clear();
    this.#held[schema].clear();
  }
}

/** Figures in Redis, shared by every inventory process on it; takes and their records in one Lua call (redis.ts). */
export class RedisHolds implements Figures {
  readonly at = 'redis';
  readonly #kv: Kv;

  constructor(kv: Kv) {
    this.#kv = kv;
  }

  #keys(schema: Schema, kind: 'stock' | 'held' | 'gen', skus: readonly string[]): string[] {
    return skus.map((sku) => this.#kv.key(schema, `${kind}:${sku}`));
  }

  async take(sql: Sql, schema: Schema, orderId: string, kind: HeldKind, skus: readonly string[], qtys: readonly number[]): Promise<TakeResult> {
    const stock = this.#keys(schema, 'stock', skus);
    const held = this.#keys(schema, 'held', skus);
    for (let attempt = 0; attempt <= skus.length; attempt++) {
      const r = await this.#kv.reserve(stock, held, { orderId, kind, at: Date.now() }, qtys);
      if (!('missing' in r)) return r;
      const i = r.missing;
      // the records first, then the snapshot: a take that settles in between is in the snapshot
      const records = await this.#kv.held(held[i]!);
      const f = await reloadFigure(sql, schema, skus[i]!, records);
      if (f === null) return r;
      await this.#kv.load(stock[i]!, this.#keys(schema, 'gen', [skus[i]!])[0]!, f.available);
      if (f.done.length > 0) await this.#kv.settle([held[i]!], f.done);
    }
    throw new Error('Redis stock keys vanished while loading them');
  }

  settle(schema: Schema, orderId: string, skus: readonly string[]): Promise<void> {
    return this.#kv.settle(this.#keys(schema, 'held', skus), [orderId]);
  }

  giveBack(schema: Schema, orderId: string, skus: readonly string[], qtys: readonly number[]): Promise<number> {
    return this.#kv.giveBack(this.#keys(schema, 'stock', skus), this.#keys(schema, 'held', skus), orderId, qtys);
  }

  generations(schema: Schema, skus: readonly string[]): Promise<number[]> {
    return this.#kv.generations(this.#keys(schema, 'stock', skus), this.#keys(schema, 'gen', skus));
  }

  release(schema: Schema, skus: readonly string[], qtys: readonly number[], gens: readonly number[]): Promise<number> {
    return this.#kv.release(this.#keys(schema, 'stock', skus), this.#keys(schema, 'gen', skus), gens, qtys);
  }

  forget(schema: Schema, skus: readonly string[]): Promise<void> {
    return this.#kv.forget(this.#keys(schema, 'stock', skus));
  }

  async clear(schema: Schema): Promise<void> {
    await this.#kv.clear(schema, 'stock:');
    await this.#kv.clear(schema, 'held:');
  }
}
