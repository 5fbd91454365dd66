// Migrations and seed data. Both run on every start and are idempotent; the same tables
// exist in `public` (real traffic) and `shadow` (test traffic).

import { SCHEMAS, type Db, type Schema } from './db.js';

export interface SeedOptions {
  /** Regular SKUs SKU-000001 … (default 3000). */
  skus?: number;
  /** Users U-00001 … (default 1000). */
  users?: number;
  /** Stock of each regular SKU (default 10000). */
  stockPerSku?: number;
  /** Stock of the flash-sale SKU FLASH-1 (default 100). */
  flashStock?: number;
}

export const FLASH_SKU = 'FLASH-1';

/** Tables that record writes and the run id they were made under; what /admin/audit counts. */
export const AUDITED_TABLES = ['cart_items', 'orders', 'order_items', 'payments', 'stock_movements'] as const;
export type AuditedTable = (typeof AUDITED_TABLES)[number];

function tables(s: Schema): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.users (
  user_id text PRIMARY KEY,
  name text NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.items (
  sku text PRIMARY KEY,
  name text NOT NULL,
  category text NOT NULL,
  price_cents integer NOT NULL CHECK (price_cents >= 0),
  flash boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS ${s}.stock (
  sku text PRIMARY KEY REFERENCES ${s}.items(sku),
  available integer NOT NULL CHECK (available >= 0),
  initial integer NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.stock_movements (
  id bigserial PRIMARY KEY,
  sku text NOT NULL,
  delta integer NOT NULL,
  order_id text NOT NULL,
  run_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS stock_movements_order ON ${s}.stock_movements(order_id);
CREATE TABLE IF NOT EXISTS ${s}.cart_items (
  user_id text NOT NULL,
  sku text NOT NULL,
  qty integer NOT NULL CHECK (qty > 0),
  run_id text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, sku)
);
CREATE TABLE IF NOT EXISTS ${s}.orders (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  status text NOT NULL,
  total_cents integer NOT NULL,
  idempotency_key text UNIQUE,
  request_hash text NOT NULL,
  run_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE ${s}.orders ADD COLUMN IF NOT EXISTS queue_ms integer;
CREATE INDEX IF NOT EXISTS orders_queued ON ${s}.orders(status) WHERE status = 'queued';
CREATE TABLE IF NOT EXISTS ${s}.order_items (
  order_id text NOT NULL REFERENCES ${s}.orders(id) ON DELETE CASCADE,
  sku text NOT NULL,
  qty integer NOT NULL CHECK (qty > 0),
  price_cents integer NOT NULL,
  run_id text,
  PRIMARY KEY (order_id, sku)
);
CREATE TABLE IF NOT EXISTS ${s}.payments (
  id text PRIMARY KEY,
  order_id text NOT NULL UNIQUE,
  status text NOT NULL,
  amount_cents integer NOT NULL,
  run_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);`;
}

function seed(s: Schema, o: Required<SeedOptions>): string {
  // Deterministic data from generate_series: the same rows on every store and in both schemas.
  return `
INSERT INTO ${s}.users (user_id, name)
  SELECT 'U-' || lpad(n::text, 5, '0'), 'User ' || n FROM generate_series(1, ${o.users}) AS n
  ON CONFLICT DO NOTHING;
INSERT INTO ${s}.items (sku, name, category, price_cents)
  SELECT 'SKU-' || lpad(n::text, 6, '0'), 'Item ' || n, 'cat-' || (n % 20), 99 + (n * 37) % 20000
  FROM generate_series(1, ${o.skus}) AS n
  ON CONFLICT DO NOTHING;
INSERT INTO ${s}.items (sku, name, category, price_cents, flash)
  VALUES ('${FLASH_SKU}', 'Flash sale item', 'flash', 999, true)
  ON CONFLICT DO NOTHING;
INSERT INTO ${s}.stock (sku, available, initial)
  SELECT sku, ${o.stockPerSku}, ${o.stockPerSku} FROM ${s}.items WHERE NOT flash
  ON CONFLICT DO NOTHING;
INSERT INTO ${s}.stock (sku, available, initial)
  VALUES ('${FLASH_SKU}', ${o.flashStock}, ${o.flashStock})
  ON CONFLICT DO NOTHING;`;
}

function count(n: number | undefined, dflt: number, max: number, name: string): number {
  const v = n ?? dflt;
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`seed.${name} must be an integer 0..${max}, got ${v}`);
  return v;
}

/** Creates the schemas and tables when missing, then seeds empty tables. Safe to run concurrently. */
export async function migrate(db: Db, opts: SeedOptions = {}): Promise<void> {
  const o: Required<SeedOptions> = {
    skus: count(opts.skus, 3000, 999_999, 'skus'),
    users: count(opts.users, 1000, 99_999, 'users'),
    stockPerSku: count(opts.stockPerSku, 10_000, 1e9, 'stockPerSku'),
    flashStock: count(opts.flashStock, 100, 1e9, 'flashStock'),
  };
  await db.tx(async (sql) => {
    // Two processes migrating one PostgreSQL at once would race on CREATE ... IF NOT EXISTS.
    await sql.query('SELECT pg_advisory_xact_lock(724311)');
    for (const s of SCHEMAS) {
      for (const stmt of splitStatements(tables(s))) await sql.query(stmt);
      const [row] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.items`);
      if (row?.n === 0) for (const stmt of splitStatements(seed(s, o))) await sql.query(stmt);
    }
  });
}

function splitStatements(text: string): string[] {
  return text
    .split(';')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}
