// The warm-up's own target: an HTTP/1.1 server on 127.0.0.1 (port 0) in a thread of its own
// (warmup-target-thread.ts), so the request path can run hot before the clock starts without one
// request reaching a target of the drill (a user comparing peakdrill's count with the target's
// own sees the same number). Its own thread, because the generator's event loop should handle
// what it handles in the drill, client sockets only: with the server's sockets on the same loop
// V8 compiled node's read path for both kinds, and second 0 at 20,000–30,000/s paid 3–19 ms of
// p99 for it (bench/RESULTS.md §8e).
// It answers every request with a small 200, keep-alive, in order, however many are pipelined,
// in turn in the shapes real targets answer with (nginx's, a node service's chunked one with
// Server-Timing, a bare one), so that V8 has seen each branch of the response path before second
// 0: a branch first taken in the drill deoptimises the code that runs it. It reads only what the
// warm-up sends: GETs without a body, so a request ends at its blank line.

import { createServer, type Server, type Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const RESPONSES = [
  'HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Fri, 04 Dec 2026 00:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nok\n',
  'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nserver-timing: app;dur=0.1, db;dur=0.05\r\nDate: Fri, 04 Dec 2026 00:00:00 GMT\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n{"ok":true}\r\n0\r\n\r\n',
  'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
].map((r) => Buffer.from(r, 'latin1'));
const END = Buffer.from('\r\n\r\n');

/** The warm-up target's thread: started, it answers until closed. */
export class WarmupTarget {
  private constructor(
    private readonly worker: Worker,
    readonly origin: string,
  ) {}

  static async start(): Promise<WarmupTarget> {
    const worker = new Worker(threadUrl());
    const origin = await new Promise<string>((resolve, reject) => {
      worker.once('message', (m: { origin: string }) => resolve(m.origin));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the warm-up target's thread exited (${code})`)));
    });
    worker.removeAllListeners();
    worker.on('error', () => undefined);
    worker.unref();
    return new WarmupTarget(worker, origin);
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

function threadUrl(): URL {
  const here = new URL('./warmup-target-thread.js', import.meta.url);
  // tests run the sources; the thread runs the build
  return existsSync(fileURLToPath(here)) ? here : new URL('../dist/warmup-target-thread.js', import.meta.url);
}

/** The server itself, in whichever thread calls `start`. */
export class LoopbackServer {
  /** Requests answered. */
  answered = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<LoopbackServer> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    const target = new LoopbackServer(server, `http://127.0.0.1:${port}`);
    server.on('connection', (s) => target.serve(s));
    return target;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    // the bytes of a request end that began in the previous chunk
    let carry: Buffer | null = null;
    let turn = 0;
    socket.on('data', (chunk: Buffer) => {
      const data = carry === null ? chunk : Buffer.concat([carry, chunk]);
      let n = 0;
      for (let at = data.indexOf(END); at !== -1; at = data.indexOf(END, at + END.length)) n++;
      const lastEnd = data.lastIndexOf(END);
      const rest = lastEnd === -1 ? data : data.subarray(lastEnd + END.length);
      carry = rest.length === 0 ? null : Buffer.from(rest.subarray(Math.max(0, rest.length - (END.length - 1))));
      if (n === 0) return;
      this.answered += n;
      socket.cork();
      for (let i = 0; i < n; i++) socket.write(RESPONSES[turn++ % RESPONSES.length]!);
      socket.uncork();
    });
  }
}
