// peakdrill's TCP fault proxy: sits between the load generators and one target, passes bytes
// through untouched, and while a fault is on adds latency, caps bandwidth, resets a share of
// the connections or swallows everything (blackhole).
//
// Hand-written on node:net rather than a library: the npm candidates are either clients of
// Toxiproxy (a Go server we cannot ship through npm) or plain pipes without faults; a timed
// queue per direction is all this needs (docs/design/fault-proxy.md).
//
// Each direction of each connection is one FIFO of chunks with a due time and one timer for
// its head: latency sets a chunk's due time, the bandwidth cap spaces chunks by their size, and
// order is never changed. A source is paused while its queue holds more than HIGH_WATER bytes.

import net from 'node:net';
import type { ProxyEffect } from '@peakdrill/core';

const HIGH_WATER = 1 << 20;

interface Queued {
  due: number;
  chunk: Buffer;
}

/** One direction of one connection: from `src` to `dst`, under the proxy's current effect. */
class Lane {
  private readonly queue: Queued[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** When the bandwidth cap lets the next byte go. */
  private freeAt = 0;

  constructor(
    private readonly src: net.Socket,
    private readonly dst: net.Socket,
    private readonly effect: () => ProxyEffect | null,
  ) {
    src.on('data', (chunk: Buffer) => this.push(chunk));
    // a side that closed (cleanly or not) ends the other once what it sent has been delivered
    src.on('end', () => this.finish());
    src.on('close', () => this.finish());
  }

  private push(chunk: Buffer): void {
    const e = this.effect();
    if (e?.blackhole) return;
    const now = Date.now();
    let due = now + (e?.latencyMs ?? 0);
    const last = this.queue[this.queue.length - 1];
    if (last && last.due > due) due = last.due;
    if (!e?.bandwidthBps) {
      if (due <= now && this.queue.length === 0) this.dst.write(chunk);
      else this.enqueue(due, chunk);
      return;
    }
    // slices of 50 ms worth at the cap, each due when the cap has carried it
    const slice = Math.max(1, Math.floor(e.bandwidthBps / 20));
    for (let at = 0; at < chunk.length; at += slice) {
      const piece = chunk.subarray(at, at + slice);
      this.freeAt = Math.max(due, this.freeAt) + (piece.length * 1000) / e.bandwidthBps;
      this.enqueue(this.freeAt, piece);
    }
  }

  private enqueue(due: number, chunk: Buffer): void {
    this.queue.push({ due, chunk });
    this.bytes += chunk.length;
    if (this.bytes > HIGH_WATER) this.src.pause();
    this.arm();
  }

  private arm(): void {
    if (this.timer !== null) return;
    const head = this.queue[0];
    if (!head) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, head.due - Date.now()));
  }

  private flush(): void {
    this.timer = null;
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.due <= now) {
      const { chunk } = this.queue.shift()!;
      this.bytes -= chunk.length;
      if (!this.dst.destroyed) this.dst.write(chunk);
    }
    if (this.bytes <= HIGH_WATER && this.src.isPaused()) this.src.resume();
    if (this.queue.length > 0) this.arm();
    else this.onDrained?.();
  }

  private onDrained: (() => void) | undefined;
  private finish(): void {
    const end = (): void => {
      if (!this.dst.destroyed) this.dst.end();
    };
    if (this.queue.length === 0) end();
    else this.onDrained = end;
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
  }
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  lanes: Lane[];
}

export interface ProxyAddress {
  host: string;
  port: number;
}

export class FaultProxy {
  private server: net.Server | null = null;
  private readonly pairs = new Set<Pair>();
  private current: ProxyEffect | null = null;
  /** Deterministic share of resets: a connection is reset each time this crosses 1. */
  private resetCredit = 0;
  /** Connections reset since the proxy started. */
  resets = 0;

  constructor(private readonly upstream: ProxyAddress) {}

  /** Listens on 127.0.0.1 (port 0 = any free port); resolves with the address to send to. */
  listen(port = 0): Promise<ProxyAddress> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const a = server.address() as net.AddressInfo;
        resolve({ host: '127.0.0.1', port: a.port });
      });
    });
  }

  get effect(): ProxyEffect | null {
    return this.current;
  }

  get connections(): number {
    return this.pairs.size;
  }

  /** Turns a fault on (resetting its share of the open connections at once) or off (null). */
  set(effect: ProxyEffect | null): void {
    this.current = effect;
    this.resetCredit = 0;
    if (effect?.resetShare) for (const p of [...this.pairs]) this.maybeReset(p);
  }

  private maybeReset(p: Pair): boolean {
    const share = this.current?.resetShare ?? 0;
    if (share <= 0) return false;
    this.resetCredit += share;
    if (this.resetCredit < 1 - 1e-9) return false;
    this.resetCredit -= 1;
    this.resets++;
    this.drop(p, true);
    return true;
  }

  private accept(client: net.Socket): void {
    client.setNoDelay(true);
    const upstream = net.connect({ host: this.upstream.host, port: this.upstream.port });
    upstream.setNoDelay(true);
    const pair: Pair = { client, upstream, lanes: [] };
    this.pairs.add(pair);
    const effect = (): ProxyEffect | null => this.current;
    pair.lanes.push(new Lane(client, upstream, effect), new Lane(upstream, client, effect));
    const broken = (): void => this.drop(pair, false);
    const closed = (): void => {
      if (client.destroyed && upstream.destroyed) this.pairs.delete(pair);
    };
    client.on('error', broken).on('close', closed);
    upstream.on('error', broken).on('close', closed);
    this.maybeReset(pair);
  }

  /** Ends both sides; a reset sends RST to the client (ECONNRESET there), not a clean FIN. */
  private drop(p: Pair, reset: boolean): void {
    if (!this.pairs.delete(p)) return;
    for (const l of p.lanes) l.close();
    if (reset) {
      resetSocket(p.client);
      resetSocket(p.upstream);
    } else {
      p.client.destroy();
      p.upstream.destroy();
    }
  }

  close(): Promise<void> {
    for (const p of [...this.pairs]) this.drop(p, false);
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}

function resetSocket(s: net.Socket): void {
  try {
    s.resetAndDestroy();
  } catch {
    s.destroy(); // not connected yet: nothing to reset
  }
}
