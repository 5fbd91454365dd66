#!/usr/bin/env bash
# Max throughput of `peakdrill run --url` (one worker, pinned to CPU 0, 50 connections,
# recording on) side by side with autocannon, raw undici and the other peers, in one run, on
# the same single-worker nginx pinned to CPU 1. Prints the peers' table and the ratios.
#   bash bench/throughput.sh                     # 3 rounds x 10 s
#   RUNS=1 DURATION=5 bash bench/throughput.sh   # quick look
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${PEAKDRILL_SHARED:-$here/../../shared}
export RUNS=${RUNS:-3} DURATION=${DURATION:-10} CONNS=${CONNS:-50}
export TOOLS=${TOOLS:-"wrk hey autocannon autocannon-p10 undici-pool-dispatch undici-pool-request custom"}
export CUSTOM_CMD="node $here/peakdrill-rps.mjs --url http://127.0.0.1:18080/ --connections $CONNS --workers 1 --duration ${DURATION}s ${PD_EXTRA:-}"
out=$(bash "$shared/bench/peers.sh" 2>&1 | tee /dev/stderr)
table=$(printf '%s\n' "$out" | grep '^| ')
node -e '
const rows = process.argv[1].split("\n").filter(l => /^\| [a-z]/.test(l) && !l.startsWith("| tool"));
const rps = Object.fromEntries(rows.map(l => { const c = l.split("|").map(s => s.trim()); return [c[1], Number(c[2].replace(/,/g, ""))]; }));
const pd = rps.custom;
if (!pd) { console.log("no peakdrill figure"); process.exit(1); }
console.log(`\npeakdrill (custom): ${pd.toLocaleString("en-US")} req/s`);
for (const [t, v] of Object.entries(rps)) if (t !== "custom") console.log(`  vs ${t.padEnd(26)} ${(pd / v).toFixed(2)}x  (${v.toLocaleString("en-US")} req/s)`);
' "$table"
