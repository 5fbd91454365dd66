// The typed messages between `startStack` and a service running in its own worker thread
// (service-thread.ts, started by threads.ts). One place, so both sides change together.

import type { MessagePort } from 'node:worker_threads';
import type { ServiceName } from './http.js';
import type { StackOptions, StackStartError } from './services.js';

/** What a service thread is given: the stack's options as resolved by the main thread (plain data only). */
export interface ServiceThreadData {
  name: ServiceName;
  opts: Omit<StackOptions, 'log' | 'seed' | 'services' | 'threads'>;
  /** The embedded store's port (Db.attach); absent on PostgreSQL, where the thread opens its own pool. */
  store?: MessagePort;
}

/** Main → thread: `begin` once every service listens (the peers are known then); `close` to stop. */
export type ToServiceThread = { type: 'begin'; peers: Partial<Record<ServiceName, string>> } | { type: 'close' };

/** Thread → main, in this order: listening, started (or failed at any point), closed; log lines in between. */
export type FromServiceThread =
  | { type: 'listening'; url: string }
  | { type: 'started' }
  | { type: 'failed'; code?: StackStartError['code']; message: string }
  | { type: 'log'; line: string }
  | { type: 'closed' };
