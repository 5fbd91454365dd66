// A replay over agents against the machine's NATS: the agents are real processes that cannot use
// the controller's log path (it ships them a marker instead), so every request they send came
// from the share shipped in their sealed assignment. With CI=true a missing NATS fails this test.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, type Plan } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { Drill } from '../drill.js';
import { createNatsFleet } from './fleet.js';
import { agentCount, natsListening, NATS_URL, sleep, startAgents, uniquePrefix, type Child } from './nats.fixture.js';
import { replaySharesFor, withReplayShare } from './replay-ship.js';

const natsUp = await natsListening();
const mustRun = natsUp || process.env.CI === 'true';

let target: Target | null = null;
let children: Child[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of children) c.kill();
  children = [];
  await target?.close();
  target = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Seconds of an nginx combined log: `gets[s]` GETs and 3 POSTs (which a replay leaves out) in second s. */
function writeLog(dir: string, gets: number[]): { file: string; getCount: number } {
  const lines: string[] = [];
  gets.forEach((n, s) => {
    for (let i = 0; i < n; i++) {
      const path = i % 3 === 0 ? `/api/items?page=${i % 5}` : `/api/items/SKU-${(i * 7) % 23}`;
      lines.push(`10.0.0.1 - - [02/Dec/2026:10:00:0${s} +0000] "GET ${path} HTTP/1.1" 200 5 "-" "ua"`);
    }
    for (let i = 0; i < 3; i++) lines.push(`10.0.0.1 - - [02/Dec/2026:10:00:0${s} +0000] "POST /api/orders HTTP/1.1" 201 5 "-" "ua"`);
  });
  const file = join(dir, 'access.log');
  writeFileSync(file, lines.join('\n') + '\n');
  return { file, getCount: gets.reduce((a, b) => a + b, 0) };
}

function replayPlan(dir: string, url: string): Plan {
  const yaml = [
    'name: replay-over-agents',
    `targets: { api: "${url}" }`,
    'load:',
    '  model: replay',
    '  log: access.log',
    '  speed: 2',
    'requests:',
    '  - { name: "GET /api/items", url: "/api/items" }',
    '  - { name: "GET /api/items/:item_id", url: "/api/items/1" }',
    '  - { name: "POST /api/orders", url: "/api/orders", method: POST }',
  ].join('\n');
  const plan = parseScenario(yaml, join(dir, 'replay.yaml'));
  plan.shadow.enabled = false;
  plan.http.warmup = { enabled: false };
  return plan;
}

describe('shipping a replay to agents', () => {
  it('splits the log into one share per generator, every GET once, none past the window, and no controller path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-replay-ship-'));
    dirs.push(dir);
    const { getCount } = writeLog(dir, [10, 20, 30]);
    const plan = replayPlan(dir, 'http://127.0.0.1:9');
    const shares = (await replaySharesFor(plan, 3))!;
    const lines = shares.flatMap((s) => s.split('\n')).map((l) => JSON.parse(l) as [number, string, string]);
    expect(lines).toHaveLength(getCount);
    expect(new Set(lines.map(([, link]) => link))).toEqual(new Set(['GET /api/items', 'GET /api/items/:item_id']));
    expect(shares.map((s) => s.split('\n').length)).toEqual([20, 20, 20]);
    const a = withReplayShare({ runId: 'r', plan, index: 1, count: 3, share: 1 / 3, startAtMs: 0 }, shares);
    expect(a.replayShare).toBe(shares[1]);
    expect(a.plan.load.model === 'replay' && a.plan.load.log).toBe('(shipped) access.log');
    // bounded: a log whose shares are over the limit is one clear error, never held whole
    await expect(replaySharesFor(plan, 2, 1000)).rejects.toMatchObject({ code: 'REPLAY_TOO_LARGE_TO_SHIP', exitCode: 2 });
  });
});

describe.skipIf(!mustRun)('a replay over NATS agents', { timeout: 60_000 }, () => {
  it('two agents replay their shares of the log: the target gets the recorded GET count, each agent about half, none twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-replay-dist-'));
    dirs.push(dir);
    const { getCount } = writeLog(dir, [40, 60, 30, 50]);
    target = await startTarget();
    const prefix = uniquePrefix();
    children = await startAgents(prefix, ['r1', 'r2']);
    const plan = replayPlan(dir, target.url);
    const fleet = createNatsFleet({ natsUrl: NATS_URL, prefix, agents: 2, waitMs: 10_000, lossAfterMs: 5_000 });
    const result = await new Drill({ plan, outDir: join(dir, 'runs'), fleet }).run();
    const s = result.summary;
    expect(target.received).toBe(getCount);
    expect(s.links.reduce((a, l) => a + l.count, 0)).toBe(getCount);
    expect(s.links.find((l) => l.name === 'POST /api/orders')?.count ?? 0).toBe(0);
    // each agent's own count, from its log: the two shares are i mod 2 of the same sequence
    const deadline = Date.now() + 10_000;
    while (children.some((c) => Number.isNaN(agentCount(c))) && Date.now() < deadline) await sleep(50);
    const own = children.map(agentCount);
    expect(own.reduce((a, b) => a + b, 0)).toBe(getCount);
    expect(Math.abs(own[0]! - own[1]!)).toBeLessThanOrEqual(1);
    expect(s.agents?.map((a) => a.lost)).toEqual([undefined, undefined]);
  });
});
