// A forger on the machine's real NATS: it can publish anything on the fleet's subjects, and
// it records the controller's genuine messages to replay them. The agents must act on none of
// it: the load stays as planned (counted at a target the test started), an orphaned agent
// stops in time, and an out-of-range share is refused even from the real controller.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, headers, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyOutcomes, encodeHistogramPlain, newHistogram, PROTOCOL_VERSION, quickPlan } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { Drill } from '../drill.js';
import type { GeneratorFleet } from '../generators.js';
import { runAgent, type RunningAgent } from './agent.js';
import { AUTH_HEADER } from './auth.js';
import { encode } from './codec.js';
import { createNatsFleet } from './fleet.js';
import { natsListening, NATS_URL, sleep, startAgents, startController, uniquePrefix, type Child } from './nats.fixture.js';
import { subjects } from './subjects.js';

const natsUp = await natsListening();
const mustRun = natsUp || process.env.CI === 'true';

let agents: RunningAgent[] = [];
let children: Child[] = [];
let forger: NatsConnection | null = null;
let target: Target | null = null;
afterEach(async () => {
  for (const c of children) c.kill();
  await Promise.all(agents.map((a) => a.close()));
  await forger?.close();
  await target?.close();
  agents = [];
  children = [];
  forger = null;
  target = null;
});

interface Captured {
  subject: string;
  data: Uint8Array;
  headers: MsgHdrs | undefined;
}

/** A NATS client that records every message on the fleet's run control subjects. */
async function startForger(prefix: string): Promise<{ nc: NatsConnection; captured: Captured[] }> {
  const nc = await connect({ servers: NATS_URL });
  forger = nc;
  const captured: Captured[] = [];
  nc.subscribe(`${prefix}.run.*.control`, { callback: (_e, m) => captured.push({ subject: m.subject, data: m.data, headers: m.headers }) });
  await nc.flush();
  return { nc, captured };
}

const runIdOf = (subject: string): string => subject.split('.').at(-2)!;

/** Waits (bounded) until `cond` holds; the drills here run for seconds, so polling is fine. */
async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function forgedHeader(value: string): MsgHdrs {
  const h = headers();
  h.set(AUTH_HEADER, value);
  return h;
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'peakdrill-forgery-'));

