#!/usr/bin/env bash
# Checks the deploy files without a Docker engine or a cluster (CI runs this):
#   1. docker-compose.yml with Debian's docker-compose: `docker-compose -f docker-compose.yml config -q`
#   2. the Dockerfile with dockerfile-utils (a pinned devDependency in the lock: nothing is downloaded here)
#   3. structure: multi-stage, non-root USER, every COPY source present and not .dockerignored;
#      every Kubernetes manifest parses and names apiVersion/kind; kustomization resources exist.
# usage: bash deploy/check.sh   (from anywhere; installs docker-compose with apt-get when root and missing)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fail() { echo "deploy/check: FAIL: $*" >&2; exit 1; }

if ! command -v docker-compose >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose) >/dev/null || fail "could not install docker-compose"
  else
    fail "docker-compose not found: sudo apt-get install -y docker-compose (Debian/Ubuntu)"
  fi
fi
# The secrets have no defaults: without them compose must refuse; with them (for the check only) it must validate.
secrets=(PEAKDRILL_SHADOW_SECRET PEAKDRILL_ADMIN_TOKEN PEAKDRILL_SERVICE_TOKEN PEAKDRILL_DASHBOARD_TOKEN PEAKDRILL_AGENT_TOKEN PEAKDRILL_PG_PASSWORD)
if env $(printf -- '-u %s ' "${secrets[@]}") docker-compose -f docker-compose.yml config -q 2>/dev/null; then
  fail "docker-compose.yml starts without its secrets set (use \${VAR:?message}, never a default secret)"
fi
env $(printf '%s=deploy-check-only ' "${secrets[@]}") docker-compose -f docker-compose.yml config -q || fail "docker-compose.yml does not validate"
echo "deploy/check: docker-compose.yml ok ($(docker-compose version --short))"

lint="$root/node_modules/.bin/dockerfile-utils"
[ -x "$lint" ] || fail "dockerfile-utils is not installed: run npm ci first"
"$lint" lint "$root/Dockerfile" || fail "Dockerfile lint (dockerfile-utils)"
echo "deploy/check: Dockerfile lint ok (dockerfile-utils $(node -p "require('$root/node_modules/dockerfile-utils/package.json').version"))"

node --input-type=module - "$root" <<'JS' || fail "structure"
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
const root = process.argv[2];
const problems = [];
const df = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
const lines = df.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const froms = lines.filter((l) => /^FROM\s/i.test(l));
if (froms.length < 2) problems.push('Dockerfile: expected a multi-stage build (2+ FROM)');
const users = lines.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
if (users.length === 0 || ['root', '0'].includes(users.at(-1))) problems.push('Dockerfile: the final USER must not be root');
const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const ignored = (p) => ignore.some((g) => !g.startsWith('**') && (p === g || p.startsWith(g + '/')));
for (const l of lines.filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))) {
  const args = l.split(/\s+/).slice(1).filter((a) => !a.startsWith('--'));
  for (const src of args.slice(0, -1)) {
    const p = src.replace(/\/$/, '');
    if (!existsSync(join(root, p))) problems.push(`Dockerfile: COPY source ${src} does not exist`);
    else if (ignored(p)) problems.push(`Dockerfile: COPY source ${src} is excluded by .dockerignore`);
  }
}
const require = createRequire(join(root, 'package.json'));
const YAML = require('yaml');
const k8s = join(root, 'deploy/k8s');
for (const f of readdirSync(k8s).filter((f) => f.endsWith('.yaml'))) {
  const docs = YAML.parseAllDocuments(readFileSync(join(k8s, f), 'utf8'));
  for (const d of docs) {
    if (d.errors.length) problems.push(`${f}: ${d.errors[0].message}`);
    const o = d.toJS();
    if (!o?.apiVersion || !o?.kind) problems.push(`${f}: a document without apiVersion/kind`);
    if (o?.kind === 'Kustomization') for (const r of o.resources ?? []) if (!existsSync(join(k8s, r))) problems.push(`${f}: resource ${r} missing`);
  }
}
if (problems.length) {
  for (const p of problems) console.error(`deploy/check: ${p}`);
  process.exit(1);
}
console.log('deploy/check: structure ok (multi-stage, non-root, COPY sources, k8s manifests)');
JS
