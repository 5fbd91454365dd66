// Agents and controllers refusing what they must refuse: another protocol version (both sides
// say so clearly), no NATS (exit 2), too few agents (exit 2), a token mismatch. Real NATS.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, quickPlan, type ClaimedMessage, type RefusedMessage } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { Drill } from '../drill.js';
import { runAgent, type RunningAgent } from './agent.js';
import { decode, encode } from './codec.js';
import { newKeyExchange } from './exchange.js';
import { createNatsFleet } from './fleet.js';
import { natsListening, NATS_URL, uniquePrefix } from './nats.fixture.js';
import { subjects } from './subjects.js';

const natsUp = await natsListening();
const mustRun = natsUp || process.env.CI === 'true';
const NO_NATS = 'nats://127.0.0.1:1';

let agents: RunningAgent[] = [];
let ncs: NatsConnection[] = [];
let target: Target | null = null;
afterEach(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await Promise.all(ncs.map((n) => n.close()));
  agents = [];
  ncs = [];
  await target?.close();
  target = null;
});

async function raw(): Promise<NatsConnection> {
  const nc = await connect({ servers: NATS_URL });
  ncs.push(nc);
  return nc;
}

describe('without NATS', () => {
  it('an agent fails with NATS_UNAVAILABLE, exit 2, saying where it looked', async () => {
    const err = await runAgent({ natsUrl: NO_NATS, name: 'lonely' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NATS_UNAVAILABLE', exitCode: 2 });
    expect((err as Error).message).toMatch(/cannot reach NATS at nats:\/\/127\.0\.0\.1:1/);
  });

  it('a controller fails with NATS_UNAVAILABLE, exit 2, and never shows credentials', async () => {
    const err = await createNatsFleet({ natsUrl: 'nats://user:hunter2@127.0.0.1:1', agents: 1 })('run-x').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NATS_UNAVAILABLE', exitCode: 2 });
    expect((err as Error).message).not.toMatch(/hunter2/);
  });

  it('--agents 0 or an unknown --on-agent-loss is a user error', () => {
    expect(() => createNatsFleet({ natsUrl: NATS_URL, agents: 0 })).toThrow(/--agents must be/);
    expect(() => createNatsFleet({ natsUrl: NATS_URL, agents: 2, onAgentLoss: 'retry' as 'abort' })).toThrow(/--on-agent-loss must be one of redistribute, continue, abort/);
  });
});

describe.skipIf(!mustRun)('refusals over NATS', { timeout: 20_000 }, () => {
  it('too few agents: AGENTS_MISSING (exit 2) after the wait, naming what was found', async () => {
    const prefix = uniquePrefix();
    agents.push(await runAgent({ natsUrl: NATS_URL, prefix, name: 'only-one', workers: 1 }));
    const t0 = Date.now();
    const err = await createNatsFleet({ natsUrl: NATS_URL, prefix, agents: 2, waitMs: 1500 })('run-missing').catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(err).toMatchObject({ code: 'AGENTS_MISSING', exitCode: 2 });
    expect((err as Error).message).toMatch(/for 2 agents .* got 1 \(only-one\)/);
    expect((err as Error).message).toMatch(/peakdrill agent --nats/);
  });

  it('a wait for agents can be stopped (SIGINT): exit 3, nothing claimed is kept', async () => {
    const prefix = uniquePrefix();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    const t0 = Date.now();
    const err = await createNatsFleet({ natsUrl: NATS_URL, prefix, agents: 3, waitMs: 10_000, signal: stop.signal })('run-stopped').catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toMatchObject({ code: 'STOPPED_WAITING', exitCode: 3 });
  });

  it('an agent of another protocol version is refused by the controller, with a clear message on both sides', async () => {
    const prefix = uniquePrefix();
    const s = subjects(prefix);
    const nc = await raw();
    const fakeId = 'future-agent-1';
    const refusals: RefusedMessage[] = [];
    nc.subscribe(s.agent(fakeId), {
      callback: (_e, m) => {
        const d = decode<RefusedMessage>(m.data);
        if (d.ok && d.msg.type === 'refused') refusals.push(d.msg);
      },
    });
    const announce = { v: PROTOCOL_VERSION + 1, type: 'announce', agent: 'future', id: fakeId, capacity: { cores: 1, workers: 1 }, busy: null, sealed: false, release: '9.0.0' };
    nc.subscribe(s.discover, { callback: () => nc.publish(s.agents, encode(announce)) });
    await nc.flush();
    const notes: string[] = [];
    const err = await createNatsFleet({ natsUrl: NATS_URL, prefix, agents: 1, waitMs: 1500, onNote: (n) => notes.push(n) })('run-versions').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AGENTS_MISSING' });
    const theirs = `v${PROTOCOL_VERSION + 1}`;
    expect((err as Error).message).toContain(`agent future speaks peakdrill protocol ${theirs}, this one speaks v${PROTOCOL_VERSION}`);
    expect(notes.join('\n')).toContain(`refused agent future speaks peakdrill protocol ${theirs}`);
    await nc.flush();
    expect(refusals[0]).toMatchObject({ code: 'VERSION_MISMATCH' });
    expect(refusals[0]!.reason).toContain(`speaks peakdrill protocol v${PROTOCOL_VERSION} and refuses peers of ${theirs}`);
  });

  it('an agent refuses a controller of another protocol version, and logs why', async () => {
    const prefix = uniquePrefix();
    const log: string[] = [];
    const agent = await runAgent({ natsUrl: NATS_URL, prefix, name: 'strict', workers: 1, onLog: (l) => log.push(l) });
    agents.push(agent);
    const nc = await raw();
    const claim = { v: PROTOCOL_VERSION + 1, type: 'claim', runId: 'r1', controller: 'old-ctl', controlSubject: 'x.control', dataSubject: 'x.data' };
    const reply = await nc.request(subjects(prefix).agent(agent.id), encode(claim), { timeout: 2000 });
    const d = decode<RefusedMessage>(reply.data);
    expect(d.ok && d.msg).toMatchObject({ type: 'refused', code: 'VERSION_MISMATCH' });
    expect(d.ok && d.msg.reason).toContain(`agent strict speaks peakdrill protocol v${PROTOCOL_VERSION} and refuses peers of v${PROTOCOL_VERSION + 1}`);
    expect(log.join('\n')).toContain(`refused controller old-ctl speaks peakdrill protocol v${PROTOCOL_VERSION + 1}, this one speaks v${PROTOCOL_VERSION}`);
  });

  it('a shared token signs the claim and seals the assignment: same token runs; another token, no token, an unsigned or replayed claim are refused', async () => {
    const prefix = uniquePrefix();
    const log: string[] = [];
    agents.push(await runAgent({ natsUrl: NATS_URL, prefix, name: 'sealed', workers: 1, token: 'tok-1', onLog: (l) => log.push(l) }));
    const nc = await raw();
    const claims: { data: Uint8Array; headers: MsgHdrs | undefined }[] = [];
    nc.subscribe(subjects(prefix).agent(agents[0]!.id), {
      callback: (_e, m) => {
        const d = decode<{ v: number; type: string }>(m.data);
        if (d.ok && d.msg.type === 'claim') claims.push({ data: m.data, headers: m.headers });
      },
    });
    await nc.flush();
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, rate: 50, durationMs: 1000 });
    plan.shadow.enabled = true;
    const outDir = mkdtempSync(join(tmpdir(), 'peakdrill-seal-'));
    const ok = await new Drill({ plan, outDir, shadowSecret: 'shh-secret', fleet: createNatsFleet({ natsUrl: NATS_URL, prefix, agents: 1, token: 'tok-1', waitMs: 5000 }) }).run();
    expect(ok.summary.links[0]!.count).toBe(50);
    expect(target.received).toBe(50);
    expect(target.lastHeaders?.['x-peakdrill-shadow']).toBeDefined(); // the secret reached the agent, in memory
    expect(log.join('\n')).not.toContain('shh-secret');

    // another token: the agent refuses the claim itself (nobody without its token can even reserve it)
    const wrong = await createNatsFleet({ natsUrl: NATS_URL, prefix, agents: 1, token: 'tok-2', waitMs: 1200 })('run-wrong').catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'AGENTS_MISSING' });
    expect((wrong as Error).message).toMatch(/agent sealed takes claims only from a controller holding its PEAKDRILL_AGENT_TOKEN, and this claim .* authentication does not match/);
    expect(log.join('\n')).toMatch(/refused: agent sealed takes claims only from a controller holding its PEAKDRILL_AGENT_TOKEN/);
    // a claim without the token's signature, and a replay of one it took, are refused too
    const unsigned = { v: PROTOCOL_VERSION, type: 'claim', runId: 'run-forged', controller: 'forger', controlSubject: 'x.control', dataSubject: 'x.data' };
    const r1 = decode<RefusedMessage>((await nc.request(subjects(prefix).agent(agents[0]!.id), encode(unsigned), { timeout: 2000 })).data);
    expect(r1.ok && r1.msg).toMatchObject({ type: 'refused', code: 'TOKEN_MISMATCH' });
    const taken = claims[0]!;
    const r2 = decode<RefusedMessage>((await nc.request(subjects(prefix).agent(agents[0]!.id), taken.data, { timeout: 2000, ...(taken.headers ? { headers: taken.headers } : {}) })).data);
    expect(r2.ok && r2.msg).toMatchObject({ type: 'refused', code: 'BAD_MESSAGE' });
    expect(r2.ok && r2.msg.reason).toMatch(/was claimed for run .* before: a replayed claim/);

    const none = await createNatsFleet({ natsUrl: NATS_URL, prefix, agents: 1, token: undefined, waitMs: 1200 })('run-clear').catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'AGENTS_MISSING' });
    expect((none as Error).message).toMatch(/takes sealed assignments only/);
  });
});

