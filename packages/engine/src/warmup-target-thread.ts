// The warm-up target's thread (warmup-target.ts): starts the loopback server and posts its
// origin; the generator terminates the thread when its warm-up is over.

import { parentPort } from 'node:worker_threads';
import { LoopbackServer } from './warmup-target.js';

const server = await LoopbackServer.start();
parentPort!.postMessage({ origin: server.origin });
