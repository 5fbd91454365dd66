#!/usr/bin/env bash
# capacity --protect against nginx with limit_req (excess answered 429): the goodput must
# plateau at the limit and the run pass. Starts its own nginx on 127.0.0.1:18181 in a temp
# folder and stops it at the end. Figures are noisy on a shared machine.
#   bash bench/protect/nginx-limit-req.sh [RATE_LIMIT=200]
set -euo pipefail
LIMIT="${1:-200}"
HERE="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="$(mktemp -d)"
chmod 755 "$DIR" # the nginx worker (nobody) reads the page
mkdir -p "$DIR/www" && echo ok > "$DIR/www/index.html"
cat > "$DIR/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $DIR/nginx.pid;
error_log $DIR/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $DIR/body; proxy_temp_path $DIR/proxy; fastcgi_temp_path $DIR/fcgi; uwsgi_temp_path $DIR/uwsgi; scgi_temp_path $DIR/scgi;
  limit_req_zone \$binary_remote_addr zone=peak:1m rate=${LIMIT}r/s;
  server {
    listen 127.0.0.1:18181;
    # a static file, not a return directive: return runs before limit_req would
    location / { limit_req zone=peak burst=20 nodelay; limit_req_status 429; root $DIR/www; }
  }
}
CONF
nginx -c "$DIR/nginx.conf" -p "$DIR"
trap 'kill "$(cat "$DIR/nginx.pid")" 2>/dev/null || true; rm -rf "$DIR"' EXIT
node "$HERE/packages/cli/bin/peakdrill.js" capacity --url http://127.0.0.1:18181/ --budget "errors<1%" --budget "shed<5%" \
  --protect --beyond 3 --start-rate 50 --step-duration 3s --warmup 1s --precision 0.25 --workers 1 --out "$DIR/runs" --quiet --json \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(r.sentence);for(const p of r.steps)console.log(`${p.multiple}x ${p.rate}/s goodput ${p.goodputRps} req/s hard ${(p.hardFailureShare*100).toFixed(2)}% ${p.held?"held":"BROKE"}`);process.exitCode=r.passed?0:1})'
