// Connections an undici pool takes before it opens its own: undici opens a connection only when
// a request needs one, so the warm-up opens the pool's connections itself, through the same
// connector undici would use (TCP or TLS, the same options), and hands them over from the
// pool's `connect` hook. A socket that died while it waited, or waited longer than a server may
// keep an idle connection (UNUSED_IDLE_LIMIT_MS), is closed and skipped.

import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { buildConnector } from 'undici';

/**
 * A connection opened ahead (preconnect) has no keep-alive hint from its server yet: it is not
 * used after this long idle, the shortest common server default (node's http: 5 s) less 1 s,
 * so no request is written into the server's close of an idle connection.
 */
export const UNUSED_IDLE_LIMIT_MS = 4_000;

export interface Opened {
  opened: number;
  failed: number;
}

/** How many of the connection attempts (true: connected) succeeded and failed. */
export function tallyOpened(oks: boolean[]): Opened {
  const opened = oks.filter(Boolean).length;
  return { opened, failed: oks.length - opened };
}

export class PreopenedSockets {
  /** Undici's `connect` option: a waiting socket if one is alive, else a new one. */
  readonly connect: buildConnector.connector;
  private readonly base: buildConnector.connector;
  private readonly waiting: Socket[] = [];
  private readonly openedAt: number[] = [];
  private closed = false;

  constructor(
    private readonly origin: URL,
    connectTimeoutMs: number,
    private readonly unusedIdleLimitMs = UNUSED_IDLE_LIMIT_MS,
  ) {
    this.base = buildConnector({ timeout: connectTimeoutMs });
    this.connect = (opts, callback) => {
      const socket = this.take();
      // undici's client expects its connector to call back later, never within the call
      if (socket !== null) process.nextTick(callback, null, socket);
      else this.base(opts, callback);
    };
  }

  /** Opens `count` connections (at most as many as are not waiting yet); resolves once each connected or failed. */
  open(count: number): Promise<Opened> {
    const url = this.origin;
    const opts: buildConnector.Options = { hostname: url.hostname, host: url.host, protocol: url.protocol, port: url.port || (url.protocol === 'https:' ? '443' : '80') };
    const tries: Promise<boolean>[] = [];
    for (let i = this.waiting.length; i < count; i++) {
      tries.push(
        new Promise((resolve) =>
          this.base(opts, (err, socket) => {
            if (err !== null || socket === null) return resolve(false);
            if (this.closed) {
              socket.destroy();
              return resolve(false);
            }
            socket.on('error', ignore);
            this.waiting.push(socket);
            this.openedAt.push(performance.now());
            resolve(true);
          }),
        ),
      );
    }
    return Promise.all(tries).then(tallyOpened);
  }

  /** Closes the connections undici never took. */
  destroy(): void {
    this.closed = true;
    for (const s of this.waiting.splice(0)) s.destroy();
    this.openedAt.length = 0;
  }

  private take(): Socket | null {
    const now = performance.now();
    for (let s = this.waiting.pop(); s !== undefined; s = this.waiting.pop()) {
      const at = this.openedAt.pop()!;
      s.off('error', ignore);
      if (!s.destroyed && s.readyState === 'open' && now - at <= this.unusedIdleLimitMs) return s;
      s.destroy();
    }
    return null;
  }
}

const ignore = (): void => undefined;
