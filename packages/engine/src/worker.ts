// piscina worker entry: one task = one generator for the whole drill. The task awaits its
// whole loop, so the pool must run with `atomics: 'disabled'` (with Atomics.wait the worker
// would block between messages and stall the event loop the generator lives on).

import type { MessagePort } from 'node:worker_threads';
import type { ControlMessage, GeneratorMessage, WorkerAssignment } from '@peakdrill/core/protocol';
import { Generator } from './generator.js';

export interface WorkerTask {
  assignment: WorkerAssignment;
  port: MessagePort;
}

export default async function runGeneratorTask({ assignment, port }: WorkerTask): Promise<void> {
  const post = (msg: GeneratorMessage): void => port.postMessage(msg);
  let generator: Generator;
  try {
    generator = new Generator(assignment, post);
  } catch (err) {
    post({ type: 'failed', generator: `${assignment.runId}/g${assignment.index}`, code: (err as { code?: string }).code ?? 'GENERATOR_SETUP', message: (err as Error).message });
    port.close();
    return;
  }
  port.on('message', (msg: ControlMessage) => generator.control(msg));
  try {
    await generator.run();
  } finally {
    port.close();
  }
}
