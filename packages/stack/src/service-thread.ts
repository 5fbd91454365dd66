// One service of the stack in its own worker thread: it listens on its own port and talks to
// the others over HTTP, as in a deployment of one service per process; only the store (the
// embedded PGlite, on its own thread) is reached through a port the main thread hands over.

import { parentPort, workerData } from 'node:worker_threads';
import { pgliteOverPort } from './db.js';
import { StackStartError, startServices } from './services.js';
import type { FromServiceThread, ServiceThreadData, ToServiceThread } from './thread-protocol.js';

const data = workerData as ServiceThreadData;
const port = parentPort!;
const post = (m: FromServiceThread) => port.postMessage(m);
const failed = (err: unknown) => post({ type: 'failed', ...(err instanceof StackStartError ? { code: err.code } : {}), message: (err as Error).message ?? String(err) });

// The handler first: a close may come while the service is still starting (another thread failed).
const starting = startServices(
  { ...data.opts, services: [data.name], log: (line) => post({ type: 'log', line }) },
  { ...(data.store ? { store: pgliteOverPort(data.store) } : {}), migrated: true, warned: true, deferStart: true },
);
port.on('message', (m: ToServiceThread) => {
  if (m.type === 'begin') {
    void starting.then((stack) => stack.begin!(m.peers)).then(() => post({ type: 'started' }), failed);
    return;
  }
  void starting
    .then((stack) => stack.close())
    .catch(() => {})
    .finally(() => {
      post({ type: 'closed' });
      port.close();
    });
});
starting.then(
  (stack) => post({ type: 'listening', url: stack.urls[data.name]! }),
  (err: unknown) => {
    failed(err);
    port.close();
  },
);
