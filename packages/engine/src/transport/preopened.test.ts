import { createServer, type Server } from 'node:http';
import { Pool } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PreopenedSockets } from './preopened.js';

let server: Server | null = null;
const closing: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closing.splice(0)) await c();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

async function countingServer(): Promise<{ origin: string; accepted: () => number }> {
  let accepted = 0;
  server = createServer((_req, res) => res.end('ok'));
  server.on('connection', () => accepted++);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, accepted: () => accepted };
}

async function get(pool: Pool): Promise<number> {
  const res = await pool.request({ path: '/', method: 'GET' });
  await res.body.dump();
  return res.statusCode;
}

describe('connections opened ahead for undici', () => {
  it('undici takes them instead of opening its own; one that waited too long is closed and skipped', { timeout: 10_000 }, async () => {
    const { origin, accepted } = await countingServer();
    const sockets = new PreopenedSockets(new URL(origin), 5_000);
    expect(await sockets.open(2)).toEqual({ opened: 2, failed: 0 });
    const pool = new Pool(origin, { connections: 2, connect: sockets.connect });
    closing.push(() => pool.close(), async () => sockets.destroy());
    expect(await Promise.all([get(pool), get(pool)])).toEqual([200, 200]);
    expect(accepted()).toBe(2);

    const stale = new PreopenedSockets(new URL(origin), 5_000, 0);
    expect(await stale.open(1)).toEqual({ opened: 1, failed: 0 });
    await vi.waitFor(() => expect(accepted()).toBe(3), { timeout: 5_000 });
    const stalePool = new Pool(origin, { connections: 1, connect: stale.connect });
    closing.push(() => stalePool.close(), async () => stale.destroy());
    expect(await get(stalePool)).toBe(200);
    expect(accepted()).toBe(4);
  });
});
