// The fast transport against real servers on port 0: node's http server, and raw TCP servers
// that answer chunked, pipelined, malformed, slowly, never, or close early. Counts are exact,
// failures carry the outcome class classify.ts gives undici's, timeouts fire without a timer
// per request.

import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OutcomeClass } from '@peakdrill/core';
import { classifyError } from '../classify.js';
import { FastPool, type FastHandler, type FastPoolOptions } from './fast-pool.js';

class Answer implements FastHandler {
  status = 0;
  headers: string[] = [];
  body = '';
  error: OutcomeClass | null = null;
  connected = false;
  readonly done: Promise<Answer>;
  private resolve!: (a: Answer) => void;
  constructor() {
    this.done = new Promise((r) => (this.resolve = r));
  }
  onConnect(): void {
    this.connected = true;
  }
  onHeaders(status: number, headers: string[]): boolean {
    this.status = status;
    this.headers = [...headers];
    return true;
  }
  onData(chunk: Buffer): boolean {
    this.body += chunk.toString();
    return true;
  }
  onComplete(): void {
    this.resolve(this);
  }
  onError(err: Error): void {
    this.error = classifyError(err);
    this.resolve(this);
  }
}

const servers: (Server | HttpServer)[] = [];
const pools: FastPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.destroy()));
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function listen<S extends Server | HttpServer>(s: S): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as { port: number }).port;
}

function pool(port: number, opts: Partial<FastPoolOptions> = {}): FastPool {
  const p = new FastPool(new URL(`http://127.0.0.1:${port}`), { connections: 2, pipelining: 1, timeoutMs: 10_000, connectTimeoutMs: 10_000, ...opts }, () => {
    throw new Error('no undici fallback in these tests');
  });
  pools.push(p);
  return p;
}

function send(p: FastPool, n: number, opts: { path?: string; wantsBody?: boolean } = {}): Promise<Answer[]> {
  const req = p.prepare({ path: opts.path ?? '/', method: 'GET', headers: ['user-agent', 'peakdrill-test'], body: null }, opts.wantsBody ?? false);
  const answers = Array.from({ length: n }, () => new Answer());
  for (const a of answers) p.dispatch(req, a);
  return Promise.all(answers.map((a) => a.done));
}

/** A raw TCP server: `onRequests(socket, heads)` is called with every request head read so far on the connection. */
function rawServer(onRequests: (socket: Socket, count: number, conn: number) => void): Server {
  let conns = 0;
  return createServer((socket) => {
    const conn = conns++;
    let seen = '';
    let count = 0;
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      seen += d.toString('latin1');
      const n = seen.split('\r\n\r\n').length - 1;
      if (n > count) {
        count = n;
        onRequests(socket, count, conn);
      }
    });
  });
}

