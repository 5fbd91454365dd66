// Connections an undici pool takes before it opens its own: undici opens a connection only when
// a request needs one, so the warm-up opens the pool's connections itself, through the same
// connector undici would use (TCP or TLS, the same options), and hands them over from the
// pool's `connect` hook. A socket that died while it waited is skipped.

import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

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
  private closed = false;

  constructor(
    private readonly origin: URL,
    connectTimeoutMs: number,
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
  }

  private take(): Socket | null {
    for (let s = this.waiting.pop(); s !== undefined; s = this.waiting.pop()) {
      s.off('error', ignore);
      if (!s.destroyed && s.readyState === 'open') return s;
      s.destroy();
    }
    return null;
  }
}

const ignore = (): void => undefined;
