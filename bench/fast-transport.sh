#!/usr/bin/env bash
# The fast transport's acceptance benchmark (issue 14), side by side in one run, round-robin,
# every generator pinned to CPU 0 against one nginx worker pinned to CPU 1:
#   closed model, 50 connections:  peakdrill vs autocannon vs raw undici Pool.dispatch
#   pipelining 10:                 peakdrill --pipelining 10 vs autocannon -p 10 vs wrk
#   a journey (three links, a capture, templated URLs and a JSON body, checks): peakdrill, beside quick mode
# Prints the median req/s of each and the ratios the issue asks for.
#   bash bench/fast-transport.sh                   # 3 rounds x 10 s
#   RUNS=1 DURATION=5 bash bench/fast-transport.sh # quick look
#   PD_EXTRA="--rate 0" ...                        # extra flags for both peakdrill runs
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${PEAKDRILL_SHARED:-$here/../../shared}   # a worktree elsewhere: PEAKDRILL_SHARED=/path/to/shared
source "$shared/bench/lib.sh"
# Its own nginx (port NGINX_PORT, default 18080) and results dir, so it can run beside another
# benchmark on a shared machine without touching that one's nginx.
NGINX_PORT=${NGINX_PORT_OVERRIDE:-$NGINX_PORT}
URL="http://127.0.0.1:${NGINX_PORT}/"
RESULTS_DIR=${FAST_RESULTS_DIR:-$RESULTS_DIR}
NGINX_PREFIX="$RESULTS_DIR/nginx-run"
conf_dir=$(mktemp -d)
mkdir -p "$conf_dir/nginx"
# the shared static-200 nginx, plus three JSON answers for the journey's links
sed -e "s/127.0.0.1:18080/127.0.0.1:$NGINX_PORT/" \
  -e 's#^\(\s*\)location / {#\1location /item/ { default_type application/json; return 200 \x27{"id":"SKU-42","price":5}\x27; }\n\1location /cart/ { default_type application/json; return 200 \x27{"items":1}\x27; }\n\1location /order/ { default_type application/json; return 200 \x27{"status":"created"}\x27; }\n\1location / {#' \
  "$shared/bench/nginx/nginx.conf.tmpl" > "$conf_dir/nginx/nginx.conf.tmpl"
RUNS=${RUNS:-3} DURATION=${DURATION:-10} CONNS=${CONNS:-50}
AC="$BENCH_HOME/node_modules/autocannon/autocannon.js"
RAW="$BENCH_HOME/undici-raw.mjs"
PD="node $here/peakdrill-rps.mjs --url $URL --connections $CONNS --workers 1 --duration ${DURATION}s ${PD_EXTRA:-}"
TOOLS=${TOOLS:-"peakdrill peakdrill-engine peakdrill-undici peakdrill-journey autocannon undici-pool-dispatch peakdrill-p10 autocannon-p10 wrk"}

cmd() {
  case "$1" in
    peakdrill)            echo "$PD" ;;
    peakdrill-p10)        echo "$PD --pipelining 10" ;;
    # the engine alone in one thread (no CLI, controller or worker thread): the hot path by itself
    peakdrill-engine)     echo "node $here/generator-only.mjs --url $URL --connections $CONNS --duration $DURATION" ;;
    # the same drill forced through undici (http.transport: undici), to show what the fast transport adds
    peakdrill-undici)     echo "node $here/peakdrill-rps.mjs $undici_scenario --workers 1 ${PD_EXTRA:-}" ;;
    # what a real drill costs: a three-link journey, requests per second over all its links
    peakdrill-journey)    echo "node $here/peakdrill-rps.mjs $journey_scenario --workers 1 ${PD_EXTRA:-}" ;;
    autocannon)           echo "node $AC -c $CONNS -d $DURATION -j $URL" ;;
    autocannon-p10)       echo "node $AC -c $CONNS -p 10 -d $DURATION -j $URL" ;;
    undici-pool-dispatch) echo "node $RAW pool-dispatch --connections $CONNS --pipelining 1 --duration $DURATION --url $URL" ;;
    wrk)                  echo "wrk -t1 -c$CONNS -d${DURATION}s $URL" ;;
  esac
}

rps_of() {
  case "$1" in
    wrk) awk '/^Requests\/sec:/{print int($2)}' "$2" ;;
    autocannon*) node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8").trim().split("\n").pop()); console.log(Math.round(d.requests.total/d.duration))' "$2" ;;
    *) node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8").trim().split("\n").pop()); console.log(d.errors+d.non2xx>0 ? -1 : d.rps)' "$2" ;;
  esac
}

