#!/usr/bin/env bash
# Open-loop latency, side by side in one run: wrk2 (the reference constant-rate generator) and
# `peakdrill run --url` (one worker), the same single-worker nginx pinned to CPU 1, both
# generators pinned to CPU 0, the same connections, at each rate. Prints both tools'
# p50/p99/p99.9/max, peakdrill's second-0 p99 and its own lateness, and the p99 ratio.
# peakdrill's figure is its whole-run p99: second 0 included, nothing excluded (its warm-up
# happens before the clock starts and is never counted).
#   bash bench/open-loop.sh                               # 1k 5k 10k 20k/s + the highest sustained, 10 s each
#   RATES="1000 10000" DURATION=5 MAX_RATES="" bash bench/open-loop.sh
#   PIN=0 WORKERS=2 bash bench/open-loop.sh               # unpinned, default worker count
#   JOURNEY=1 bash bench/open-loop.sh                     # a 3-step journey with think time (peakdrill only)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${PEAKDRILL_SHARED:-$root/../shared}
[ -f "$shared/bench/lib.sh" ] || shared=/work/shared
export BENCH_HOME=${BENCH_HOME:-/tmp/peakdrill-open-loop}
# shellcheck source=/dev/null
source "$shared/bench/lib.sh"
RATES=${RATES:-"1000 5000 10000 20000"}
MAX_RATES=${MAX_RATES-"30000 40000 50000"}
DURATION=${DURATION:-10}
CONNS=${CONNS:-50}
PIN=${PIN:-1}
WORKERS=${WORKERS:-1}
JOURNEY=${JOURNEY:-0}
work=$(mktemp -d /tmp/peakdrill-open-loop.XXXXXX)
trap 'nginx_stop; rm -rf "$work"' EXIT

pin() { if [ "$PIN" = 1 ]; then taskset -c "$GEN_CPU" "$@"; else "$@"; fi; }

W=$(bash "$shared/bench/wrk2.sh")
command -v nginx >/dev/null || install_deps
nginx_start "$PIN"
[ -x "$root/packages/cli/bin/peakdrill.js" ] || { echo "build first: npx tsc -b" >&2; exit 2; }

# wrk2 → "p50 p99 p999 max rps" in ms
wrk2_run() {
  local rate=$1 out
  out=$(pin "$W" -t1 -c"$CONNS" -d"${DURATION}s" -R"$rate" --latency "$URL")
  printf '%s\n' "$out" | node -e '
    const t = require("fs").readFileSync(0, "utf8");
    const ms = (v) => { const m = /^([\d.]+)(us|ms|s|m)$/.exec(v); return m ? Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000, m: 60000 })[m[2]] : NaN; };
    const at = (p) => { const m = new RegExp("^\\s*" + p.replace(".", "\\.") + "%\\s+(\\S+)", "m").exec(t); return m ? ms(m[1]) : NaN; };
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(t);
    console.log([at("50.000"), at("99.000"), at("99.900"), at("100.000"), rps ? Number(rps[1]) : NaN].join(" "));'
}

scenario_for() {
  local rate=$1 f="$work/journey-$1.yaml"
  cat > "$f" <<YAML
name: open-loop-journey
targets: { web: "http://127.0.0.1:${NGINX_PORT}" }
http: { connections: ${CONNS} }
shadow: { enabled: false }
load: { rate: ${rate}, duration: ${DURATION}s }
journeys:
  - name: browse
    steps:
      - { name: home, target: web, url: /, think: 5ms }
      - { name: item, target: web, url: /item, think: 5ms }
      - { name: cart, target: web, url: /cart }
YAML
  echo "$f"
}

