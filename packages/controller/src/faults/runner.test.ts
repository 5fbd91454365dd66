import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickPlan, type FaultEvent, type Plan } from '@peakdrill/core';
import { FaultRunner } from './runner.js';

// A real server on port 0 records the fault calls it gets; /fail answers 500.
let server: http.Server;
let base: string;
const calls: string[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    res.statusCode = req.url === '/fail' ? 500 : 200;
    res.end(req.url === '/fail' ? 'broken' : 'ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function planWith(faults: Plan['faults']): Plan {
  const plan = quickPlan({ url: `${base}/`, rate: 1, durationMs: 60_000 });
  return { ...plan, faults };
}

/** Resolves once `n` events were seen (event-driven, no fixed sleep). */
function events(n: number): { list: FaultEvent[]; on: (e: FaultEvent) => void; done: Promise<void> } {
  const list: FaultEvent[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return { list, done, on: (e) => { list.push(e); if (list.length >= n) resolve(); } };
}

describe('FaultRunner', () => {
  it('injects and undoes on the drill clock, in order, and records both', async () => {
    calls.length = 0;
    const ev = events(2);
    const plan = planWith([{ name: 'slow', atMs: 0, forMs: 50, action: { kind: 'http', inject: { method: 'POST', url: `${base}/inject`, headers: {} }, undo: { method: 'DELETE', url: `${base}/undo`, headers: {} } } }]);
    const { runner, sendPlan } = await FaultRunner.prepare(plan, ev.on);
    expect(sendPlan).toBe(plan); // no proxy fault: the generators send to the real targets
    runner.start(Date.now());
    await ev.done;
    const [record] = await runner.finish();
    expect(calls).toEqual(['POST /inject', 'DELETE /undo']);
    expect(ev.list.map((e) => [e.phase, e.ok])).toEqual([['inject', true], ['undo', true]]);
    expect(record!.injectedAtS).toBeLessThanOrEqual(record!.undoneAtS!);
    expect(record!.error).toBeUndefined();
  });

  it('records a failed inject and a failed command, and skips faults not yet due when the drill ends', async () => {
    const ev = events(2);
    const plan = planWith([
      { name: 'bad-http', atMs: 0, forMs: 60_000, action: { kind: 'http', inject: { method: 'POST', url: `${base}/fail`, headers: {} } } },
      { name: 'bad-cmd', atMs: 0, forMs: 60_000, action: { kind: 'command', inject: [process.execPath, '-e', 'process.exit(3)'], timeoutMs: 10_000 } },
      { name: 'later', atMs: 50_000, forMs: 1000, action: { kind: 'command', inject: [process.execPath, '-e', ''], timeoutMs: 10_000 } },
    ]);
    const { runner } = await FaultRunner.prepare(plan, ev.on);
    runner.start(Date.now());
    await ev.done;
    const records = await runner.finish();
    expect(records.map((r) => [r.name, r.error?.replace(/:.*/s, '')])).toEqual([['bad-http', 'inject failed'], ['bad-cmd', 'inject failed'], ['later', 'the drill ended before the fault was due']]);
    expect(records[0]!.error).toContain('answered HTTP 500: broken');
    expect(records[1]!.error).toContain('exit 3');
  });

  it('puts a proxy in front of a proxied target and undoes a fault still on when the drill ends early', async () => {
    const ev = events(1);
    const target = Object.keys(planWith([]).targets)[0]!;
    const plan = planWith([{ name: 'lag', atMs: 0, forMs: 60_000, action: { kind: 'proxy', target, effect: { latencyMs: 100 } } }]);
    const { runner, sendPlan } = await FaultRunner.prepare(plan, ev.on);
    expect(sendPlan.targets[target]).not.toBe(plan.targets[target]);
    const t0 = Date.now();
    runner.start(t0);
    await ev.done;
    const res = await fetch(`${sendPlan.targets[target]}/through-proxy`);
    expect(await res.text()).toBe('ok');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200); // request and answer each waited 100 ms
    const [record] = await runner.finish(); // the drill ended at once: the fault is undone now
    expect(record!.undoneAtS).toBeDefined();
    expect(calls).toContain('GET /through-proxy');
  });
});
