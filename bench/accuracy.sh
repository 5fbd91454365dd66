#!/usr/bin/env bash
# Constant-rate accuracy of one worker: planned vs achieved rate and the scheduler's lateness
# p99, at 1k, 10k and a rate near the highest one worker sustains, against a single-worker
# nginx pinned to CPU 1 (peakdrill pinned to CPU 0). Prints one line per rate.
#   bash bench/accuracy.sh                 # 10 s per rate
#   RATES="1000 10000 30000" DURATION=10 bash bench/accuracy.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${PEAKDRILL_SHARED:-$here/../../shared}
source "$shared/bench/lib.sh"
install_deps
RATES=${RATES:-"1000 10000 25000"}
DURATION=${DURATION:-10}
nginx_start 1
trap nginx_stop EXIT
for rate in $RATES; do
  out=$(mktemp -d)
  timeout $((DURATION + 30)) taskset -c "$GEN_CPU" node "$here/../packages/cli/bin/peakdrill.js" run --url "$URL" --rate "$rate" --duration "${DURATION}s" --workers 1 --out "$out" --quiet || true
  s=$(ls "$out"/*/summary.json)
  node -e '
const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const lines = require("fs").readFileSync(process.argv[1].replace("summary.json", "timeseries.ndjson"), "utf8").trim().split("\n").map(JSON.parse).filter(l => l.planned !== null);
const perSecond = lines.map(l => l.rps / l.planned);
const worst = Math.min(...perSecond), best = Math.max(...perSecond);
const l = s.links[0];
console.log(`rate ${s.plannedRps}/s: achieved ${s.achievedRps}/s (${(100 * s.achievedRps / s.plannedRps).toFixed(2)}%), per-second ${(100 * worst).toFixed(1)}–${(100 * best).toFixed(1)}% of plan, scheduler lateness p99 ${s.schedulerLateP99Ms} ms, latency p99 ${l.latencyMs.p99} ms, errors ${l.errors}, dropped ${s.dropped}`);
' "$s"
  rm -rf "$out"
done
