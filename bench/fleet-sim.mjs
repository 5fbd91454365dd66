#!/usr/bin/env node
// A simulated fleet on the real NATS against the real controller: what 1,000 agents × 10 links
// cost the controller per second of drill, and what one agent costs the wire.
//
// The controller is the real thing: a Drill with createNatsFleet (discovery, claims,
// assignments, heartbeats, authentication, the Aggregator, the run files). The agents are
// simulated in a child process (so their CPU is not the controller's): each announces itself,
// answers its claim and assignment like `peakdrill agent`, then publishes, every second, one
// pre-merged interval message (its workers' second merged, as agent.ts sends it: per link a
// latency, service-time and one Server-Timing hop HDR histogram in the plain V2 encoding), plus
// its heartbeat, both signed with the agent's data key. `--rate` is the drill's requests per
// second over the whole fleet (default: 1,000,000, a plan's ceiling), spread evenly over agents
// and links: each histogram holds rate / agents / links samples.
//
// usage: node bench/fleet-sim.mjs [--agents 1000] [--links 10] [--workers 4] [--rate 1000000] [--seconds 20]
// Needs `npx tsc -b` first and NATS at $PEAKDRILL_TEST_NATS (default nats://127.0.0.1:4222).
// Prints one JSON line: controller CPU per second of drill (share of one core), how late the
// last seconds closed, and NATS bytes per agent per second.

import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '1000' },
    links: { type: 'string', default: '10' },
    workers: { type: 'string', default: '4' },
    rate: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '20' },
    prefix: { type: 'string' },
    simulate: { type: 'boolean', default: false },
  },
});
const NATS = process.env.PEAKDRILL_TEST_NATS ?? 'nats://127.0.0.1:4222';
const agents = Number(values.agents);
const links = Number(values.links);
const workers = Number(values.workers);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const linkName = (i) => `GET /link-${i}`;
const perLinkSamples = Math.max(1, Math.round(rate / agents / links));

if (values.simulate) await simulate(values.prefix);
else await control();

// ------------------------------------------------------------------ the controller (measured)

