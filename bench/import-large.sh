#!/usr/bin/env bash
# `peakdrill import access-log` on a ~2 GB nginx log (issue 16: "memory stays bounded on a large
# log"): writes the log, imports it, prints wall time, lines/s and the importer's peak RSS, and
# fails when the peak RSS is above RSS_BOUND_MIB. Not a unit test: it takes minutes.
#   bash bench/import-large.sh                  # ~2 GB, bound 256 MiB
#   SIZE_MB=500 RSS_BOUND_MIB=256 bash bench/import-large.sh
#   HEAP_MIB=64 bash bench/import-large.sh      # also cap V8's old space: an importer whose live
#                                               # heap grew with the log would die of it
#
# The log: nginx combined lines at 1,000 requests a second (timestamps advance one second per
# 1,000 lines, so a 2 GB log spans ~3 hours), five routes with distinct order ids on every order
# line (the id tallies must stay bounded), a query string, and one malformed line per 100,000
# (reported as skipped, with examples). Written by one Node process in 8 MiB chunks.
#
# Why 256 MiB: the importer holds bounded tallies (TopKeys, a sliding window of seconds, one
# histogram); the process is Node (~50 MiB at start) plus 256 KiB read chunks. An importer that
# kept a line, an id or a second per line would pass 256 MiB well before 2 GB.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SIZE_MB=${SIZE_MB:-2048}
RSS_BOUND_MIB=${RSS_BOUND_MIB:-256}
heap_flag=()
[ -n "${HEAP_MIB:-}" ] && heap_flag=("--max-old-space-size=$HEAP_MIB")
dir=$(mktemp -d "${TMPDIR:-/tmp}/peakdrill-import-large-XXXXXX")
trap 'rm -rf "$dir"' EXIT
log="$dir/access.log"

need_mb=$((SIZE_MB + 100))
avail_mb=$(df -Pm "$dir" | awk 'NR==2{print $4}')
if [ "$avail_mb" -lt "$need_mb" ]; then
  echo "import-large: $avail_mb MB free in $dir, need $need_mb MB (set SIZE_MB lower)" >&2
  exit 2
fi

start=$(date +%s.%N)
node - "$log" "$SIZE_MB" <<'EOF'
const { openSync, writeSync, closeSync } = require('node:fs');
const [file, sizeMb] = process.argv.slice(2);
const target = Number(sizeMb) * 1024 * 1024;
const fd = openSync(file, 'w');
const t0 = Date.UTC(2026, 10, 11, 0, 0, 0);
const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n) => String(n).padStart(2, '0');
const stampOf = (ms) => { const d = new Date(ms); return `${p2(d.getUTCDate())}/${mon[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`; };
const ua = '"https://shop.example/" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"';
let written = 0;
let i = 0;
while (written < target) {
  let chunk = '';
  while (chunk.length < 8 * 1024 * 1024) {
    const stamp = stampOf(t0 + Math.floor(i / 1000) * 1000); // one second per 1,000 lines
    for (let j = 0; j < 1000; j++, i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      let req;
      switch (i % 10) {
        case 0: case 1: case 2: req = `GET /api/items/SKU-${String(i % 5000).padStart(6, '0')}?page=${i % 50}`; break;
        case 3: case 4: req = `POST /api/cart/U-${i % 20000}/items`; break;
        case 5: req = `POST /api/orders`; break;
        case 6: case 7: req = `GET /api/orders/${100_000_000 + i}`; break;
        case 8: req = `POST /api/orders/${100_000_000 + i}/pay`; break;
        default: req = `GET /api/hot-items?limit=20`;
      }
      chunk += i % 100_000 === 99_999
        ? `garbage line ${i} that no log format matches\n`
        : `${ip} - - [${stamp}] "${req} HTTP/1.1" ${i % 97 === 0 ? 503 : 200} ${200 + (i % 800)} ${ua}\n`;
    }
  }
  written += writeSync(fd, chunk);
}
closeSync(fd);
console.error(`wrote ${(written / 1024 / 1024).toFixed(0)} MiB, ${i.toLocaleString('en-US')} lines`);
EOF
gen_s=$(echo "$(date +%s.%N) - $start" | bc)
bytes=$(stat -c %s "$log")
lines=$(wc -l < "$log")
echo "generated ${bytes} bytes, ${lines} lines in ${gen_s} s"

# /usr/bin/time -v reports the importer's own peak RSS (the high-water mark the kernel keeps).
/usr/bin/time -v -o "$dir/time.txt" node "${heap_flag[@]}" "$here/../packages/cli/bin/peakdrill.js" import access-log "$log" -o "$dir/imported.yaml" 2> "$dir/stderr.txt" || {
  echo "import failed:" >&2
  cat "$dir/stderr.txt" >&2
  exit 1
}
head -5 "$dir/stderr.txt"
wall=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$dir/time.txt")
rss_kib=$(awk -F': ' '/Maximum resident set size/{print $2}' "$dir/time.txt")
cpu=$(awk -F': ' '/Percent of CPU/{print $2}' "$dir/time.txt")
node -e '
const [wall, rssKib, lines, bytes, bound, cpu] = process.argv.slice(1);
const parts = wall.split(":").map(Number);
const s = parts.reduce((a, x) => a * 60 + x, 0);
const out = { sizeMiB: +(bytes / 1048576).toFixed(0), lines: +lines, wallS: +s.toFixed(1), linesPerS: Math.round(lines / s), mibPerS: +(bytes / 1048576 / s).toFixed(1), peakRssMiB: +(rssKib / 1024).toFixed(1), rssBoundMiB: +bound, cpu };
console.log(JSON.stringify(out));
if (out.peakRssMiB > out.rssBoundMiB) { console.error(`peak RSS ${out.peakRssMiB} MiB is above the bound of ${bound} MiB`); process.exit(1); }
' "$wall" "$rss_kib" "$lines" "$bytes" "$RSS_BOUND_MIB" "$cpu"
