// Live control reaches agents over NATS: a `rate` change is a signed `stages` control message,
// the agent hands it to its generators, and the target (which counts arrivals per second by its
// own clock) follows within 1 s. A forged or unsigned `stages` message is refused and logged, and
// the load does not move.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, quickPlan } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { Drill } from '../drill.js';
import type { ControlRecord } from '../control/drill-control.js';
import { runAgent, type RunningAgent } from './agent.js';
import { AUTH_HEADER } from './auth.js';
import { encode } from './codec.js';
import { createNatsFleet } from './fleet.js';
import { natsListening, NATS_URL, sleep, uniquePrefix } from './nats.fixture.js';

const natsUp = await natsListening();
const mustRun = natsUp || process.env.CI === 'true';

let agent: RunningAgent | null = null;
let forger: NatsConnection | null = null;
let target: Target | null = null;
afterEach(async () => {
  await agent?.close();
  await forger?.close();
  await target?.close();
  agent = forger = target = null;
});

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

// a 9 s drill on an agent, plus the agent's start-up, on a busy 2-core machine
describe.skipIf(!mustRun)('live control over NATS', { timeout: 60_000 }, () => {
  it('rate reaches the agent within 1 s by the target\'s own count; a forged or unsigned stages change is refused and logged', async () => {
    target = await startTarget();
    const arrivals: number[] = [];
    target.handler = () => {
      arrivals.push(Date.now());
      return false;
    };
    const prefix = uniquePrefix();
    const logs: string[] = [];
    agent = await runAgent({ natsUrl: NATS_URL, prefix, name: 'steered', workers: 1, onLog: (l) => logs.push(l) });
    forger = await connect({ servers: NATS_URL });
    const controlSubjects = new Set<string>();
    let genuineHeader = '';
    forger.subscribe(`${prefix}.run.*.control`, {
      callback: (_e, m) => {
        controlSubjects.add(m.subject);
        genuineHeader = m.headers?.get(AUTH_HEADER) || genuineHeader;
      },
    });
    await forger.flush();

    const plan = quickPlan({ url: `${target.url}/`, rate: 100, durationMs: 9_000 });
    plan.shadow.enabled = false;
    let drill: Drill | null = null;
    const run = new Drill({ plan, outDir: mkdtempSync(join(tmpdir(), 'peakdrill-natsctl-')), fleet: createNatsFleet({ natsUrl: NATS_URL, prefix, agents: 1, waitMs: 15_000 }), onStarted: (d) => (drill = d) }).run();

    // 2.5 s of traffic: at least one whole wall-clock second before the change, wherever second 0 fell in its second
    await until(() => drill !== null && arrivals.length > 250, 'two and a half seconds of traffic');
    const record: ControlRecord = drill!.control({ command: 'rate', value: 300 }, 'test-commander', 'api');
    expect(record.level).toBe(300);
    await until(() => logs.some((l) => /stages changed by the controller/.test(l)), 'the agent applying the change');
    await until(() => (arrivals.at(-1) ?? 0) > Date.parse(record.at) + 2_200, 'two whole seconds at the new rate');

    // a forger's stages change: unsigned, then with a genuine header on other bytes
    await until(() => controlSubjects.size > 0 && genuineHeader !== '', 'a genuine control message');
    const subject = [...controlSubjects][0]!;
    const runId = subject.split('.').at(-2)!;
    const forged = encode({ v: PROTOCOL_VERSION, type: 'control', runId, control: { type: 'stages', stages: [{ durationMs: 9_000, target: 900 }] } });
    const forgedAt = Date.now();
    forger.publish(subject, forged);
    const h = headers();
    h.set(AUTH_HEADER, genuineHeader);
    forger.publish(subject, forged, { headers: h });
    await forger.flush();
    await until(() => logs.some((l) => /refused a stages control message/.test(l)), 'the refusal in the agent log');

    const result = await run;
    expect(result.summary.status).toBe('passed');
    const log = logs.join('\n');
    expect(log).toMatch(/agent steered: run .*: refused a stages control message on .*\.control: it carries no authentication.*not acted upon/);
    expect(log.match(/stages changed by the controller/g)).toHaveLength(1);

    // the target's own per-second counts
    const perSecond = new Map<number, number>();
    for (const t of arrivals) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    const startMs = Date.parse(result.summary.startedAt);
    const endMs = startMs + 9_000;
    const changeMs = Date.parse(record.at);
    const whole = (fromMs: number, toMs: number): number[] => [...perSecond.keys()].filter((s) => s * 1000 >= fromMs && (s + 1) * 1000 <= toMs).sort();
    const near = (count: number, level: number): boolean => Math.abs(count - level) <= Math.max(5, level * 0.12);
    const before = whole(startMs, changeMs);
    expect(before.length).toBeGreaterThanOrEqual(1);
    for (const s of before) expect(near(perSecond.get(s)!, 100), `second ${s}: ${perSecond.get(s)} before the change`).toBe(true);
    const after = whole(changeMs, endMs);
    expect(after.length).toBeGreaterThanOrEqual(3);
    // the first whole second after the change took effect already runs at 300/s: within 1 s
    expect(after[0]! * 1000 - changeMs).toBeLessThan(1_000);
    // and so does every one after, the forged 900/s included
    for (const s of after) expect(near(perSecond.get(s)!, 300), `second ${s}: ${perSecond.get(s)} vs 300`).toBe(true);
    expect(after.some((s) => s * 1000 >= forgedAt)).toBe(true);
    expect(Math.max(...perSecond.values())).toBeLessThan(340);
    expect(result.summary.links[0]!.count).toBe(target.received);
    expect(result.summary.plan.load.stages.at(-1)).toMatchObject({ target: 300 });
    expect(readFileSync(join(result.dir, 'control.ndjson'), 'utf8')).toContain('"who":"test-commander"');
  });
});
