// The embedded store's own thread: it owns the PGlite instance, so the WASM PostgreSQL runs
// its queries here and never on the event loop that serves HTTP. PGlite is one connection
// and queues queries itself; a transaction holds it until the request side ends it, so the
// queries of other requests wait behind an open transaction exactly as on one pg connection.

import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { StoreReady, StoreReply, StoreRequest, StoreWorkerData } from './store-protocol.js';

const data = workerData as StoreWorkerData;

interface OpenTx {
  t: Transaction;
  end(commit: boolean): void;
}

function fail(id: number, err: unknown): StoreReply {
  const e = err as { message?: unknown; code?: unknown };
  return { id, ok: false, message: typeof e?.message === 'string' ? e.message : String(err), ...(typeof e?.code === 'string' ? { code: e.code } : {}) };
}

class Rollback extends Error {}

async function main(): Promise<void> {
  let db: PGlite;
  try {
    db = data.dataDir ? await PGlite.create(data.dataDir) : await PGlite.create();
  } catch (err) {
    parentPort!.postMessage({ ready: false, message: (err as Error).message } satisfies StoreReady);
    return;
  }
  const txs = new Map<number, OpenTx>();
  let nextTx = 1;

  // Each request thread speaks on its own port (the first on parentPort, more attached by `attach`); a reply goes back on the port of its request.
  type Port = Pick<MessagePort, 'postMessage'>;
  function begin(port: Port, id: number): void {
    const tx = nextTx++;
    db.transaction(
      (t) =>
        new Promise<void>((resolve, reject) => {
          txs.set(tx, { t, end: (commit) => (commit ? resolve() : reject(new Rollback())) });
          port.postMessage({ id, ok: true, tx } satisfies StoreReply);
        }),
    ).then(
      () => settle(tx, null),
      (err: unknown) => settle(tx, err instanceof Rollback ? null : err),
    );
  }

  // The `end` request of a transaction is answered once COMMIT or ROLLBACK has run.
  const ending = new Map<number, { port: Port; id: number }>();
  function settle(tx: number, err: unknown): void {
    txs.delete(tx);
    const e = ending.get(tx);
    ending.delete(tx);
    if (e !== undefined) e.port.postMessage(err ? fail(e.id, err) : ({ id: e.id, ok: true } satisfies StoreReply));
  }

  const serve = (port: MessagePort) =>
    port.on('message', (m: StoreRequest) => {
      switch (m.op) {
        case 'attach':
          serve(m.port);
          return;
        case 'query': {
          const target = m.tx === undefined ? db : txs.get(m.tx)?.t;
          if (!target) {
            port.postMessage(fail(m.id, new Error(`transaction ${m.tx} is not open`)));
            return;
          }
          target.query(m.text, m.params as unknown[] | undefined).then(
            (r) => port.postMessage({ id: m.id, ok: true, rows: r.rows } satisfies StoreReply),
            (err: unknown) => port.postMessage(fail(m.id, err)),
          );
          return;
        }
        case 'begin':
          begin(port, m.id);
          return;
        case 'end': {
          const open = txs.get(m.tx);
          if (!open) {
            port.postMessage(fail(m.id, new Error(`transaction ${m.tx} is not open`)));
            return;
          }
          ending.set(m.tx, { port, id: m.id });
          open.end(m.commit);
          return;
        }
        case 'close':
          db.close().then(
            () => port.postMessage({ id: m.id, ok: true } satisfies StoreReply),
            (err: unknown) => port.postMessage(fail(m.id, err)),
          );
          return;
      }
    });
  serve(parentPort as unknown as MessagePort);
  parentPort!.postMessage({ ready: true } satisfies StoreReady);
}

void main();
