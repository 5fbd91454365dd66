// `peakdrill capacity --url … --protect` against a real rate limiter: Debian's nginx with
// `limit_req` (excess answered 429 at once, `nodelay`), started by this test in a private
// prefix on 127.0.0.1. Goodput must plateau at nginx's limit past the knee, and the run pass.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProtectResult } from '@peakdrill/controller';
import type { Summary } from '@peakdrill/core';
import { startPeakdrill } from '../spawn.fixture.js';

const NGINX = '/usr/sbin/nginx';
const haveNginx = existsSync(NGINX);
// On CI a missing nginx is a failure, never a silent skip.
const suite = haveNginx || process.env['CI'] === 'true' ? describe : describe.skip;

/** A port the kernel says is free: bind port 0, read it, release it for nginx. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Nginx {
  url: string;
  dir: string;
  close(): Promise<void>;
}

/** nginx in the foreground (`daemon off`) with `limit_req` at `perSecond`, ready to answer. */
async function startNginx(perSecond: number, burst: number): Promise<Nginx> {
  if (!haveNginx) throw new Error(`nginx is missing at ${NGINX}: apt-get install -y nginx (CI=true makes this a failure)`);
  const dir = mkdtempSync(join(tmpdir(), 'peakdrill-nginx-'));
  chmodSync(dir, 0o755); // run as root, nginx's worker (nobody) must read the page
  mkdirSync(join(dir, 'www'));
  writeFileSync(join(dir, 'www', 'index.html'), 'ok\n');
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  limit_req_zone $binary_remote_addr zone=peak:1m rate=${perSecond}r/s;
  server {
    listen 127.0.0.1:${port};
    # a static file, not a return directive: return runs before limit_req would
    location / { limit_req zone=peak burst=${burst} nodelay; limit_req_status 429; root ${dir}/www; }
  }
}
`,
  );
  // -e: the error log before the config is read is ours too (not /var/log/nginx, unwritable without root)
  const child: ChildProcess = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}/`;
  const close = async (): Promise<void> => {
    if (!gone) child.kill('SIGTERM'); // our own child, by its PID; it stops its worker
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  // ready when it answers its page; a generous deadline for a busy 2-core machine
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (gone) throw new Error(`nginx exited before listening on ${url}:\n${stderr}${readLog(dir)}`);
    try {
      if ((await fetch(url)).status === 200) return { url, dir, close };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`nginx did not answer ${url} within 15 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function readLog(dir: string): string {
  const log = join(dir, 'error.log');
  return existsSync(log) ? readFileSync(log, 'utf8') : '';
}

let nginx: Nginx | null = null;
afterEach(async () => {
  await nginx?.close();
  nginx = null;
});

suite('peakdrill capacity --url --protect against nginx limit_req', () => {
  // a capacity search of 2.5 s steps and three steps past the knee, each a drill in a child
  // process, on a busy 2-core machine
  it('reports goodput plateauing at nginx\'s limit, the 429s shed, and passes', async () => {
    const LIMIT = 50;
    // the burst absorbs the generator's catch-up after a stall of a busy machine (up to 400 ms
    // of arrivals at the limit) so the knee lands near the limit; it adds at most 20 answers
    // to a step, a few req/s of goodput
    nginx = await startNginx(LIMIT, 20);
    const out = mkdtempSync(join(tmpdir(), 'peakdrill-cli-nginx-'));
    try {
      const p = startPeakdrill(['capacity', '--url', nginx.url, '--protect', '--beyond', '3', '--budget', 'errors<1%', '--budget', 'shed<5%', '--start-rate', '10', '--step-duration', '2500ms', '--warmup', '1s', '--precision', '0.25', '--max-rate', '1000', '--timeout', '500ms', '--workers', '1', '--out', out, '--json', '--quiet']);
      const code = await p.exited;
      expect(code, `${p.stderr}\n${readLog(nginx.dir)}`).toBe(0);
      const r = JSON.parse(p.stdout) as ProtectResult;
      const steps = JSON.stringify(r.steps.map((s) => ({ rate: s.rate, goodput: s.goodputRps, shed: s.shedShare })));
      // the knee is at most nginx's limit (a busy machine's stalls may find it lower)
      expect(r.kneeGoodputRps, r.sentence).toBeGreaterThanOrEqual(LIMIT * 0.4);
      expect(r.kneeGoodputRps, r.sentence).toBeLessThanOrEqual(LIMIT * 1.3);
      expect(r.steps.map((s) => s.multiple)).toEqual([1.5, 2, 3]);
      for (const s of r.steps) {
        // never more than the limit answered, whatever was offered
        expect(s.goodputRps, steps).toBeLessThanOrEqual(LIMIT * 1.3);
        expect(s.hardFailureShare, s.why).toBe(0);
        expect(s.held, s.why).toBe(true);
      }
      // the plateau: every step offered well past the limit is answered at the limit, the rest shed
      const past = r.steps.filter((s) => s.rate >= LIMIT * 1.3);
      expect(past.length, steps).toBeGreaterThan(0);
      for (const s of past) {
        expect(s.goodputRps, steps).toBeGreaterThanOrEqual(LIMIT * 0.7);
        expect(s.shedShare, steps).toBeGreaterThan(0.15);
      }
      expect(r.passed, r.sentence).toBe(true);
      // in the last step's run files: nginx's 429s counted as shed, not as 4xx errors
      const last = JSON.parse(readFileSync(join(r.steps.at(-1)!.runDir, 'summary.json'), 'utf8')) as Summary;
      expect(last.links[0]!.outcomes.shed).toBeGreaterThan(0);
      expect(last.links[0]!.outcomes.http_4xx).toBe(0);
      expect(last.links[0]!.errors).toBe(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 240_000);
});