async function control() {
  const { quickPlan } = await import('../packages/core/dist/index.js');
  const { Drill, createNatsFleet } = await import('../packages/controller/dist/index.js');
  const prefix = `pdbench.${randomBytes(4).toString('hex')}`;
  const sim = fork(fileURLToPath(import.meta.url), [...process.argv.slice(2), '--simulate', '--prefix', prefix], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const simReport = new Promise((r) => sim.on('message', (m) => m.type === 'report' && r(m)));
  await new Promise((r) => sim.on('message', (m) => m.type === 'ready' && r()));
  // a target that is reachable (the drill checks) but never hit: the agents are simulated
  const target = createServer((_q, s) => s.end('ok')).listen(0, '127.0.0.1');
  await new Promise((r) => target.once('listening', r));
  const plan = quickPlan({ url: `http://127.0.0.1:${target.address().port}/`, rate: 100_000, durationMs: seconds * 1000 });
  plan.shadow.enabled = false;
  const step = plan.journeys[0].steps[0];
  plan.journeys[0].steps = Array.from({ length: links }, (_, i) => ({ ...step, name: linkName(i) }));
  const outDir = mkdtempSync(join(tmpdir(), 'peakdrill-fleet-sim-'));
  const marks = new Map();
  let startMs = 0;
  const drill = new Drill({
    plan,
    outDir,
    fleet: createNatsFleet({ natsUrl: NATS, prefix, agents, waitMs: 60_000 }),
    onSecond: (s, d) => {
      startMs = d.runStartMs;
      marks.set(s.t, { cpu: process.cpuUsage(), at: Date.now(), count: s.all.count });
    },
  });
  const result = await drill.run();
  target.close();
  const report = await simReport;
  sim.kill();
  // steady state: from the close of second 2 to the close of the last planned second
  const a = marks.get(2);
  const b = marks.get(seconds - 1);
  const cpuMs = (b.cpu.user - a.cpu.user + b.cpu.system - a.cpu.system) / 1000;
  const wallS = (b.at - a.at) / 1000;
  const lateMs = [...marks].filter(([t]) => t < seconds).map(([t, m]) => m.at - (startMs + (t + 1) * 1000));
  console.log(
    JSON.stringify({
      agents,
      links,
      workersPerAgent: workers,
      drillRps: rate,
      samplesPerAgentPerLinkPerSecond: perLinkSamples,
      seconds,
      status: result.summary.status,
      lost: (result.summary.agents ?? []).filter((x) => x.lost).length,
      ...(result.summary.status !== 'passed' ? { notes: result.summary.notes.slice(0, 3), error: result.summary.error, firstLost: (result.summary.agents ?? []).find((x) => x.lost)?.lost } : {}),
      countMatches: result.summary.links.reduce((n, l) => n + l.count, 0) === report.count,
      controllerCpuPerDrillSecond: `${((cpuMs / (seconds - 3)) / 10).toFixed(1)}% of one core`,
      controllerCpuMsPerDrillSecond: Math.round(cpuMs / (seconds - 3)),
      steadyWallS: Math.round(wallS * 10) / 10,
      secondCloseLateMs: { first: lateMs[0], median: lateMs.sort((x, y) => x - y)[Math.floor(lateMs.length / 2)], max: lateMs.at(-1) },
      natsBytesPerAgentPerSecond: report.bytesPerAgentPerSecond,
      intervalMessageBytes: report.intervalBytes,
    }),
  );
  rmSync(outDir, { recursive: true, force: true });
  process.exit(0);
}

// ------------------------------------------------------------------ the simulated agents

async function simulate(prefix) {
  // the NATS client is the controller package's dependency
  const natsEntry = createRequire(new URL('../packages/controller/package.json', import.meta.url)).resolve('@nats-io/transport-node');
  const { connect } = await import(pathToFileURL(natsEntry).href);
  const { PROTOCOL_VERSION, encodeHistogramPlain, newHistogram, recordMicros, emptyOutcomes } = await import('../packages/core/dist/index.js');
  const { subjects } = await import('../packages/controller/dist/index.js');
  const { dataKey, Signer } = await import('../packages/controller/dist/distributed/auth.js');
  const nc = await connect({ servers: NATS, name: 'fleet-sim agents' });
  const s = subjects(prefix);
  const enc = new TextEncoder();
  const dec = new TextDecoder();

  // a latency spread like a real service: mostly 2–20 ms, a tail to ~1 s
  const sampleUs = () => {
    const base = 2000 * Math.exp(Math.random() * 2.3);
    return Math.random() < 0.99 ? base : base * (5 + Math.random() * 50);
  };
  const perLink = perLinkSamples;
  // a few variants of one agent's second, so that consecutive messages differ
  const variants = Array.from({ length: 6 }, () =>
    JSON.stringify(
      Array.from({ length: links }, (_, i) => {
        const [lat, svc, hop] = [newHistogram(), newHistogram(), newHistogram()];
        for (let k = 0; k < perLink; k++) {
          const us = sampleUs();
          recordMicros(lat, us);
          recordMicros(svc, us * 0.9);
          recordMicros(hop, us * 0.4);
        }
        return { name: linkName(i), outcomes: { ...emptyOutcomes(), ok: perLink - 3, http_5xx: 2, timeout: 1 }, started: perLink, latency: encodeHistogramPlain(lat), service: encodeHistogramPlain(svc), hops: { db: encodeHistogramPlain(hop) }, tagSent: 0, tagAcknowledged: 0 };
      }),
    ),
  );
  const countPerSecond = perLink * links;

  const fleet = Array.from({ length: agents }, (_, i) => ({ name: `sim-${String(i).padStart(4, '0')}`, id: `sim-${String(i).padStart(4, '0')}-${randomBytes(3).toString('hex')}`, run: null }));
  const presence = (a, type) => ({ v: PROTOCOL_VERSION, type, agent: a.name, id: a.id, capacity: { cores: workers, workers }, busy: a.run?.runId ?? null, sealed: false, release: '0.1.0' });
  nc.subscribe(s.discover, { callback: () => fleet.forEach((a) => !a.run && nc.publish(s.agents, enc.encode(JSON.stringify(presence(a, 'announce'))))) });
  for (const a of fleet) {
    nc.subscribe(s.agent(a.id), {
      callback: (_e, m) => {
        const msg = JSON.parse(dec.decode(m.data));
        const reply = (x) => m.reply && m.respond(enc.encode(JSON.stringify({ v: PROTOCOL_VERSION, ...x })));
        if (msg.type === 'claim' && !a.run) {
          a.run = { runId: msg.runId, dataSubject: msg.dataSubject, parts: [] };
          reply({ type: 'claimed', nowMs: Date.now() });
        } else if (msg.type === 'assign' && a.run) {
          a.run.parts.push(msg.data);
          if (msg.part === msg.parts - 1) {
            const payload = JSON.parse(Buffer.from(a.run.parts.join(''), 'base64').toString('utf8'));
            a.run.sign = new Signer(dataKey(payload.runKey, a.run.runId, a.id));
            a.run.generators = payload.assignments.map((x) => x.index);
            a.run.startAtMs = payload.assignments[0].startAtMs;
          }
          reply({ type: 'assigned', part: msg.part });
        }
      },
    });
  }
  await nc.flush();
  process.send({ type: 'ready' });

  const publish = (a, subject, msg) => {
    const data = enc.encode(msg);
    const headers = a.run.sign.headers(subject, data);
    nc.publish(subject, data, { headers });
    return data.byteLength + headers.toString().length;
  };
  // wait for every agent's assignment, then play the drill second by second
  while (!fleet.every((a) => a.run?.startAtMs)) await new Promise((r) => setTimeout(r, 20));
  const startAtMs = fleet[0].run.startAtMs;
  let bytes = 0;
  let intervalBytes = 0;
  for (let t = 0; t < seconds; t++) {
    const due = startAtMs + (t + 1) * 1000 + 5;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    for (const [i, a] of fleet.entries()) {
      const { runId, generators } = a.run;
      const body = `{"v":${PROTOCOL_VERSION},"type":"interval","runId":"${runId}","agent":"${a.id}","generators":${JSON.stringify(generators)},"msg":{"type":"interval","generator":"${runId}/g${generators[0]}","t":${t},"links":${variants[(i + t) % variants.length]},"journeys":[{"name":"quick","started":${perLink},"completed":${perLink - 3},"failed":3}],"inFlight":12,"dropped":0,"lateP99Us":850}}`;
      const n = publish(a, a.run.dataSubject, body);
      if (i === 0) intervalBytes = n;
      bytes += n;
      bytes += publish(a, s.agents, JSON.stringify(presence(a, 'heartbeat')));
    }
    if (t % 5 === 0) await nc.flush();
  }
  for (const a of fleet) {
    const { runId, generators, dataSubject } = a.run;
    for (const g of generators) publish(a, dataSubject, JSON.stringify({ v: PROTOCOL_VERSION, type: 'generator', runId, agent: a.id, msg: { type: 'done', generator: `${runId}/g${g}` } }));
    publish(a, dataSubject, JSON.stringify({ v: PROTOCOL_VERSION, type: 'done', runId, agent: a.id, count: countPerSecond * seconds, intervals: seconds }));
  }
  await nc.flush();
  process.send({ type: 'report', count: countPerSecond * seconds * agents, bytesPerAgentPerSecond: Math.round(bytes / agents / seconds), intervalBytes });
}
