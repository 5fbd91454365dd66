#!/usr/bin/env node
// Adding an encoded histogram into another, three ways side by side in the same run:
// decode + add (hdr-histogram-js), core's in-place add of the deflated encoding (run files,
// local workers), and of the plain V2 encoding (what agents send the controller).
// usage: node bench/histogram-add.mjs [--samples 100,2500,10000] [--n 3000]
// Needs `npx tsc -b` first. Prints one JSON line per sample count (median of 5 rounds, µs).

import { parseArgs } from 'node:util';
import { addEncodedHistogram, decodeHistogram, encodeHistogram, encodeHistogramPlain, newHistogram, recordMicros } from '../packages/core/dist/index.js';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '100,2500,10000' }, n: { type: 'string', default: '3000' } } });
const n = Number(values.n);
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const samples of values.samples.split(',').map(Number)) {
  const h = newHistogram();
  // a latency spread like a real service: mostly 2–20 ms, a tail to ~1 s
  for (let i = 0; i < samples; i++) recordMicros(h, 2000 * Math.exp(Math.random() * 2.3) * (Math.random() < 0.01 ? 20 : 1));
  const deflated = encodeHistogram(h);
  const plain = encodeHistogramPlain(h);
  const ways = {
    decodeThenAdd: (into) => {
      const d = decodeHistogram(deflated);
      into.add(d);
      d.destroy();
    },
    inPlaceDeflated: (into) => addEncodedHistogram(into, deflated),
    inPlacePlain: (into) => addEncodedHistogram(into, plain),
  };
  const rounds = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  for (let r = 0; r < 5; r++) {
    for (const [k, f] of Object.entries(ways)) {
      const into = newHistogram();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) f(into);
      rounds[k].push(((performance.now() - t0) * 1000) / n);
    }
  }
  console.log(JSON.stringify({ samples, deflatedChars: deflated.length, plainChars: plain.length, ...Object.fromEntries(Object.entries(rounds).map(([k, v]) => [`${k}Us`, Math.round(median(v) * 10) / 10])) }));
}