describe.skipIf(!mustRun)('without a token', { timeout: 20_000 }, () => {
  it('the assignment is sealed with a key agreed in the claim: a listener on the bus never reads the shadow secret or the run key', async () => {
    const prefix = uniquePrefix();
    agents.push(await runAgent({ natsUrl: NATS_URL, prefix, name: 'open-bus', workers: 1, token: undefined }));
    const nc = await raw();
    const assignParts: { exchanged?: boolean; data: string }[] = [];
    const everything: string[] = [];
    nc.subscribe(`${prefix}.>`, {
      callback: (_e, m) => {
        const text = new TextDecoder().decode(m.data);
        everything.push(text);
        const d = decode<{ v: number; type: string; exchanged?: boolean; data: string }>(m.data);
        if (d.ok && d.msg.type === 'assign') assignParts.push(d.msg);
      },
    });
    await nc.flush();
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, rate: 50, durationMs: 1000 });
    plan.shadow.enabled = true;
    const result = await new Drill({ plan, outDir: mkdtempSync(join(tmpdir(), 'peakdrill-exchange-')), shadowSecret: 'shh-open-bus', fleet: createNatsFleet({ natsUrl: NATS_URL, prefix, agents: 1, token: undefined, waitMs: 5000 }) }).run();
    expect(result.summary.links[0]!.count).toBe(50);
    expect(target.lastHeaders?.['x-peakdrill-shadow']).toBeDefined(); // the secret did reach the agent
    expect(assignParts.length).toBeGreaterThan(0);
    expect(assignParts.every((p) => p.exchanged === true)).toBe(true);
    const assignment = Buffer.from(assignParts.map((p) => p.data).join(''), 'base64').toString('utf8');
    for (const seen of [assignment, ...everything]) {
      expect(seen).not.toContain('shh-open-bus');
      expect(seen).not.toContain('runKey');
    }
  });

  it('an agent that agreed a key in its claim refuses an assignment in clear (someone else\'s)', async () => {
    const prefix = uniquePrefix();
    const agent = await runAgent({ natsUrl: NATS_URL, prefix, name: 'picky', workers: 1, token: undefined });
    agents.push(agent);
    const nc = await raw();
    const subject = subjects(prefix).agent(agent.id);
    const claim = { v: PROTOCOL_VERSION, type: 'claim', runId: 'run-x', controller: 'ctl', controlSubject: `${prefix}.run.x.control`, dataSubject: `${prefix}.run.x.data`, exchangeKey: newKeyExchange().publicKey };
    const claimed = decode<ClaimedMessage>((await nc.request(subject, encode(claim), { timeout: 2000 })).data);
    expect(claimed.ok && claimed.msg.type === 'claimed' && typeof claimed.msg.exchangeKey).toBe('string');
    const clear = { v: PROTOCOL_VERSION, type: 'assign', runId: 'run-x', part: 0, parts: 1, sealed: false, data: Buffer.from('{"assignments":[]}').toString('base64') };
    const r = decode<RefusedMessage>((await nc.request(subject, encode(clear), { timeout: 2000 })).data);
    expect(r.ok && r.msg).toMatchObject({ type: 'refused', code: 'BAD_MESSAGE' });
    expect(r.ok && r.msg.reason).toMatch(/this assignment is not sealed with it: refused/);
  });
});

describe.skipIf(!mustRun)('an agent with --once', { timeout: 20_000 }, () => {
  it('leaves after its drill', async () => {
    const prefix = uniquePrefix();
    const agent = await runAgent({ natsUrl: NATS_URL, prefix, name: 'one-shot', workers: 1, once: true });
    agents.push(agent);
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, rate: 20, durationMs: 1000 });
    plan.shadow.enabled = false;
    const result = await new Drill({ plan, outDir: mkdtempSync(join(tmpdir(), 'peakdrill-once-')), fleet: createNatsFleet({ natsUrl: NATS_URL, prefix, agents: 1, waitMs: 5000 }) }).run();
    expect(result.summary.links[0]!.count).toBe(20);
    await expect(Promise.race([agent.closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still up'), 3000))])).resolves.toBe('closed');
  });
});

