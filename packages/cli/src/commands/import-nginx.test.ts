// A real nginx (Debian's binary, a private prefix in a temp folder) proxies a short drill to the
// reference stack and writes its default `combined` access log; the peakdrill binary imports
// that log, and the test checks the scenario's weights and baselines against figures it
// counts itself from the log's lines. With CI=true a missing nginx fails, never skips.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '@peakdrill/core';
import { parseDocument } from 'yaml';
import { SECRET, testStack, type TestStack } from '@peakdrill/stack/testing';
import { runDrill } from '../execute.js';
import { judgeReplaySeconds, type ReplayRunVerdict } from './replay-seconds.fixture.js';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '../../bin/peakdrill.js');
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? (spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).stdout.trim() || undefined);
if (!NGINX && process.env['CI'] === 'true') throw new Error('nginx is required in CI (apt-get install nginx, see .ci/run) but was not found');

const root = mkdtempSync(join(tmpdir(), 'peakdrill-nginx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A free port on 127.0.0.1: bind port 0, note it, release it for nginx. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function until(what: string, deadlineMs: number, ok: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const connects = (port: number): Promise<boolean> =>
  new Promise((r) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), r(true)));
    s.once('error', () => r(false));
  });

interface Nginx {
  url: string;
  accessLog: string;
  stop: () => Promise<void>;
}

/**
 * nginx in the foreground, one process (no master, so the PID spawned is all there is to stop),
 * with its own prefix, config, pid, error log and temp paths under `dir`, proxying to
 * `upstream`; `logFormat` (a `log_format` body) replaces `combined` when given. A port taken
 * between picking and binding it is picked again.
 */
async function startNginx(dir: string, upstream: string, logFormat?: string): Promise<Nginx> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNginxOnce(dir, upstream, logFormat);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('Address already in use')) throw err;
    }
  }
}

