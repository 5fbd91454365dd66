// Stock holds of the embedded store (no Redis): per SKU, how many units inventory may still
// promise to buyers before their queued orders reach the store. Loaded from the store as
// `available` minus the units of orders still `queued` (so a restarted inventory never
// promises a unit twice), then taken and given back in memory, all-or-nothing per order.
// With Redis the same figure lives in Redis instead (redis.ts, loaded by the same query).

import type { Schema, Sql } from './db.js';

/** Units of `sku` not yet promised: the store's stock less what queued orders hold. Empty when there is no such SKU. */
export function holdableSql(schema: Schema): string {
  return `SELECT s.available - COALESCE((SELECT sum(i.qty) FROM ${schema}.order_items i JOIN ${schema}.orders o ON o.id = i.order_id
                                          WHERE o.status = 'queued' AND i.sku = s.sku), 0)::int AS available
            FROM ${schema}.stock s WHERE s.sku = $1`;
}

export async function loadHoldable(sql: Sql, schema: Schema, sku: string): Promise<number | null> {
  const [row] = await sql.query<{ available: number }>(holdableSql(schema), [sku]);
  return row ? Math.max(0, row.available) : null;
}

export type TakeResult = { ok: true; left: number[] } | { ok: false; short: number; left: number } | { ok: false; missing: number };

const MAX_SKUS = 100_000;

export class MemoryHolds {
  readonly #left: Record<Schema, Map<string, number>> = { public: new Map(), shadow: new Map() };
  readonly #loading = new Map<string, Promise<number | null>>();

  /** Takes `qtys` of `skus` at once, loading each figure first; `missing`: a SKU with no stock record. */
  async take(schema: Schema, skus: readonly string[], qtys: readonly number[], load: (sku: string) => Promise<number | null>): Promise<TakeResult> {
    const m = this.#left[schema];
    for (const [i, sku] of skus.entries()) {
      if (m.has(sku)) continue;
      // one load per SKU however many buyers arrive before it answers
      const k = `${schema}:${sku}`;
      let p = this.#loading.get(k);
      if (!p) {
        p = load(sku).finally(() => this.#loading.delete(k));
        this.#loading.set(k, p);
      }
      const v = await p;
      if (v === null) return { ok: false, missing: i };
      if (!m.has(sku)) {
        if (m.size >= MAX_SKUS) m.clear();
        m.set(sku, v);
      }
    }
    // no await from here on: the check and the deduction are one step
    for (const [i, sku] of skus.entries()) {
      const left = m.get(sku);
      if (left === undefined) return this.take(schema, skus, qtys, load); // dropped while loading the others
      if (left < qtys[i]!) return { ok: false, short: i, left };
    }
    const left = skus.map((sku, i) => {
      const v = m.get(sku)! - qtys[i]!;
      m.set(sku, v);
      return v;
    });
    return { ok: true, left };
  }

  /** Adds `delta` to a loaded figure; an unloaded one loads from the store, which has it already. */
  adjust(schema: Schema, sku: string, delta: number): void {
    const m = this.#left[schema];
    const v = m.get(sku);
    if (v !== undefined) m.set(sku, Math.max(0, v + delta));
  }

  /** Drops a figure that proved wrong, so the next hold reloads it from the store. */
  forget(schema: Schema, sku: string): void {
    this.#left[schema].delete(sku);
  }

  clear(schema: Schema): void {
    this.#left[schema].clear();
  }
}