// each drill below runs ~4–6 s of load plus agent start-up on a busy 2-core machine
describe.skipIf(!mustRun)('a forger on the NATS', { timeout: 40_000 }, () => {
  it('a forged rescale is refused (the load stays as planned, the agents log it), and figures forged in an agent\'s name are not counted', async () => {
    target = await startTarget();
    const prefix = uniquePrefix();
    const logs: string[] = [];
    for (const name of ['f1', 'f2']) agents.push(await runAgent({ natsUrl: NATS_URL, prefix, name, workers: 1, onLog: (l) => logs.push(l) }));
    const { nc, captured } = await startForger(prefix);
    const plan = quickPlan({ url: `${target.url}/`, rate: 200, durationMs: 4000 });
    plan.shadow.enabled = false;
    const run = new Drill({ plan, outDir: tmp(), fleet: createNatsFleet({ natsUrl: NATS_URL, prefix, agents: 2, waitMs: 10_000 }) }).run();

    await until(() => target!.received > 0 && captured.length > 0, 'traffic');
    const control = captured[0]!.subject;
    const runId = runIdOf(control);
    // each agent carries half; a rescale to share 1 would double the load (each share in range)
    const rescale = encode({ v: PROTOCOL_VERSION, type: 'control', runId, control: { type: 'rescale', share: 1 } });
    const genuine = captured.find((c) => c.headers?.get(AUTH_HEADER))!.headers!.get(AUTH_HEADER);
    const [seq, mac] = genuine.split('.');
    nc.publish(control, rescale); // no authentication
    nc.publish(control, rescale, { headers: forgedHeader(genuine) }); // a genuine header on other bytes
    nc.publish(control, rescale, { headers: forgedHeader(`${Number(seq) + 1_000}.${mac}`) }); // a later sequence number
    for (const a of agents) nc.publish(subjects(prefix).agent(a.id), rescale); // on each agent's own subject
    // and figures in an agent's name: a second of 100,000 requests, and an early `done`
    const data = subjects(prefix).data(runId);
    const link = { name: plan.journeys[0]!.steps[0]!.name, outcomes: { ...emptyOutcomes(), ok: 100_000 }, started: 100_000, latency: encodeHistogramPlain(newHistogram()), service: encodeHistogramPlain(newHistogram()), hops: {}, tagSent: 0, tagAcknowledged: 0 };
    const forgedSecond = { type: 'interval', generator: `${runId}/g0`, t: 1, links: [link], journeys: [], inFlight: 0, dropped: 0, lateP99Us: 0 };
    nc.publish(data, encode({ v: PROTOCOL_VERSION, type: 'interval', runId, agent: agents[0]!.id, generators: [0], msg: forgedSecond }), { headers: forgedHeader(genuine) });
    nc.publish(data, encode({ v: PROTOCOL_VERSION, type: 'done', runId, agent: agents[1]!.id, count: 0, intervals: 0 }));
    await nc.flush();

    const result = await run;
    expect(result.summary.status).toBe('passed');
    expect(Math.abs(target.received - 800) / 800).toBeLessThanOrEqual(0.02);
    expect(result.summary.links[0]!.count).toBe(target.received); // the forged second was not counted
    expect(result.summary.agents?.every((x) => x.lost === undefined && x.count > 0)).toBe(true); // nor the forged done
    expect(result.summary.notes.join('\n')).toMatch(/refused a message in the name of agent f[12] on .*\.data: it( carries no authentication|s authentication does not match)/);
    const log = logs.join('\n');
    expect(log).not.toMatch(/rescaled/);
    expect(log).toMatch(/refused a rescale control message on .*\.control: it carries no authentication.*not acted upon/);
    for (const name of ['f1', 'f2']) expect(log).toMatch(new RegExp(`agent ${name}: run .*: refused a rescale control message`));
  });

  it('forged and replayed heartbeats do not keep an orphaned agent sending after its controller died', async () => {
    target = await startTarget();
    const prefix = uniquePrefix();
    children = await startAgents(prefix, ['o1', 'o2']);
    const { nc, captured } = await startForger(prefix);
    const controller = startController(prefix, `${target.url}/`, 200, 20_000, 2);
    children.push(controller);
    await controller.waitFor('second 0', 15_000);
    controller.kill('SIGKILL');
    const killedAt = Date.now();

    const heartbeats = captured.filter((c) => /"controller-heartbeat"/.test(new TextDecoder().decode(c.data)));
    expect(heartbeats.length).toBeGreaterThan(0);
    const { subject } = heartbeats[0]!;
    const fresh = encode({ v: PROTOCOL_VERSION, type: 'controller-heartbeat', runId: runIdOf(subject) });
    let last = target.received;
    let lastChange = killedAt;
    let round = 0;
    // the forger keeps talking for as long as the agents keep sending (bounded: 10 s)
    while (Date.now() - lastChange < 1500 && Date.now() - killedAt < 10_000) {
      round++;
      for (const h of heartbeats) nc.publish(h.subject, h.data, h.headers ? { headers: h.headers } : undefined); // replays of genuine ones
      nc.publish(subject, fresh); // unsigned
      nc.publish(subject, fresh, { headers: forgedHeader(`${1_000_000 + round}.${heartbeats.at(-1)!.headers!.get(AUTH_HEADER).split('.')[1]}`) });
      await sleep(200);
      if (target.received !== last) {
        last = target.received;
        lastChange = Date.now();
      }
    }
    expect(lastChange - killedAt).toBeLessThan(5000);
    for (const a of children.slice(0, 2)) {
      expect(a.output()).toMatch(/no word from the controller/);
      expect(a.output()).toMatch(/refused a controller-heartbeat message on .*: it( is a replay| carries no authentication|s authentication does not match)/);
    }
  });

  it('an out-of-range share is refused even from the real controller: the load stays as planned', async () => {
    target = await startTarget();
    const prefix = uniquePrefix();
    const logs: string[] = [];
    agents.push(await runAgent({ natsUrl: NATS_URL, prefix, name: 'bounded', workers: 2, onLog: (l) => logs.push(l) }));
    const plan = quickPlan({ url: `${target.url}/`, rate: 200, durationMs: 4000 });
    plan.shadow.enabled = false;
    let fleet: GeneratorFleet | null = null;
    const factory = createNatsFleet({ natsUrl: NATS_URL, prefix, agents: 1, waitMs: 10_000 });
    const run = new Drill({ plan, outDir: tmp(), fleet: async (id) => (fleet = await factory(id)) }).run();
    await until(() => target!.received > 0, 'traffic');
    fleet!.send({ type: 'rescale', share: 5 }); // ×5 on each generator
    fleet!.send({ type: 'rescale', share: 0 });
    fleet!.send({ type: 'rescale', share: 0.8 }); // in (0, 1] each, but the agent's two would carry 160 %
    await until(() => logs.filter((l) => /refused a rescale:/.test(l)).length === 3, 'the refusals');

    const result = await run;
    expect(result.summary.status).toBe('passed');
    expect(Math.abs(target.received - 800) / 800).toBeLessThanOrEqual(0.02);
    const log = logs.join('\n');
    expect(log).toContain("refused a rescale: a generator's share must be in (0, 1], got 5; not acted upon");
    expect(log).toContain("refused a rescale: a generator's share must be in (0, 1], got 0; not acted upon");
    expect(log).toMatch(/refused a rescale: this agent's 2 generators would carry 160\.0% of the drill/);
    expect(log).not.toMatch(/rescaled/);
  });
});
