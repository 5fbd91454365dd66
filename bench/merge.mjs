#!/usr/bin/env node
// The controller's per-interval merge cost: N generators each hand over one encoded HDR
// histogram per link per second; the controller decodes and adds them. Prints, for N = 2, 16,
// 64, the time to merge one interval of one link (median of many), with realistic contents
// (5,000 latencies per generator per second, log-normal around 2 ms with a slow tail).
//   node bench/merge.mjs
import { performance } from 'node:perf_hooks';
import { decodeHistogram, encodeHistogram, newHistogram, recordMicros } from '@peakdrill/core';

function sample() {
  // log-normal: median 2 ms, and 1% in a 50–500 ms tail
  const z = Math.sqrt(-2 * Math.log(Math.random())) * Math.cos(2 * Math.PI * Math.random());
  return Math.random() < 0.01 ? 50_000 + Math.random() * 450_000 : 2000 * Math.exp(0.5 * z);
}

const results = [];
for (const n of [2, 16, 64]) {
  const encoded = [];
  for (let g = 0; g < n; g++) {
    const h = newHistogram();
    for (let i = 0; i < 5000; i++) recordMicros(h, sample());
    encoded.push(encodeHistogram(h));
  }
  const bytes = encoded.reduce((a, e) => a + e.length, 0) / n;
  const times = [];
  for (let rep = 0; rep < 50; rep++) {
    const t0 = performance.now();
    const into = newHistogram();
    for (const e of encoded) {
      const h = decodeHistogram(e);
      into.add(h);
      h.destroy();
    }
    times.push(performance.now() - t0);
    into.destroy();
  }
  times.sort((a, b) => a - b);
  results.push({ generators: n, mergeMsMedian: +times[times.length >> 1].toFixed(3), mergeMsP90: +times[Math.floor(times.length * 0.9)].toFixed(3), encodedBytesPerHistogram: Math.round(bytes) });
}
for (const r of results) console.log(`N=${String(r.generators).padStart(2)}: merge of one link-second ${r.mergeMsMedian} ms (p90 ${r.mergeMsP90} ms), ${r.encodedBytesPerHistogram} bytes per encoded histogram`);
console.log(JSON.stringify(results));