install_deps
cp "$shared/bench/undici-raw.mjs" "$BENCH_HOME/"
BENCH_DIR="$conf_dir"   # nginx_start reads its template from here
out="$RESULTS_DIR/fast-transport-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
undici_scenario="$out/undici.yaml"
cat > "$undici_scenario" <<YAML
name: quick-undici
targets: { default: "http://127.0.0.1:$NGINX_PORT" }
shadow: { enabled: false }
http: { connections: $CONNS, transport: undici }
load: { model: closed, vus: $CONNS, duration: ${DURATION}s }
requests: [{ name: "GET /", url: / }]
YAML
journey_scenario="$out/journey.yaml"
cat > "$journey_scenario" <<YAML
name: journey
targets: { shop: "http://127.0.0.1:$NGINX_PORT" }
shadow: { enabled: false }
http: { connections: $CONNS }
load: { model: closed, vus: $CONNS, duration: ${DURATION}s }
journeys:
  - name: buy
    steps:
      - name: item.detail
        url: "/item/{{random.int 1 10000}}"
        capture: { sku: "\$.id" }
        check: { status: 200, json: { "\$.id": { exists: true } } }
      - name: cart.add
        method: POST
        url: "/cart/{{random.int 1 100000}}/items"
        json: { sku: "{{sku}}", qty: 1, key: "{{random.uuid}}" }
        check: { status: 200 }
      - name: order.view
        url: "/order/{{sku}}"
        check: { status: 200, json: { "\$.status": created } }
YAML
nginx_start 1
trap nginx_stop EXIT
log "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (nproc $(nproc)); results in $out"
for run in $(seq "$RUNS"); do
  for t in $TOOLS; do
    /usr/bin/time -f '%U %S' -o "$out/$t.$run.time" \
      timeout -k 5 $((DURATION + 40)) taskset -c "$GEN_CPU" $(cmd "$t") > "$out/$t.$run.out" 2>&1 || log "$t run $run exited non-zero"
    r=$(rps_of "$t" "$out/$t.$run.out" || echo 0)
    cpu=$(tail -n1 "$out/$t.$run.time" | awk '{print $1 + $2}')
    echo -e "$t\t$r\t$cpu" >> "$out/rps.tsv"
    log "$(printf '%-22s run %s  %s req/s  cpu %ss' "$t" "$run" "$r" "$cpu")"
    sleep 1
  done
done
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split("\t"));
const dur = Number(process.argv[2]);
const by = {};
const cpu = {};
// CPU per request: the generator process user+sys over the requests it completed. Less
// sensitive to a shared machine than req/s (it does not depend on how much CPU the process was
// given); the peakdrill figure also carries its start-up, warm-up and run files (an upper bound).
for (const [t, r, c] of rows) {
  (by[t] ??= []).push(Number(r));
  (cpu[t] ??= []).push(Number(r) > 0 ? (Number(c) * 1e6) / (Number(r) * dur) : Infinity);
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const m = Object.fromEntries(Object.entries(by).map(([t, a]) => [t, med(a)]));
const mc = Object.fromEntries(Object.entries(cpu).map(([t, a]) => [t, med(a)]));
const f = (n) => n.toLocaleString("en-US");
console.log("| tool | median req/s | runs | CPU µs per request (median) |\n|---|---:|---|---:|");
for (const [t, a] of Object.entries(by)) console.log(`| ${t} | ${f(m[t])} | ${a.map(f).join(", ")} | ${mc[t].toFixed(1)} |`);
const ratio = (a, b, goal) => m[a] !== undefined && m[b] !== undefined && console.log(`${a} / ${b}: ${(m[a] / m[b]).toFixed(2)}x req/s${goal ? ` (goal >= ${goal}x)` : ""}, ${(mc[b] / mc[a]).toFixed(2)}x by CPU per request`);
console.log("");
ratio("peakdrill", "autocannon", 1.1);
ratio("peakdrill", "peakdrill-undici");
ratio("peakdrill-engine", "autocannon", 1.1);
ratio("peakdrill-engine", "undici-pool-dispatch", 1.0);
ratio("peakdrill", "undici-pool-dispatch", 1.0);
ratio("peakdrill-p10", "autocannon-p10", 1.0);
ratio("peakdrill-p10", "wrk");
ratio("peakdrill-journey", "peakdrill");
' "$out/rps.tsv" "$DURATION"
