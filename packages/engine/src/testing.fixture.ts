// A local target for tests: a real HTTP server on 127.0.0.1, port 0, that counts what it
// answers and can misbehave on demand (stall, reset, answer garbage, die). Test-only: exported
// as `@peakdrill/engine/testing`, never imported by product code.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export type TargetMode = 'ok' | 'stall' | 'reset' | 'garbage' | 'slow';

export interface Target {
  url: string;
  port: number;
  /** Requests received (each counted once, whatever the answer). */
  received: number;
  /** Warm-up requests (header x-peakdrill-warmup): answered at once whatever the mode, never in `received`. */
  warmups: number;
  /** Connections accepted. */
  connections: number;
  /** Headers of the last warm-up request. */
  lastWarmupHeaders: IncomingMessage['headers'] | null;
  /** Requests answered with a complete HTTP response. */
  answered: number;
  byPath: Map<string, number>;
  lastHeaders: IncomingMessage['headers'] | null;
  mode: TargetMode;
  slowMs: number;
  status: number;
  /** Extra response headers. */
  headers: Record<string, string>;
  body: string;
  /** Answers every stalled request now and returns to `ok`. */
  release(): void;
  /** Closes the listener and destroys every open connection. */
  kill(): Promise<void>;
  close(): Promise<void>;
  handler?: (req: IncomingMessage, res: ServerResponse, body: string) => boolean;
}

export async function startTarget(init: Partial<Pick<Target, 'mode' | 'slowMs' | 'status' | 'headers' | 'body'>> = {}): Promise<Target> {
  const sockets = new Set<Socket>();
  const stalled: ServerResponse[] = [];
  let server: Server;
  const t: Target = {
    url: '',
    port: 0,
    received: 0,
    warmups: 0,
    connections: 0,
    lastWarmupHeaders: null,
    answered: 0,
    byPath: new Map(),
    lastHeaders: null,
    mode: init.mode ?? 'ok',
    slowMs: init.slowMs ?? 0,
    status: init.status ?? 200,
    headers: init.headers ?? {},
    body: init.body ?? 'ok',
    release() {
      t.mode = 'ok';
      for (const res of stalled.splice(0)) answer(res);
    },
    async kill() {
      await new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      });
    },
    async close() {
      for (const res of stalled.splice(0)) res.destroy();
      await t.kill();
    },
  };
  const answer = (res: ServerResponse): void => {
    if (res.destroyed) return;
    res.writeHead(t.status, { 'content-type': 'text/plain', ...t.headers });
    res.end(t.body, () => t.answered++);
  };
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (req.headers['x-peakdrill-warmup'] !== undefined) {
        t.warmups++;
        t.lastWarmupHeaders = req.headers;
        res.end();
        return;
      }
      t.received++;
      t.lastHeaders = req.headers;
      const path = (req.url ?? '/').split('?')[0]!;
      t.byPath.set(path, (t.byPath.get(path) ?? 0) + 1);
      if (t.handler && t.handler(req, res, body)) return;
      switch (t.mode) {
        case 'stall':
          stalled.push(res);
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'garbage':
          req.socket.end('HTTP/1.1 2OO NOT-A-STATUS\r\n\r\n\x00\x01garbage');
          return;
        case 'slow':
          setTimeout(() => answer(res), t.slowMs);
          return;
        default:
          answer(res);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => {
    t.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  t.port = typeof addr === 'object' && addr ? addr.port : 0;
  t.url = `http://127.0.0.1:${t.port}`;
  return t;
}

/**
 * An oracle with a known capacity: a token bucket of `perSecond` (a tenth of a second of burst);
 * a request beyond it is answered at once with `status` (503: overloaded, 429: protected, a
 * friendly refusal). The others get the target's normal answer (200).
 */
export async function tokenBucketTarget(perSecond: number, status: number): Promise<Target> {
  const t = await startTarget();
  let tokens = perSecond / 10;
  let last = performance.now();
  t.handler = (_req, res) => {
    const now = performance.now();
    tokens = Math.min(perSecond / 10, tokens + ((now - last) / 1000) * perSecond);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return false;
    }
    res.writeHead(status).end(status === 429 ? 'sold out, try again' : 'busy');
    return true;
  };
  return t;
}
