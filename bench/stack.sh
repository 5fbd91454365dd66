#!/usr/bin/env bash
# The reference stack under peakdrill: item detail (closed model, 50 connections, 10 s), the
# checkout chain's capacity (order create + pay, searched within p99 ≤ 250 ms) and a flash sale
# (2,000 buyers/s for 5 s on 100 units, bench/scenarios/flash-sale.yaml), on PGlite and on
# PostgreSQL (+ Redis). The stack runs pinned to CPU 1 (its PGlite thread too), peakdrill to CPU 0.
#   bash bench/stack.sh                   # both stores
#   STORES=pglite bash bench/stack.sh
#   STACK_ROOT=/path/to/other/checkout bash bench/stack.sh   # that checkout's stack, this peakdrill (before/after)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin="node $here/../packages/cli/bin/peakdrill.js"
stack_bin="node ${STACK_ROOT:-$here/..}/packages/cli/bin/peakdrill.js"
STORES=${STORES:-"pglite pg"}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
export PEAKDRILL_SHADOW_SECRET=bench-$$
port=18700
for store in $STORES; do
  db=""
  args=()
  if [ "$store" = pg ]; then
    db="pdbench_$$"
    psql "$PG/postgres" -qc "create database $db" >/dev/null
    args=(--pg "$PG/$db" --redis redis://127.0.0.1:6379)
  fi
  taskset -c 1 $stack_bin stack --port $port "${args[@]}" --rate-limit 0 --sku-rate-limit 0 > /tmp/peakdrill-bench-stack.log 2>&1 &
  spid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  out=$(mktemp -d)
  echo "== $store: item detail, closed model, 50 connections, 10 s"
  taskset -c 0 $bin run --url "http://127.0.0.1:$port/api/items/SKU-000042" --connections 50 --duration 10s --workers 1 --out "$out" --quiet --json \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);const l=j.links[0];console.log(`item detail: ${Math.round(l.rps)} req/s, p50 ${l.latencyMs.p50} ms, p99 ${l.latencyMs.p99} ms, errors ${l.errors}`)})'
  echo "== $store: checkout capacity (order create + pay), p99 <= 250 ms"
  taskset -c 0 $bin capacity "$here/scenarios/checkout.yaml" --link order.create --target gateway=http://127.0.0.1:$port \
    --start-rate 25 --max-rate 2000 --step-duration 6s --warmup 2s --workers 1 --out "$out" 2>&1 | grep -E "^ *[0-9]+  |^step  |holds" || true
  echo "== $store: flash sale, 2000 buyers/s for 5 s, 100 units (fresh shadow stock)"
  curl -sf -X POST "http://127.0.0.1:$port/admin/shadow/reset" >/dev/null
  taskset -c 0 $bin run "$here/scenarios/flash-sale.yaml" --target gateway=http://127.0.0.1:$port --workers 1 --out "$out" --quiet --json \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);for(const l of j.links){const o=l.outcomes;console.log(`${l.name}: ${l.count} (ok ${o.ok}, shed ${o.shed}, timeouts ${o.timeout}, 5xx ${o.http_5xx}), p50 ${l.latencyMs.p50} ms, p99 ${l.latencyMs.p99} ms, service p99 ${l.serviceTimeMs.p99} ms`)};console.log(`status ${j.status}; invariants ${j.invariants.map(i=>i.passed?"ok":"FAILED").join(" ")}; generator late p99 ${j.schedulerLateP99Ms} ms`)})' || true
  kill $spid; wait $spid 2>/dev/null || true
  [ -n "$db" ] && psql "$PG/postgres" -qc "drop database $db with (force)" >/dev/null
  rm -rf "$out"
done
