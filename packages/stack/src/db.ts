// The storage layer: one SQL dialect (PostgreSQL) spoken to either a `pg` pool or an
// embedded PGlite instance. Services never see which one they have.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import pg from 'pg';
import type { StoreReady, StoreReply, StoreRequest, StoreWorkerData } from './store-protocol.js';

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
  /** The embedded store only: a port for another thread to reach it on (pgliteOverPort). */
  attach?(): MessagePort;
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

/** The worker file next to this module; from the sources (tests) it is the built one in dist/. */
function workerUrl(): URL {
  const here = new URL('./store-worker.js', import.meta.url);
  return existsSync(fileURLToPath(here)) ? here : new URL('../dist/store-worker.js', import.meta.url);
}

class StoreError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }
}

// PGlite runs in its own worker thread (store-worker.ts): its queries are CPU work in WASM, and
// on the request thread they would stall every service's answers, cached or not.
async function openPglite(dataDir: string | undefined): Promise<Db> {
  const worker = new Worker(workerUrl(), { workerData: { ...(dataDir ? { dataDir } : {}) } satisfies StoreWorkerData });
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', (m: StoreReady) => (m.ready ? resolve() : reject(new Error(m.message))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the store thread exited (${code}) while opening`)));
  });
  await ready;
  const client = storeClient(worker, async (send, dead) => {
    if (!dead) await send({ op: 'close' }).catch(() => {});
    await worker.terminate();
  });
  worker.on('error', client.die);
  worker.on('exit', (code) => client.die(new Error(`the store thread exited (${code})`)));
  return {
    ...client.db,
    attach() {
      // a service in its own thread reaches the store on a port of its own
      const { port1, port2 } = new MessageChannel();
      worker.postMessage({ op: 'attach', id: 0, port: port2 } satisfies StoreRequest, [port2]);
      return port1;
    },
  };
}

/** The embedded store from another thread, on a port `attach()` made; closing closes only the port. */
export function pgliteOverPort(port: MessagePort): Db {
  const client = storeClient(port, async () => {
    port.close();
  });
  port.on('close', () => client.die(new Error('the store port closed')));
  return client.db;
}

type Req = StoreRequest extends infer R ? (R extends { id: number; op: 'query' | 'begin' | 'end' | 'close' } ? Omit<R, 'id'> : never) : never;
type Send = (req: Req) => Promise<StoreReply & { ok: true }>;

function storeClient(
  endpoint: { postMessage(m: unknown): void; on(event: 'message', fn: (m: StoreReply) => void): unknown },
  close: (send: Send, dead: boolean) => Promise<void>,
): { db: Db; die(err: Error): void } {
  const pending = new Map<number, { resolve(r: StoreReply & { ok: true }): void; reject(e: Error): void }>();
  let nextId = 1;
  let dead: Error | null = null;
  endpoint.on('message', (m: StoreReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m);
    else p.reject(new StoreError(m.message, m.code));
  });
  const die = (err: Error) => {
    dead ??= err;
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  };
  const send: Send = (req) => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      endpoint.postMessage({ ...req, id } as StoreRequest);
    });
  };
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
  const db: Db = {
    kind: 'pglite',
    query<R>(text: string, params?: readonly unknown[]) {
      return track(async () => (await send({ op: 'query', text, params })).rows as R[]);
    },
    tx<T>(fn: (sql: Sql) => Promise<T>) {
      return track(async () => {
        const { tx } = await send({ op: 'begin' });
        const sql: Sql = {
          async query<R>(text: string, params?: readonly unknown[]) {
            return (await send({ op: 'query', text, params, tx: tx! })).rows as R[];
          },
        };
        let out: T;
        try {
          out = await fn(sql);
        } catch (err) {
          await send({ op: 'end', tx: tx!, commit: false }).catch(() => {});
          throw err;
        }
        await send({ op: 'end', tx: tx!, commit: true });
        return out;
      });
    },
    stats: () => ({ total: 1, idle: inFlight === 0 ? 1 : 0, waiting: Math.max(0, inFlight - 1) }),
    async close() {
      await close(send, dead !== null);
      die(new Error('the store is closed'));
    },
  };
  return { db, die };
}