describe('fast transport', () => {
  it('against node:http: exact counts, the wanted headers, the body only when asked for', async () => {
    let received = 0;
    const port = await listen(
      createHttpServer((req, res) => {
        received++;
        res.writeHead(200, { 'server-timing': 'db;dur=1.5', 'x-order-id': `o-${received}`, 'x-ignored': 'z' });
        res.end('hello');
      }),
    );
    const p = pool(port, { connections: 4 });
    p.want(['X-Order-Id']);
    const answers = await send(p, 300);
    expect(received).toBe(300);
    expect(answers.every((a) => a.status === 200 && a.error === null && a.body === '' && a.connected)).toBe(true);
    expect(answers[0]!.headers).toEqual(['server-timing', 'db;dur=1.5', 'x-order-id', expect.stringMatching(/^o-\d+$/)]);
    const withBody = await send(p, 5, { wantsBody: true });
    expect(withBody.map((a) => a.body)).toEqual(Array(5).fill('hello'));
  });

  it('pipelines: ten requests leave before the first answer, whose chunked replies come back split anywhere', async () => {
    const reply = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n';
    let maxSeen = 0;
    const port = await listen(
      rawServer((socket, count) => {
        maxSeen = count;
        if (count < 10) return; // answer only when all ten arrived: the client must not wait for answers to send
        const all = Buffer.from(reply.repeat(10));
        // dribble the answers in odd-sized pieces
        for (let at = 0; at < all.length; at += 7) socket.write(all.subarray(at, at + 7));
      }),
    );
    const p = pool(port, { connections: 1, pipelining: 10 });
    const answers = await send(p, 10, { wantsBody: true });
    expect(maxSeen).toBe(10);
    expect(answers.map((a) => `${a.status}:${a.body}`)).toEqual(Array(10).fill('200:abcde'));
  });

  it('a server that answers `Connection: close` gets the pipelined requests it did not read again, on a new connection', async () => {
    let answered = 0;
    const port = await listen(
      rawServer((socket) => {
        if (socket.writableEnded) return; // reads every pipelined request, answers only the first, then closes
        answered++;
        socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
      }),
    );
    const p = pool(port, { connections: 1, pipelining: 4 });
    const answers = await send(p, 8);
    expect(answers.every((a) => a.status === 200 && a.error === null)).toBe(true);
    expect(answered).toBe(8);
  });

  it('outcome classes: malformed → other, cut short → reset, refused → connect_refused', async () => {
    const garbage = await listen(rawServer((s) => s.end('HTTP/1.1 2OO NOT-A-STATUS\r\n\r\n')));
    expect((await send(pool(garbage), 3)).map((a) => a.error)).toEqual(['other', 'other', 'other']);

    const cut = await listen(rawServer((s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly-part')));
    expect((await send(pool(cut), 2)).map((a) => a.error)).toEqual(['reset', 'reset']);

    const dead = await listen(rawServer(() => undefined));
    const closed = servers.pop()!;
    await new Promise<void>((r) => closed.close(() => r()));
    expect((await send(pool(dead), 4)).map((a) => a.error)).toEqual(Array(4).fill('connect_refused'));
  });

  it('a silent server times out by the shared sweep (no timer per request), a slow one within the timeout does not', async () => {
    const slowMs = 150;
    const port = await listen(
      rawServer((socket, _count, conn) => {
        if (conn === 0) return; // the first connection never answers
        setTimeout(() => socket.write('HTTP/1.1 204 No Content\r\n\r\n'), slowMs);
      }),
    );
    const p = pool(port, { connections: 1, timeoutMs: 400 });
    const t0 = performance.now();
    const [stalled] = await send(p, 1);
    expect(stalled!.error).toBe('timeout');
    // fired by a sweep every timeout/10: no earlier than the timeout, within a few sweeps after it
    expect(performance.now() - t0).toBeGreaterThanOrEqual(400);
    const [slow] = await send(p, 1);
    expect(slow!.status).toBe(204);
    expect(slow!.error).toBeNull();
  });

  it('retires an idle connection before the keep-alive timeout the server announced, instead of writing into its close', async () => {
    let connections = 0;
    const port = await listen(
      rawServer((socket, count, conn) => {
        connections = Math.max(connections, conn + 1);
        if (count === 1) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nkeep-alive: timeout=1\r\n\r\n');
      }),
    );
    const p = pool(port, { connections: 1 });
    for (let i = 0; i < 3; i++) expect((await send(p, 1))[0]!.status).toBe(200);
    // timeout=1 s leaves no idle time to use (a second of margin): every request takes a fresh connection
    expect(connections).toBe(3);
  });

  it('preconnect opens the connections before any request and the requests take them; one unused past its limit is retired', async () => {
    let accepted = 0;
    const server = createHttpServer((_req, res) => res.end('ok'));
    server.on('connection', () => accepted++);
    const port = await listen(server);
    const p = pool(port, { connections: 3 });
    expect(await p.preconnect()).toEqual({ opened: 3, failed: 0 });
    // (the server may see a connection a moment after the client does)
    await vi.waitFor(() => expect(accepted).toBe(3), { timeout: 5_000 });
    expect((await send(p, 3)).map((a) => a.status)).toEqual([200, 200, 200]);
    expect(accepted).toBe(3);
    // a server may have closed a connection that waited too long: it is not written into
    const stale = pool(port, { connections: 1, unusedIdleLimitMs: 0 });
    expect(await stale.preconnect()).toEqual({ opened: 1, failed: 0 });
    await vi.waitFor(() => expect(accepted).toBe(4), { timeout: 5_000 });
    expect((await send(stale, 1))[0]!.status).toBe(200);
    expect(accepted).toBe(5);
    // nothing listening: every attempt fails, and says so
    const gone = createServer();
    const closedPort = await listen(gone);
    await new Promise<void>((r) => gone.close(() => r()));
    servers.splice(servers.indexOf(gone), 1);
    expect(await pool(closedPort, { connections: 2 }).preconnect()).toEqual({ opened: 0, failed: 2 });
  });

  it('close() waits for requests in flight, then ends the connections', async () => {
    const port = await listen(rawServer((s, count) => setTimeout(() => s.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'), 50 * count)));
    const p = pool(port, { connections: 1, pipelining: 1 });
    const pending = send(p, 3);
    await p.close();
    expect((await pending).map((a) => a.status)).toEqual([200, 200, 200]);
    const late = new Answer();
    p.dispatch(p.prepare({ path: '/', method: 'GET', headers: [], body: null }, false), late);
    expect((await late.done).error).toBe('reset'); // UND_ERR_CLOSED, as undici's closed pool
  });
});
