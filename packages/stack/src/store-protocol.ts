// The typed messages between the stack's request threads and the embedded store's worker
// thread (store-worker.ts). One place, so both sides change together.

import type { MessagePort } from 'node:worker_threads';

/** Sent by the request side. `tx` names an open transaction; absent, the query runs on its own. */
export type StoreRequest =
  | { op: 'query'; id: number; text: string; params: readonly unknown[] | undefined; tx?: number }
  | { op: 'begin'; id: number }
  | { op: 'end'; id: number; tx: number; commit: boolean }
  | { op: 'close'; id: number }
  /** A further request thread (a service in its own thread) speaks on `port` from now on; no answer. */
  | { op: 'attach'; id: number; port: MessagePort };

/** Answer to the request with the same `id`. `begin` answers with the transaction's `tx`. */
export type StoreReply =
  | { id: number; ok: true; rows?: unknown[]; tx?: number }
  | { id: number; ok: false; message: string; code?: string };

/** The worker's first message: the store is open (or could not be). */
export type StoreReady = { ready: true } | { ready: false; message: string };

export interface StoreWorkerData {
  /** PGlite data directory; in-memory when absent. */
  dataDir?: string;
}
