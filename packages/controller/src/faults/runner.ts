// The fault runner: injects and undoes a scenario's `faults:` on the drill's clock (second 0 is
// the drill's start instant), records each step in faults.ndjson as it happens, and at the end
// hands the records to the recovery verdict.
//
// Before the drill starts, `prepare` puts one TCP fault proxy in front of each target a proxy
// fault names and returns the plan the generators send with (those targets point at their
// proxy); the plan in summary.json keeps the real URLs. When the drill ends early (abort,
// SIGINT), `finish` undoes every fault still on, so nothing is left broken behind a run.

import { execFile } from 'node:child_process';
import { describeFault, UserError, type Fault, type FaultCall, type FaultEvent, type FaultRecord, type Plan } from '@peakdrill/core';
import { FaultProxy } from './proxy.js';

/** An inject or undo call that takes longer than this has failed. */
const HTTP_TIMEOUT_MS = 10_000;

interface Running {
  fault: Fault;
  record: FaultRecord;
  timers: NodeJS.Timeout[];
  /** The inject (then undo) step in flight, so undo never overtakes inject. */
  step: Promise<void>;
  on: boolean;
}

export class FaultRunner {
  private readonly running: Running[] = [];
  private startMs = 0;
  private closed = false;

  private constructor(
    readonly plan: Plan,
    private readonly proxies: Map<string, FaultProxy>,
    private readonly onEvent: (e: FaultEvent) => void,
  ) {}

  /** Starts the proxies; `sendPlan` is the plan with proxied targets pointing at their proxy. */
  static async prepare(plan: Plan, onEvent: (e: FaultEvent) => void = () => undefined): Promise<{ runner: FaultRunner; sendPlan: Plan }> {
    const proxies = new Map<string, FaultProxy>();
    const targets = { ...plan.targets };
    try {
      for (const f of plan.faults ?? []) {
        if (f.action.kind !== 'proxy' || proxies.has(f.action.target)) continue;
        const name = f.action.target;
        const base = plan.targets[name];
        if (base === undefined) throw new UserError('UNKNOWN_TARGET', `fault ${f.name}: no target named ${name}`);
        const u = new URL(base);
        if (u.protocol !== 'http:') throw new UserError('BAD_URL', `fault ${f.name}: the fault proxy carries plain http; target ${name} is ${base}`);
        const proxy = new FaultProxy({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80) });
        proxies.set(name, proxy);
        const at = await proxy.listen();
        targets[name] = `http://${at.host}:${at.port}${u.pathname.replace(/\/$/, '')}`;
      }
    } catch (err) {
      await Promise.all([...proxies.values()].map((p) => p.close()));
      throw err;
    }
    const runner = new FaultRunner(plan, proxies, onEvent);
    return { runner, sendPlan: proxies.size > 0 ? { ...plan, targets } : plan };
  }

  /** Schedules every fault against second 0 at `startMs` (epoch ms). */
  start(startMs: number): void {
    this.startMs = startMs;
    for (const fault of this.plan.faults ?? []) {
      const record: FaultRecord = {
        name: fault.name,
        kind: fault.action.kind,
        what: describeFault(fault),
        plannedS: { fromS: fault.atMs / 1000, toS: (fault.atMs + fault.forMs) / 1000 },
        ...(fault.plan !== undefined ? { plan: fault.plan } : {}),
      };
      const r: Running = { fault, record, timers: [], step: Promise.resolve(), on: false };
      this.running.push(r);
      const delay = (ms: number): number => Math.max(0, startMs + ms - Date.now());
      r.timers.push(setTimeout(() => this.inject(r), delay(fault.atMs)));
      r.timers.push(setTimeout(() => this.undo(r), delay(fault.atMs + fault.forMs)));
    }
  }

  private nowS(): number {
    return Math.round((Date.now() - this.startMs) / 10) / 100;
  }

  private inject(r: Running): void {
    if (this.closed) return;
    r.step = r.step.then(async () => {
      const atS = this.nowS();
      try {
        const detail = await this.act(r.fault, 'inject');
        r.on = true;
        r.record.injectedAtS = atS;
        this.onEvent({ fault: r.fault.name, phase: 'inject', atS, ok: true, detail });
      } catch (err) {
        r.record.error = `inject failed: ${(err as Error).message}`;
        this.onEvent({ fault: r.fault.name, phase: 'inject', atS, ok: false, detail: (err as Error).message });
      }
    });
  }

  private undo(r: Running): void {
    r.step = r.step.then(async () => {
      if (!r.on) return;
      r.on = false;
      const atS = this.nowS();
      r.record.undoneAtS = atS;
      try {
        const detail = await this.act(r.fault, 'undo');
        this.onEvent({ fault: r.fault.name, phase: 'undo', atS, ok: true, detail });
      } catch (err) {
        r.record.error = `undo failed: ${(err as Error).message}`;
        this.onEvent({ fault: r.fault.name, phase: 'undo', atS, ok: false, detail: (err as Error).message });
      }
    });
  }

  private async act(fault: Fault, phase: 'inject' | 'undo'): Promise<string> {
    const a = fault.action;
    if (a.kind === 'proxy') {
      const proxy = this.proxies.get(a.target)!;
      proxy.set(phase === 'inject' ? a.effect : null);
      return phase === 'inject' ? describeFault(fault) : `proxy in front of target ${a.target}: traffic passes untouched`;
    }
    if (a.kind === 'http') {
      const call = phase === 'inject' ? a.inject : a.undo;
      return call ? callHttp(call) : 'nothing to undo (no `undo:` call)';
    }
    const argv = phase === 'inject' ? a.inject : a.undo;
    return argv ? runCommand(argv, a.timeoutMs) : 'nothing to undo (no `undo:` command)';
  }

  /**
   * Stops the timeline: faults not yet injected are skipped, faults still on are undone now.
   * Resolves with every fault's record once its last step is done; closes the proxies.
   */
  async finish(): Promise<FaultRecord[]> {
    this.closed = true;
    for (const r of this.running) {
      for (const t of r.timers) clearTimeout(t);
      this.undo(r);
    }
    await Promise.all(this.running.map((r) => r.step));
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    return this.running.map((r) => {
      if (r.record.injectedAtS === undefined && r.record.error === undefined) r.record.error = 'the drill ended before the fault was due';
      return r.record;
    });
  }
}

async function callHttp(call: FaultCall): Promise<string> {
  const res = await fetch(call.url, {
    method: call.method,
    headers: call.headers,
    ...(call.body !== undefined ? { body: call.body } : {}),
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  }).catch((err: Error) => {
    throw new Error(`${call.method} ${call.url}: ${err.name === 'TimeoutError' ? `no answer in ${HTTP_TIMEOUT_MS / 1000} s` : ((err.cause as Error | undefined)?.message ?? err.message)}`);
  });
  const text = (await res.text()).slice(0, 200);
  if (!res.ok) throw new Error(`${call.method} ${call.url} answered HTTP ${res.status}${text ? `: ${text}` : ''}`);
  return `${call.method} ${call.url} → HTTP ${res.status}`;
}

function runCommand(argv: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`.trim().slice(-200);
      if (err) {
        const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'program not found' : err.killed ? `no exit in ${timeoutMs / 1000} s` : `exit ${String(err.code)}`;
        reject(new Error(`${argv.join(' ')}: ${why}${out ? `: ${out}` : ''}`));
      } else resolve(`${argv.join(' ')} → exit 0${out ? `: ${out}` : ''}`);
    });
  });
}
