#!/usr/bin/env bash
# Memory stays flat: RSS of `peakdrill run` at a steady 5k req/s after 10 s and at the end of a
# 5-minute run (goal: growth under 20 MB). nginx pinned to CPU 1, peakdrill to CPU 0.
#   bash bench/soak-rss.sh                      # 5k/s for 300 s
#   RATE=5000 DURATION=60 bash bench/soak-rss.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${PEAKDRILL_SHARED:-$here/../../shared}
source "$shared/bench/lib.sh"
install_deps
RATE=${RATE:-5000}
DURATION=${DURATION:-300}
nginx_start 1
trap nginx_stop EXIT
out=$(mktemp -d)
taskset -c "$GEN_CPU" node "$here/../packages/cli/bin/peakdrill.js" run --url "$URL" --rate "$RATE" --duration "${DURATION}s" --workers 1 --out "$out" --quiet &
pid=$!
rss() { awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0; }
samples=()
for s in $(seq 1 $((DURATION - 1))); do
  sleep 1
  kill -0 $pid 2>/dev/null || break
  case $s in 10|60|120|180|240|$((DURATION - 1))) samples+=("$s:$(rss)") ;; esac
done
wait $pid || true
first=${samples[0]#*:}; last=${samples[-1]#*:}
echo "RSS (KiB) by second: ${samples[*]}"
node -e "const a=$first,b=$last; console.log(JSON.stringify({rate:$RATE,durationS:$DURATION,rssAt10sMiB:+(a/1024).toFixed(1),rssAtEndMiB:+(b/1024).toFixed(1),growthMiB:+((b-a)/1024).toFixed(1)}))"
node -e "const s=JSON.parse(require('fs').readFileSync(require('path').join(process.argv[1], require('fs').readdirSync(process.argv[1])[0], 'summary.json'),'utf8')); console.log('achieved', s.achievedRps, 'req/s of', s.plannedRps, 'planned; errors', s.links[0].errors)" "$out"
rm -rf "$out"