# peakdrill → "p50 p99 p999 max rps sec0p99 lateP99 keptUp"
pd_run() {
  local rate=$1 out="$work/runs-$1"
  local args=(run --url "$URL" --rate "$rate")
  [ "$JOURNEY" = 1 ] && args=(run "$(scenario_for "$rate")")
  pin node "$root/packages/cli/bin/peakdrill.js" "${args[@]}" --duration "${DURATION}s" --workers "$WORKERS" --out "$out" --quiet --json 2>"$work/pd.err" >"$work/pd.json" || true
  [ -s "$work/pd.json" ] || { echo "peakdrill wrote no summary at ${rate}/s:" >&2; cat "$work/pd.err" >&2; exit 1; }
  node -e '
    const fs = require("fs"); const path = require("path");
    const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const l = s.links[s.links.length > 1 ? 0 : 0];
    const dir = path.join(process.argv[2], s.id);
    const lines = fs.readFileSync(path.join(dir, "timeseries.ndjson"), "utf8").trim().split("\n").map(JSON.parse);
    const s0 = lines.find((x) => x.t === 0 && x.link === l.name);
    const g = s.generator ?? { latenessMs: { p99: NaN }, keptUp: false };
    console.log([l.latencyMs.p50, l.latencyMs.p99, l.latencyMs.p999, l.latencyMs.max, s.achievedRps, s0 ? s0.latencyMs.p99 : NaN, g.latenessMs.p99, g.keptUp ? "yes" : "no"].join(" "));' "$work/pd.json" "$out"
}

f() { node -e 'const x = Number(process.argv[1]); console.log(Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(2)) : "—")' "$1"; }

log "machine: $(nproc) cores, $(uptime | sed 's/.*load average/load/')  (shared machine: figures are noisy)"
printf '| rate/s | tool | p50 ms | p99 ms | p99.9 ms | max ms | achieved/s | s0 p99 ms | lateness p99 ms | kept up | p99 ratio | goal max(2 ms, 1.5×) |\n'
printf '|---:|---|---:|---:|---:|---:|---:|---:|---:|:-:|---:|:-:|\n'
for rate in $RATES; do
  read -r wp50 wp99 wp999 wmax wrps < <(wrk2_run "$rate")
  read -r pp50 pp99 pp999 pmax prps ps0 plate pkept < <(pd_run "$rate")
  ratio=$(node -e 'const [a,b]=process.argv.slice(1).map(Number); console.log(b>0? (a/b).toFixed(2)+"×" : "—")' "$pp99" "$wp99")
  goal=$(node -e 'const [a,b]=process.argv.slice(1).map(Number); console.log(a <= Math.max(2, 1.5*b) ? "met" : "not met")' "$pp99" "$wp99")
  printf '| %s | wrk2 | %s | %s | %s | %s | %s | | | | | |\n' "$rate" "$(f "$wp50")" "$(f "$wp99")" "$(f "$wp999")" "$(f "$wmax")" "$(f "$wrps")"
  printf '| %s | peakdrill | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$rate" "$(f "$pp50")" "$(f "$pp99")" "$(f "$pp999")" "$(f "$pmax")" "$(f "$prps")" "$(f "$ps0")" "$(f "$plate")" "$pkept" "$ratio" "$goal"
done
# the highest rate one peakdrill worker sustains: achieved within 3% of planned and kept up
best=0
for rate in $MAX_RATES; do
  read -r pp50 pp99 pp999 pmax prps ps0 plate pkept < <(pd_run "$rate")
  ok=$(node -e 'const [r,a]=process.argv.slice(1).map(Number); console.log(a >= 0.97*r ? 1 : 0)' "$rate" "$prps")
  printf '| %s | peakdrill (max search) | %s | %s | %s | %s | %s | %s | %s | %s | | |\n' "$rate" "$(f "$pp50")" "$(f "$pp99")" "$(f "$pp999")" "$(f "$pmax")" "$(f "$prps")" "$(f "$ps0")" "$(f "$plate")" "$pkept"
  if [ "$ok" = 1 ] && [ "$pkept" = yes ]; then best=$rate; else break; fi
done
if [ -n "$MAX_RATES" ] && [ "$best" = 0 ]; then
  printf '\nno max-search rate was sustained by one peakdrill worker (kept up, achieved ≥ 97%%)\n'
elif [ -n "$MAX_RATES" ]; then
  read -r wp50 wp99 wp999 wmax wrps < <(wrk2_run "$best")
  printf '\nhighest rate one peakdrill worker sustained (kept up, achieved ≥ 97%%): %s/s; wrk2 at that rate: p99 %s ms, achieved %s/s\n' "$best" "$(f "$wp99")" "$(f "$wrps")"
fi
