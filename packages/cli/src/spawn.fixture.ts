// The `peakdrill` binary as a child process whose stderr a test can wait on while it runs
// (the live endpoints it prints: --metrics, the control API). Test-only.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/peakdrill.js', import.meta.url));

export interface RunningPeakdrill {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the first match of `re` on stderr; rejects when the process exits first or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

export function startPeakdrill(args: string[], env: Record<string, string> = {}): RunningPeakdrill {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d;
    for (const l of listeners) l();
  });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitFor(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = stderr.match(re);
          if (m) {
            done();
            resolve(m);
          }
        };
        const timer = setTimeout(() => (done(), reject(new Error(`no ${re} on stderr within ${timeoutMs} ms:\n${stderr}`))), timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then(() => setImmediate(() => {
          if (listeners.has(check)) (done(), reject(new Error(`exited before ${re}:\n${stderr}`)));
        }));
        check();
      });
    },
  };
}
