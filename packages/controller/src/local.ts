// Local load generators: one piscina worker thread per generator, each running one long task
// (the whole drill) and streaming interval messages back over its own MessagePort.

import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { workerFilename, type WorkerTask } from '@peakdrill/engine';
import type { ControlMessage, GeneratorMessage, WorkerAssignment } from '@peakdrill/core';
import type { GeneratorFleet } from './generators.js';

export class LocalFleet implements GeneratorFleet {
  readonly names: string[];
  readonly finished: Promise<void>;
  private readonly pool: Piscina;
  private readonly ports: MessagePort[] = [];
  private resolveFinished!: () => void;
  private tasks: Promise<void> = Promise.resolve();

  constructor(runId: string, private readonly workers: number) {
    this.names = Array.from({ length: workers }, (_, i) => `${runId}/g${i}`);
    this.pool = new Piscina({
      filename: workerFilename(),
      minThreads: workers,
      maxThreads: workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      // the task awaits its whole loop: see engine/src/worker.ts
      atomics: 'disabled',
    });
    this.finished = new Promise((r) => (this.resolveFinished = r));
  }

  async start(assignments: WorkerAssignment[], onMessage: (msg: GeneratorMessage) => void): Promise<void> {
    // named as the generator names itself (`<run>/g<index>`): on an agent the indices are the
    // drill's, not 0..workers-1
    const nameOf = (a: WorkerAssignment): string => `${a.runId}/g${a.index}`;
    const pending = new Set(assignments.map(nameOf));
    const settle = (name: string): void => {
      if (pending.delete(name) && pending.size === 0) this.resolveFinished();
    };
    const tasks = assignments.map((assignment) => {
      const name = nameOf(assignment);
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (msg: GeneratorMessage) => {
        onMessage(msg);
        if (msg.type === 'done' || msg.type === 'failed') settle(name);
      });
      this.ports.push(port1);
      const task: WorkerTask = { assignment, port: port2 };
      return this.pool.run(task, { transferList: [port2] }).then(
        () => {
          // The task's result and the port's messages travel on different channels: give the
          // port time to deliver `done` before declaring the generator lost.
          setTimeout(() => {
            if (pending.has(name)) {
              onMessage({ type: 'failed', generator: name, code: 'WORKER_SILENT', message: 'the worker ended without reporting its last interval' });
              settle(name);
            }
          }, 2_000).unref();
        },
        (err: Error) => {
          if (!pending.has(name)) return; // already reported done: this is the pool shutting down
          onMessage({ type: 'failed', generator: name, code: 'WORKER_CRASHED', message: err.message });
          settle(name);
        },
      );
    });
    this.tasks = Promise.allSettled(tasks).then(() => undefined);
  }

  /** Second 0: every generator said ready (see Drill.run); the clock starts at `startAtMs`. */
  go(startAtMs: number): void {
    this.send({ type: 'start', startAtMs });
  }

  send(msg: ControlMessage): void {
    for (const p of this.ports) p.postMessage(msg);
  }

  async close(): Promise<void> {
    // let the tasks return (they close their ports right after `done`) before tearing down
    await Promise.race([this.tasks, new Promise((r) => setTimeout(r, 2_000).unref())]);
    for (const p of this.ports) p.close();
    await this.pool.destroy();
  }

  get size(): number {
    return this.workers;
  }
}
