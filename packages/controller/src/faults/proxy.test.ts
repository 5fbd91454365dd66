import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy, type ProxyAddress } from './proxy.js';

// A real HTTP server on port 0 behind a real proxy; every request goes through loopback sockets.
let server: http.Server;
let proxy: FaultProxy;
let via: ProxyAddress;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size') ?? '2');
    res.end('x'.repeat(size));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy = new FaultProxy({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
  via = await proxy.listen();
});
afterAll(async () => {
  await proxy.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** GET through the proxy on a fresh connection; resolves with the body and the time taken, or the error code. */
function get(path = '/', agent: http.Agent | false = false): Promise<{ body: string; ms: number } | { error: string }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const req = http.get({ host: via.host, port: via.port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ body, ms: Date.now() - t0 }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

describe('FaultProxy', () => {
  it('passes traffic through untouched when no fault is on', async () => {
    expect(await get('/?size=100000')).toMatchObject({ body: 'x'.repeat(100_000) });
  });

  it('adds latency to both directions while the fault is on, and stops when it is undone', async () => {
    proxy.set({ latencyMs: 300 });
    const slow = await get();
    expect(slow).toMatchObject({ body: 'xx' });
    // the request and its answer each wait 300 ms in the proxy
    expect((slow as { ms: number }).ms).toBeGreaterThanOrEqual(590);
    proxy.set(null);
    const fast = await get();
    expect(fast).toMatchObject({ body: 'xx' });
    expect((fast as { ms: number }).ms).toBeLessThan((slow as { ms: number }).ms);
  });

  it('resets open and new connections while the fault is on', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect(await get('/', agent)).toMatchObject({ body: 'xx' });
    expect(proxy.connections).toBe(1);
    const closed = new Promise<void>((resolve) => {
      const sock = Object.values(agent.freeSockets)[0]![0]!;
      sock.once('close', () => resolve());
    });
    const before = proxy.resets;
    proxy.set({ resetShare: 1 });
    await closed; // the pooled connection was reset by the proxy
    expect(proxy.resets).toBe(before + 1);
    const refused = await get();
    expect(refused).toEqual({ error: 'ECONNRESET' });
    proxy.set(null);
    expect(await get()).toMatchObject({ body: 'xx' });
    agent.destroy();
  });

  it('resets the share of connections it is told to, deterministically', async () => {
    proxy.set({ resetShare: 0.5 });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await get());
    proxy.set(null);
    expect(results.filter((r) => 'error' in r)).toHaveLength(2);
  });

  it('caps bandwidth', async () => {
    proxy.set({ bandwidthBps: 10_000 });
    const r = await get('/?size=10000');
    proxy.set(null);
    expect(r).toMatchObject({ body: 'x'.repeat(10_000) });
    // 10 kB at 10 kB/s: about a second (delivered in 50 ms slices)
    expect((r as { ms: number }).ms).toBeGreaterThanOrEqual(800);
  });

  it('swallows everything in a blackhole, and lets new connections through once undone', async () => {
    proxy.set({ blackhole: true });
    const pending = get();
    const outcome = await Promise.race([pending, new Promise((r) => setTimeout(() => r('no answer'), 500))]); // bounded wait for an absence
    expect(outcome).toBe('no answer');
    proxy.set(null);
    expect(await get()).toMatchObject({ body: 'xx' });
    await proxy.close(); // ends the swallowed request's connection too
    expect(await pending).toHaveProperty('error');
    via = await proxy.listen();
  });
});
