#!/usr/bin/env bash
# Issue 13's "Done when" figures side by side, for one or more store layouts:
#   - flash sale: scenarios/flash-sale.yaml as shipped (2,000 buyers/s for 5 s, 100 units,
#     queued orders): sold/paid, shed, timeouts, 5xx, p99 of the order link (its answers are the
#     shed ones and the 202 acceptances; target ≤ 20 ms) — fresh shadow stock per layout;
#   - demo: scenarios/double11.yaml (what `peakdrill demo` drills), every link's p99 (≤ 25 ms);
#   - item detail: closed model, 50 connections, req/s of one cached item (≥ 15k/s);
#   - order create: capacity search of bench/scenarios/checkout.yaml's order.create within
#     p99 ≤ 250 ms (≥ 2 × 221/s on the embedded store).
# The stack runs pinned to CPU 1 (with its store thread), peakdrill to CPU 0. Take the figures
# on a quiet machine; QUICK=1 shortens every part to prove the script works, not to measure.
#   bash bench/done-when.sh                       # embedded, then PostgreSQL + Redis + NATS
#   LAYOUTS=embedded QUICK=1 bash bench/done-when.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root="$here/.."
bin="node $root/packages/cli/bin/peakdrill.js"
LAYOUTS=${LAYOUTS:-"embedded full"}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
REDIS=${REDIS:-redis://127.0.0.1:6379}
NATS=${NATS:-nats://127.0.0.1:4222}
QUICK=${QUICK:-0}
export PEAKDRILL_SHADOW_SECRET=bench-$$
port=${PORT:-18800}
if [ "$QUICK" = 1 ]; then
  detail_s=2s; flash=(--rate 50 --duration 2s); demo=(--duration 3s); cap=(--start-rate 10 --max-rate 20 --step-duration 3s --warmup 1s)
else
  detail_s=10s; flash=(); demo=(); cap=(--start-rate 25 --max-rate 2000 --step-duration 6s --warmup 2s)
fi
# pinning is a prefix, not a shell function: a function run with `&` would be a subshell, and
# killing it would leave the stack running
if command -v taskset >/dev/null; then cpu0=(taskset -c 0); cpu1=(taskset -c 1); else cpu0=(); cpu1=(); fi
summary() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);'"$1"'})'; }
table=()
log=$(mktemp /tmp/peakdrill-done-when-stack.XXXX.log)

for layout in $LAYOUTS; do
  db=""
  args=()
  if [ "$layout" = full ]; then
    db="pdbench_$$"
    psql "$PG/postgres" -qc "create database $db" >/dev/null
    # a stream of its own per run, so an earlier run's messages are never redelivered here
    args=(--pg "$PG/$db" --redis "$REDIS" --nats "$NATS" --nats-stream "PDBENCH_$$")
  fi
  "${cpu1[@]}" $bin stack --port $port "${args[@]}" --rate-limit 0 --sku-rate-limit 0 > "$log" 2>&1 &
  spid=$!
  for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  if ! kill -0 $spid 2>/dev/null; then echo "the stack did not start:" >&2; cat "$log" >&2; exit 1; fi
  out=$(mktemp -d)
  gw="gateway=http://127.0.0.1:$port"

  echo "== $layout: flash sale (scenarios/flash-sale.yaml ${flash[*]:-as shipped})" >&2
  curl -sf -X POST "http://127.0.0.1:$port/admin/shadow/reset" >/dev/null
  # a missed budget exits 1: the figures are what this script is for, so read them regardless
  "${cpu0[@]}" $bin run "$root/scenarios/flash-sale.yaml" --target "$gw" "${flash[@]}" --workers 1 --out "$out" --quiet --json > "$out/flash.json" || true
  f=$(summary '
    const L=(n)=>j.links.find(l=>l.name===n);const o=L("flash.order"),p=L("flash.pay");
    const sum=(k)=>j.links.reduce((t,l)=>t+l.outcomes[k],0);
    console.log(`paid ${p.outcomes.ok}, shed ${o.outcomes.shed}, timeouts ${sum("timeout")}, 5xx ${sum("http_5xx")}, order p99 ${o.latencyMs.p99} ms, invariants ${j.invariants.every(i=>i.passed)?"ok":"FAILED"}`)' < "$out/flash.json") || f="(no summary)"
  table+=("$layout | flash sale | $f")

  echo "== $layout: demo (scenarios/double11.yaml), every link's p99" >&2
  "${cpu0[@]}" $bin run "$root/scenarios/double11.yaml" --target "$gw" "${demo[@]}" --workers 1 --out "$out" --quiet --json > "$out/demo.json" || true
  d=$(summary '
    const worst=j.links.reduce((w,l)=>l.latencyMs.p99>w.p?{n:l.name,p:l.latencyMs.p99}:w,{n:"-",p:0});
    console.log(`worst link ${worst.n} p99 ${worst.p} ms; ` + j.links.map(l=>`${l.name} ${l.latencyMs.p99}`).join(", "))' < "$out/demo.json") || d="(no summary)"
  table+=("$layout | demo p99 | $d")

  echo "== $layout: item detail, closed model, 50 connections, $detail_s" >&2
  "${cpu0[@]}" $bin run --url "http://127.0.0.1:$port/api/items/SKU-000042" --connections 50 --duration $detail_s --workers 1 --out "$out" --quiet --json > "$out/detail.json" || true
  i=$(summary '
    const l=j.links[0];console.log(`${Math.round(l.rps)} req/s, p99 ${l.latencyMs.p99} ms, errors ${l.errors}`)' < "$out/detail.json") || i="(no summary)"
  table+=("$layout | item detail | $i")

  echo "== $layout: order create capacity within p99 <= 250 ms" >&2
  "${cpu0[@]}" $bin capacity "$here/scenarios/checkout.yaml" --link order.create --target "$gw" "${cap[@]}" --workers 1 --out "$out" --json > "$out/capacity.json" 2>/dev/null || true
  c=$(summary 'console.log(j.sentence)' < "$out/capacity.json") || c="(no summary)"
  table+=("$layout | order create | ${c:-(no answer)}")

  kill $spid; wait $spid 2>/dev/null || true
  [ -n "$db" ] && psql "$PG/postgres" -qc "drop database $db with (force)" >/dev/null
  rm -rf "$out"
done

echo
echo "layout | figure | measured   (targets: flash sale paid = 100, timeouts 0, 5xx 0, order p99 <= 20 ms; demo p99 <= 25 ms; item detail >= 15000 req/s; order create >= 442/s)"
printf '%s\n' "${table[@]}"
