// The storage layer: one SQL dialect (PostgreSQL) spoken to either a `pg` pool or an
// embedded PGlite instance. Services never see which one they have.

import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Where a request's reads and writes go: real traffic to `public`, test traffic to `shadow`. */
export type Schema = 'public' | 'shadow';
export const SCHEMAS: readonly Schema[] = ['public', 'shadow'];

export interface Sql {
  query<R>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface Db extends Sql {
  readonly kind: 'pg' | 'pglite';
  /** Runs `fn` in one transaction; rolls back when it throws. */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  stats(): PoolStats;
  close(): Promise<void>;
}

export interface DbOptions {
  pgUrl?: string;
  /** PGlite data directory; in-memory when absent. */
  dataDir?: string;
  poolSize?: number;
}

export async function openDb(opts: DbOptions): Promise<Db> {
  return opts.pgUrl ? openPg(opts.pgUrl, opts.poolSize ?? 20) : openPglite(opts.dataDir);
}

async function openPg(url: string, max: number): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
  // An idle client losing its server connection emits here; without a listener it would crash the process.
  pool.on('error', () => {});
  await pool.query('SELECT 1');
  return {
    kind: 'pg',
    async query<R>(text: string, params?: readonly unknown[]) {
      const r = await pool.query(text, params as unknown[] | undefined);
      return r.rows as R[];
    },
    async tx<T>(fn: (sql: Sql) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const sql: Sql = {
          async query<R>(text: string, params?: readonly unknown[]) {
            return (await client.query(text, params as unknown[] | undefined)).rows as R[];
          },
        };
        const out = await fn(sql);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string | undefined): Promise<Db> {
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  // PGlite is one connection: it queues queries and transactions itself. We count what waits
  // so /metrics can show the queue as "pool" pressure.
  let inFlight = 0;
  const track = async <T>(p: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await p();
    } finally {
      inFlight--;
    }
  };
  return {
    kind: 'pglite',
    query<R>(text: string, params?: readonly unknown[]) {
      return track(async () => (await db.query<R>(text, params as unknown[] | undefined)).rows);
    },
    tx<T>(fn: (sql: Sql) => Promise<T>) {
      return track(() =>
        db.transaction(async (t) => {
          const sql: Sql = {
            async query<R>(text: string, params?: readonly unknown[]) {
              return (await t.query<R>(text, params as unknown[] | undefined)).rows;
            },
          };
          return fn(sql);
        }),
      );
    },
    stats: () => ({ total: 1, idle: inFlight === 0 ? 1 : 0, waiting: Math.max(0, inFlight - 1) }),
    close: () => db.close(),
  };
}
