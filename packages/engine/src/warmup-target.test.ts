import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopbackServer, WarmupTarget } from './warmup-target.js';

let target: LoopbackServer | WarmupTarget | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

/** Writes `chunks` one by one on one connection; resolves with everything read once `responses` answers arrived. */
function exchange(origin: string, chunks: string[], responses: number): Promise<string> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    let got = '';
    socket.on('error', reject);
    socket.on('data', (d) => {
      got += d.toString('latin1');
      if (got.split('HTTP/1.1 200 OK').length - 1 === responses && got.endsWith(responses % 3 === 0 ? 'ok' : '\n')) {
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('connect', async () => {
      for (const c of chunks) {
        socket.write(c);
        await new Promise((r) => setImmediate(r));
      }
    });
  });
}

describe('the warm-up target', () => {
  it('answers pipelined requests in order, and a request whose end is split across reads once', { timeout: 10_000 }, async () => {
    const server = await LoopbackServer.start();
    target = server;
    const req = 'GET / HTTP/1.1\r\nhost: x\r\nx-peakdrill-warmup: 1\r\n\r\n';
    const got = await exchange(target.origin, [req + req + req.slice(0, -3), req.slice(-3), req.slice(0, -1), '\n'], 4);
    expect(got.split('HTTP/1.1 200 OK').length - 1).toBe(4);
    // nginx's shape, a chunked one, a bare one, then nginx's again
    expect(got.match(/Content-Length: 3|Transfer-Encoding: chunked|content-length: 2/g)).toEqual(['Content-Length: 3', 'Transfer-Encoding: chunked', 'content-length: 2', 'Content-Length: 3']);
    expect(server.answered).toBe(4);
  });

  it('runs in a thread of its own, which closing ends', { timeout: 20_000 }, async () => {
    const thread = await WarmupTarget.start();
    target = thread;
    const req = 'GET / HTTP/1.1\r\nhost: x\r\n\r\n';
    expect((await exchange(thread.origin, [req + req], 2)).split('HTTP/1.1 200 OK').length - 1).toBe(2);
    await thread.close();
    target = null;
    await expect(exchange(thread.origin, [req], 1)).rejects.toThrow(/ECONNREFUSED/);
  });
});
