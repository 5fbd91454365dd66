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
    const tasks = assignments.map((assignment) => {
      const { port1, port2 } = new MessageChannel();
      port1.on('message', onMessage);
      this.ports.push(port1);
      const task: WorkerTask = { assignment, port: port2 };
      return this.pool.run(task, { transferList: [port2] }).catch((err: Error) => {
        onMessage({ type: 'failed', generator: `${assignment.runId}/g${assignment.index}`, code: 'WORKER_CRASHED', message: err.message });
      });
    });
    void Promise.all(tasks).then(() => {
      // let the last messages on the ports drain before saying we are finished
      setImmediate(() => this.resolveFinished());
    });
  }

  send(msg: ControlMessage): void {
    for (const p of this.ports) p.postMessage(msg);
  }

  async close(): Promise<void> {
    for (const p of this.ports) p.close();
    await this.pool.destroy();
  }

  get size(): number {
    return this.workers;
  }
}
