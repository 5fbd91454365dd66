#!/usr/bin/env node
// What a distributed drill costs the controller and NATS, per second of drill:
//   - merge: the controller's time to decode and merge one second of every agent's interval
//     messages (JSON + HDR decode + lossless add + closing the second), with the real Aggregator;
//   - bytes: NATS bytes per agent per second (its workers' interval messages as they cross the
//     wire, plus its heartbeat; the controller's own heartbeat is 2 × ~70 B/s per run).
// Interval messages are built like the engine's: per link an encoded latency and service HDR
// histogram (and one Server-Timing hop), filled with `--rate` samples per worker per second.
// usage: node bench/nats-merge.mjs [--agents 10,50,100,200] [--workers 4] [--links 3] [--rate 2500] [--seconds 5]
// Needs `npx tsc -b` first (it imports the built packages). Prints one JSON line per agent count.

import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { PROTOCOL_VERSION, encodeHistogram, newHistogram, recordMicros } from '../packages/core/dist/index.js';
import { Aggregator } from '../packages/controller/dist/index.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '10,50,100,200' },
    workers: { type: 'string', default: '4' },
    links: { type: 'string', default: '3' },
    rate: { type: 'string', default: '2500' },
    seconds: { type: 'string', default: '5' },
  },
});
const workers = Number(values.workers);
const links = Number(values.links);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// a latency spread like a real service: mostly 2–20 ms, a tail to ~1 s
function sampleUs() {
  const u = Math.random();
  const base = 2000 * Math.exp(Math.random() * 2.3);
  return u < 0.99 ? base : base * (5 + Math.random() * 50);
}

function intervalLink(name) {
  const lat = newHistogram();
  const svc = newHistogram();
  const hop = newHistogram();
  for (let i = 0; i < rate; i++) {
    const us = sampleUs();
    recordMicros(lat, us);
    recordMicros(svc, us * 0.9);
    recordMicros(hop, us * 0.4);
  }
  return {
    name,
    outcomes: { ok: rate - 3, http_4xx: 0, http_5xx: 2, timeout: 1, connect_error: 0, reset: 0, check_failed: 0, shed: 0, other: 0 },
    started: rate,
    latency: encodeHistogram(lat),
    service: encodeHistogram(svc),
    hops: { db: encodeHistogram(hop) },
    tagSent: rate,
    tagAcknowledged: rate,
  };
}

const linkTemplates = Array.from({ length: links }, (_, i) => intervalLink(`POST /link-${i}`));
const heartbeat = encoder.encode(JSON.stringify({ v: PROTOCOL_VERSION, type: 'heartbeat', agent: 'rack01-agent-017', id: 'rack01-agent-017-a1b2c3', capacity: { cores: 8, workers }, busy: '20261123-103000-double11-ab12', sealed: false, release: '0.1.0' }));

function wire(runId, agent, generator, t) {
  const msg = { type: 'interval', generator, t, links: linkTemplates, journeys: [{ name: 'checkout', started: rate, completed: rate - 3, failed: 3 }], inFlight: 12, dropped: 0, lateP99Us: 850 };
  return encoder.encode(JSON.stringify({ v: PROTOCOL_VERSION, type: 'generator', runId, agent, msg }));
}

for (const agents of values.agents.split(',').map(Number)) {
  const runId = '20261123-103000-double11-ab12';
  const generators = agents * workers;
  // every second's messages, pre-encoded (the wire bytes are what the controller receives)
  const bytesPerMsg = wire(runId, 'rack01-agent-017-a1b2c3', `${runId}/g${generators - 1}`, 0).byteLength;
  let closed = 0;
  const agg = new Aggregator({ startMs: Date.now(), window: null, plannedFor: () => null, plannedTotal: () => null, onSecond: () => closed++ });
  for (let g = 0; g < generators; g++) agg.addGenerator(`${runId}/g${g}`);
  const perSecondMs = [];
  for (let t = 0; t < seconds; t++) {
    const batch = [];
    for (let g = 0; g < generators; g++) batch.push(wire(runId, `agent-${Math.floor(g / workers)}`, `${runId}/g${g}`, t));
    const t0 = performance.now();
    for (const data of batch) {
      const m = JSON.parse(decoder.decode(data));
      if (m.v === PROTOCOL_VERSION && m.type === 'generator') agg.accept(m.msg);
    }
    perSecondMs.push(performance.now() - t0);
  }
  if (closed !== seconds) throw new Error(`closed ${closed} seconds of ${seconds}`);
  perSecondMs.sort((a, b) => a - b);
  const median = perSecondMs[Math.floor(perSecondMs.length / 2)];
  console.log(
    JSON.stringify({
      agents,
      workersPerAgent: workers,
      links,
      samplesPerWorkerPerLinkPerSecond: rate,
      mergeMsPerSecond: Math.round(median * 10) / 10,
      controllerCpuShare: `${((median / 1000) * 100).toFixed(1)}%`,
      mergeUsPerIntervalMessage: Math.round((median * 1000) / generators),
      natsBytesPerAgentPerSecond: bytesPerMsg * workers + heartbeat.byteLength,
      natsBytesPerIntervalMessage: bytesPerMsg,
    }),
  );
}
