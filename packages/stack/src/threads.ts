// The stack with each service in its own worker thread (`threads: true`): the main thread
// opens, migrates and seeds the store, starts one thread per service (service-thread.ts),
// tells each the others' addresses once all listen, and on close stops every thread before
// the store. The services talk over HTTP as they do between processes; the embedded store
// stays one thread of its own, reached by each service thread on a port of its own.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ServiceName } from './http.js';
import { credentialsOf, NO_SECRET_WARNING, openStore, type RunningStack, type StackOptions, StackStartError } from './services.js';
import type { FromServiceThread, ServiceThreadData, ToServiceThread } from './thread-protocol.js';

const NEEDS_DB: ReadonlySet<ServiceName> = new Set(['catalog', 'cart', 'inventory', 'order', 'payment']);
/** How long a closing thread may take before it is terminated. */
const CLOSE_MS = 5000;

function threadUrl(): URL {
  const here = new URL('./service-thread.js', import.meta.url);
  return existsSync(fileURLToPath(here)) ? here : new URL('../dist/service-thread.js', import.meta.url);
}

interface Thread {
  name: ServiceName;
  worker: Worker;
  /** The next message of one type (or a failure, or the thread's exit). */
  next(type: 'listening' | 'started' | 'closed'): Promise<FromServiceThread>;
}

function spawn(name: ServiceName, data: ServiceThreadData, log: (line: string) => void): Thread {
  const worker = new Worker(threadUrl(), { workerData: data, transferList: data.store ? [data.store] : [] });
  const waiting: Array<{ type: string; resolve(m: FromServiceThread): void; reject(e: Error): void }> = [];
  let gone: Error | null = null;
  let failure: Error | null = null;
  // a failure answers whoever waits to hear of a start; one who waits for the close still gets it
  const fail = (err: Error, keepClosed: boolean) => {
    failure ??= err;
    for (const x of waiting.splice(0)) {
      if (x.type !== 'closed') x.reject(failure);
      else if (keepClosed) waiting.push(x);
      else x.resolve({ type: 'closed' });
    }
  };
  worker.on('message', (m: FromServiceThread) => {
    if (m.type === 'log') return log(m.line);
    if (m.type === 'failed') return fail(new StackStartError(m.code ?? 'BAD_OPTION', m.message), true);
    const w = waiting.findIndex((x) => x.type === m.type);
    if (w >= 0) waiting.splice(w, 1)[0]!.resolve(m);
  });
  const die = (err: Error) => {
    gone ??= err;
    fail(err, false);
  };
  worker.on('error', (err) => {
    log(`peakdrill stack: ${name} thread failed: ${err.message}`);
    die(err);
  });
  worker.on('exit', (code) => die(new Error(`the ${name} thread exited (${code})`)));
  return {
    name,
    worker,
    next: (type) => {
      if (type === 'closed' && gone) return Promise.resolve({ type: 'closed' });
      if (type !== 'closed' && failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiting.push({ type, resolve, reject }));
    },
  };
}

export async function startThreaded(opts: StackOptions, names: readonly ServiceName[]): Promise<RunningStack> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const { secret, serviceToken, adminToken } = credentialsOf(opts, names);
  if (!secret) log(NO_SECRET_WARNING);
  const withDb = names.filter((n) => NEEDS_DB.has(n));
  const poolSize = opts.pgPoolSize ?? 20;
  const db = withDb.length > 0 ? await openStore(opts, poolSize) : null;
  // PostgreSQL: each thread its own pool, the connections shared out so the total stays about the same
  if (db?.kind === 'pg') await db.close();
  const threadPool = Math.max(2, Math.ceil(poolSize / Math.max(1, withDb.length)));
  const { log: _l, seed: _s, services: _n, threads: _t, ...plain } = opts;
  const base = opts.port ?? 0;
  const threads: Thread[] = [];
  const send = (t: Thread, m: ToServiceThread) => t.worker.postMessage(m);
  const close = async () => {
    await Promise.all(
      threads.splice(0).map(async (t) => {
        const closed = t.next('closed');
        send(t, { type: 'close' });
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, CLOSE_MS)))]);
        clearTimeout(timer);
        await t.worker.terminate();
      }),
    );
    if (db?.kind === 'pglite') await db.close();
  };
  try {
    for (const [i, name] of names.entries()) {
      const store = db?.kind === 'pglite' && NEEDS_DB.has(name) ? db.attach!() : undefined;
      const data: ServiceThreadData = {
        name,
        opts: { ...plain, port: base === 0 ? 0 : base + i, shadowSecret: secret, serviceToken, ...(adminToken ? { adminToken } : {}), pgPoolSize: threadPool },
        ...(store ? { store } : {}),
      };
      threads.push(spawn(name, data, log));
    }
    const urls: Partial<Record<ServiceName, string>> = {};
    const listening = await Promise.all(threads.map((t) => t.next('listening')));
    for (const [i, t] of threads.entries()) urls[t.name] = (listening[i] as { url: string }).url;
    const peers = { ...opts.peers, ...urls };
    await Promise.all(
      threads.map((t) => {
        const started = t.next('started');
        send(t, { type: 'begin', peers });
        return started;
      }),
    );
    const kv = opts.redisUrl !== undefined && (names.includes('inventory') || names.includes('catalog'));
    return { urls, store: db?.kind ?? 'none', redis: kv, queue: names.includes('order') ? (opts.natsUrl ? 'nats' : 'embedded') : 'none', close };
  } catch (err) {
    await close();
    throw err;
  }
}
