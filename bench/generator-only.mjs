#!/usr/bin/env node
// The generator alone, in this thread (no worker thread, no controller): what the engine's
// hot path costs by itself. Prints one JSON line with rps.
//   node bench/generator-only.mjs --url http://127.0.0.1:18080/ --connections 50 --duration 5
import { quickPlan } from '@peakdrill/core';
import { Generator } from '@peakdrill/engine';

const arg = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const url = arg('url', 'http://127.0.0.1:18080/');
const connections = Number(arg('connections', '50'));
const durationMs = Number(arg('duration', '5')) * 1000;
const plan = quickPlan({ url, connections, durationMs });
plan.shadow.enabled = false;
let count = 0;
const t0 = Date.now();
const g = new Generator({ runId: 'bench', plan, index: 0, count: 1, share: 1, startAtMs: Date.now() + 100 }, (m) => {
  if (m.type === 'interval') for (const l of m.links) for (const v of Object.values(l.outcomes)) count += v;
});
await g.run();
console.log(JSON.stringify({ tool: 'peakdrill-generator', rps: Math.round(count / (durationMs / 1000)), count, wallS: (Date.now() - t0) / 1000 }));