async function startNginxOnce(dir: string, upstream: string, logFormat?: string): Promise<Nginx> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const port = await freePort();
  const up = new URL(upstream);
  const accessLog = join(dir, 'access.log');
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  ${logFormat ? `log_format timed '${logFormat}';` : ''}
  access_log ${accessLog}${logFormat ? ' timed' : ''};
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  upstream stack { server ${up.hostname}:${up.port}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://stack;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(NGINX!, ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const errorLog = (): string => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '');
  try {
    await until('nginx to listen', 15_000, async () => {
      if (exited) throw new Error(`nginx exited before listening: ${stderr}${errorLog()}`);
      // nginx writes its pid file once its sockets are bound: a connect before that is to someone else
      return existsSync(join(dir, 'nginx.pid')) && (await connects(port)) && !exited;
    });
  } catch (err) {
    if (!exited) process.kill(child.pid!, 'SIGKILL');
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    accessLog,
    stop: async () => {
      if (exited) return;
      const gone = once(child, 'exit');
      process.kill(child.pid!, 'SIGQUIT'); // graceful: finishes and logs the requests in flight
      const timer = setTimeout(() => child.pid && !exited && process.kill(child.pid, 'SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** The binary, run asynchronously (the stack answers from this process meanwhile). */
async function peakdrill(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PEAKDRILL_SHADOW_SECRET: SECRET } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** Link of a logged request, by the stack's own routes (independent of the importer's naming). */
function linkOf(method: string, path: string): string {
  if (method === 'GET' && /^\/api\/items\/[^/]+$/.test(path)) return 'GET /api/items/:item_id';
  if (method === 'GET' && path === '/api/items') return 'GET /api/items';
  if (method === 'GET' && /^\/api\/inventory\/[^/]+$/.test(path)) return 'GET /api/inventory/:inventory_id';
  throw new Error(`unexpected request in the log: ${method} ${path}`);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** nginx `$time_local` (`02/Dec/2026:14:03:07 +0100`) as epoch ms. */
function timeLocalMs(t: string): number {
  const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(t)!;
  const offsetMin = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  return Date.UTC(Number(m[3]), MONTHS.indexOf(m[2]!), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offsetMin * 60_000;
}

const COMBINED = /^\S+ \S+ \S+ \[([^\]]+)\] "(\S+) (\S+) HTTP\/[\d.]+" (\d{3}) \S+ "[^"]*" "[^"]*"$/;

/** Requests and busiest second per link, counted here from the combined lines. */
function figuresOf(lines: string[]): Map<string, { count: number; busiest: number }> {
  const perSecond = new Map<string, Map<string, number>>();
  for (const line of lines) {
    const m = COMBINED.exec(line);
    if (!m) throw new Error(`not an nginx combined line: ${line}`);
    const link = linkOf(m[2]!, m[3]!.split('?')[0]!);
    const secs = perSecond.get(link) ?? new Map<string, number>();
    perSecond.set(link, secs);
    secs.set(m[1]!, (secs.get(m[1]!) ?? 0) + 1);
  }
  const out = new Map<string, { count: number; busiest: number }>();
  for (const [link, secs] of perSecond) out.set(link, { count: [...secs.values()].reduce((a, b) => a + b, 0), busiest: Math.max(...secs.values()) });
  return out;
}

// A burst, then a lull, over the stack's read endpoints: small enough for a busy 2-core machine.
const DRILL = `
name: nginx-mix
targets: { gateway: "NGINX" }
http: { warmup: false }
load: { startRate: 0, stages: [{ duration: 2s, rate: 120 }, { duration: 2s, rate: 40 }] }
requests:
  - { name: detail, weight: 5, url: "/api/items/{{random.pick SKU-000001 SKU-000001 SKU-000002 SKU-000003}}" }
  - { name: list, weight: 3, url: "/api/items?page={{random.int 1 3}}&size=10" }
  - { name: stock, weight: 2, url: "/api/inventory/SKU-00000{{random.int 1 9}}" }
`;

describe.runIf(NGINX)('import access-log of a real nginx in front of the reference stack', () => {
  let stack: TestStack;
  let lines: string[] = [];
  let drilled = 0;
  const logFile = join(root, 'access.log');

  beforeAll(async () => {
    process.env['PEAKDRILL_SHADOW_SECRET'] = SECRET;
    stack = await testStack('pglite', { seed: { skus: 50, users: 10 } });
    const nginx = await startNginx(join(root, 'nginx-drill'), stack.gw);
    try {
      const plan = parseScenario(DRILL.replace('NGINX', nginx.url), join(root, 'drill.yaml'));
      const { summary, exitCode } = await runDrill(plan, { out: join(root, 'runs'), quiet: true, workers: '1', target: [], header: [], budget: [], allow: [] });
      // 4 (inconclusive: the generator fell behind on a busy machine) still leaves a real log
      expect([0, 4], JSON.stringify(summary.links.map((l) => [l.name, l.count, l.errors]))).toContain(exitCode);
      drilled = summary.links.reduce((a, l) => a + l.count, 0);
    } finally {
      await nginx.stop();
    }
    writeFileSync(logFile, readFileSync(nginx.accessLog));
    lines = readFileSync(logFile, 'utf8').trim().split('\n');
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('turns the nginx log into weights matching its mix within 2% and baselines equal to its busiest second per link', { timeout: 60_000 }, async () => {
    const expected = figuresOf(lines);
    const total = [...expected.values()].reduce((a, f) => a + f.count, 0);
    // nginx logged every request the drill sent (plus the shadow preflight's), all answered by the stack
    expect(total).toBe(lines.length);
    expect(total).toBeGreaterThanOrEqual(drilled);
    expect(lines.filter((l) => COMBINED.exec(l)![4] !== '200')).toEqual([]);
    expect(expected.size).toBe(3);

    const out = join(root, 'imported.yaml');
    const r = await peakdrill(['import', 'access-log', logFile, '-o', out, '--target', stack.gw]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('fidelity: traffic mix per link');
    expect(r.stderr).not.toContain('skipped');
    const plan = loadScenario(out);
    const weights = new Map(plan.journeys.map((j) => [j.steps[0]!.name, j.weight]));
    const weightTotal = [...weights.values()].reduce((a, b) => a + b, 0);
    expect([...weights.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [link, f] of expected) {
      expect(Math.abs(weights.get(link)! / weightTotal - f.count / total), link).toBeLessThanOrEqual(0.02);
      expect(plan.capacity.links[link]!.baseline, link).toBe(f.busiest);
    }
  });

  // The replay counts at a second nginx whose log has millisecond times ($msec), by nginx's own clock.
  const REPLAY_P99_BUDGET_MS = 50;
  it('replays that log at speed 2 through the binary: nginx\'s own per-second counts follow the recorded ×2, or the run says it was late', { timeout: 90_000 }, async () => {
    const replayFile = join(root, 'replay.yaml');
    const imp = await peakdrill(['import', 'access-log', logFile, '-o', replayFile, '--target', stack.gw, '--replay', '2']);
    expect(imp.code, imp.stderr).toBe(0);
    const imported = readFileSync(replayFile, 'utf8');
    expect(imported).toContain('  model: replay\n  log: "access.log"\n  speed: 2\n');
    // The per-second claim needs sends on time to a few ms: a p99 budget of 50 ms per link makes
    // the generator's certified lateness bound 5 ms (a tenth of the tightest budget).
    const doc = parseDocument(imported);
    expect(doc.has('capacity')).toBe(false); // a replay's capacity is written as comments
    doc.set('capacity', { links: Object.fromEntries([...new Set(lines.map((l) => { const m = COMBINED.exec(l)!; return linkOf(m[2]!, m[3]!.split('?')[0]!); }))].map((link) => [link, { p99: `${REPLAY_P99_BUDGET_MS}ms` }])) });
    writeFileSync(replayFile, doc.toString());
    const nginx = await startNginx(join(root, 'nginx-replay'), stack.gw, '$msec $request_time $request_method $request_uri $status');
    const out = join(root, 'replay-runs');
    let run;
    try {
      run = await peakdrill(['run', replayFile, '--target', `api=${nginx.url}`, '--out', out, '--json', '--workers', '1']);
    } finally {
      await nginx.stop();
    }
    expect([0, 1, 4], run.stderr).toContain(run.code);
    const summary = JSON.parse(run.stdout) as ReplayRunVerdict & { startedAt: string; latencyFrom: string };
    expect(summary.latencyFrom).toBe('scheduled');
    const start = Date.parse(summary.startedAt);
    const arrivals = readFileSync(nginx.accessLog, 'utf8').trim().split('\n').map((l) => {
      // $msec is when the line was written (the response's end); arrival is $request_time before it
      const [msec, took, method, uri, status] = l.split(' ');
      return { atMs: (Number(msec) - Number(took)) * 1000, method: method!, uri: uri!, status: status! };
    });
    // the shadow preflight comes before second 0; the replay is what follows, all answered
    const replayed = arrivals.filter((a) => a.atMs >= start);
    expect(replayed.filter((a) => a.status !== '200')).toEqual([]);
    expect(replayed.length).toBe(lines.length); // every recorded (GET) request once
    // recorded seconds from the first line's (a second with no request counts 0)
    const recordedAt = lines.map((l) => timeLocalMs(COMBINED.exec(l)![1]!));
    const perRecordedSecond: number[] = [];
    for (const at of recordedAt) {
      const i = (at - recordedAt[0]!) / 1000;
      while (perRecordedSecond.length <= i) perRecordedSecond.push(0);
      perRecordedSecond[i]!++;
    }
    const perReplaySecond = new Map<number, number>();
    for (const a of replayed) {
      const k = Math.floor((a.atMs - start) / 1000);
      perReplaySecond.set(k, (perReplaySecond.get(k) ?? 0) + 1);
    }
    expect(summary.generator.boundMs).toBe(REPLAY_P99_BUDGET_MS / 10);
    judgeReplaySeconds(perRecordedSecond, perReplaySecond, 2, summary);
  });
});
