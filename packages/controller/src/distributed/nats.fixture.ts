// Test-only helpers for the NATS tests: is NATS up, unique prefixes, agents and controllers as
// child processes on 127.0.0.1 (killable like real ones).

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { fileURLToPath } from 'node:url';

export const NATS_URL = process.env.PEAKDRILL_TEST_NATS ?? 'nats://127.0.0.1:4222';

/** Whether something listens on the NATS port (the tests fail, never skip, with CI=true). */
export function natsListening(url = NATS_URL): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = netConnect({ host: u.hostname, port: Number(u.port || 4222) });
    s.setTimeout(1000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** A subject prefix no other test run uses. */
export const uniquePrefix = (): string => `pdtest.${process.pid}-${randomBytes(4).toString('hex')}`;

export interface Child {
  proc: ChildProcess;
  output(): string;
  /** Resolves when the child printed `line` on stdout. */
  waitFor(line: string, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

function child(file: string, args: string[]): Child {
  const proc = spawn(process.execPath, [fileURLToPath(new URL(file, import.meta.url)), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stdout = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  proc.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    out += d.toString();
    for (const w of waiters.splice(0)) {
      if (stdout.split('\n').includes(w.line)) w.resolve();
      else waiters.push(w);
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    output: () => out,
    waitFor: (line, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.split('\n').includes(line)) return resolve();
        const t = setTimeout(() => reject(new Error(`no "${line}" within ${timeoutMs} ms; output:\n${out}`)), timeoutMs);
        waiters.push({ line, resolve: () => (clearTimeout(t), resolve()) });
        void exited.then(() => reject(new Error(`exited before "${line}"; output:\n${out}`)));
      }),
    kill: (signal = 'SIGKILL') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
    exited,
  };
}

export async function startAgents(prefix: string, names: string[], workers = 1): Promise<Child[]> {
  const agents = names.map((n) => child('./agent-process.fixture.mjs', [NATS_URL, prefix, n, String(workers)]));
  await Promise.all(agents.map((a) => a.waitFor('ready')));
  return agents;
}

export function startController(prefix: string, targetUrl: string, rate: number, durationMs: number, agents: number): Child {
  return child('./controller-process.fixture.mjs', [NATS_URL, prefix, targetUrl, String(rate), String(durationMs), String(agents)]);
}

/** Requests each agent says it completed ("run … done: N requests"), from its log. */
export function agentCount(a: Child): number {
  const m = /done: (\d+) requests/.exec(a.output());
  return m ? Number(m[1]) : NaN;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
