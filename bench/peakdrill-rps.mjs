#!/usr/bin/env node
// Runs `peakdrill run` with the given arguments and prints one JSON line in the shape
// ../shared/bench/peers.sh reads for its `custom` tool: {rps, errors, non2xx, ...}.
// usage: node bench/peakdrill-rps.mjs --url http://127.0.0.1:18080/ --connections 50 --workers 1 --duration 10s
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(join(tmpdir(), 'peakdrill-bench-'));
const bin = join(root, 'packages/cli/bin/peakdrill.js');
const r = spawnSync(process.execPath, [bin, 'run', ...process.argv.slice(2), '--out', out, '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
const [id] = readdirSync(out);
if (!id) {
  console.error(`peakdrill exited ${r.status} without a run`);
  process.exit(1);
}
const s = JSON.parse(readFileSync(join(out, id, 'summary.json'), 'utf8'));
const link = s.links[0];
const non2xx = s.links.reduce((a, l) => a + (l.outcomes.http_4xx ?? 0) + (l.outcomes.http_5xx ?? 0), 0);
const errors = s.links.reduce((a, l) => a + l.errors, 0) - non2xx;
console.log(JSON.stringify({ tool: 'peakdrill', rps: Math.round(s.achievedRps), errors, non2xx, p50: link?.latencyMs.p50, p99: link?.latencyMs.p99, count: s.links.reduce((a, l) => a + l.count, 0), run: join(out, id) }));
