// One TCP connection of the fast transport: a FIFO of the requests written on it (pipelined up
// to the pool's depth), the response parser feeding them their answers in order, and the bytes
// waiting to be written with the next flush (one write, or one corked writev, per batch).

import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ParseError, ResponseParser, type ResponseSink } from './response-parser.js';
import type { FastHandler, FastPool } from './fast-pool.js';

const noop = (): void => undefined;
/**
 * Every connection of this thread reads into this one buffer (net's `onread`): the parser is
 * done with the bytes before the callback returns, so no Buffer is allocated per read (at 20k
 * responses a second that garbage was most of the generator's young-generation collections).
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
/** How long a politely ended connection may take to close before it is destroyed. */
const END_GRACE_MS = 1_000;

/** An error with the stable code classify.ts maps to an outcome class. */
export function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export class FastConnection implements ResponseSink {
  readonly handlers: FastHandler[] = [];
  readonly wires: Buffer[] = [];
  readonly wants: boolean[] = [];
  /** performance.now() when each in-flight request was written, for the shared timeout sweep. */
  readonly sentAt: number[] = [];
  /** Bytes queued for the next flush. */
  readonly out: Buffer[] = [];
  dirty = false;
  inFree = false;
  connected = false;
  /** No new requests: the server announced a close, or the socket is going away. */
  closing = false;
  headSeen = false;
  readonly openedAt = performance.now();
  /** When the connection last became idle, and how long the server keeps an idle one (its hint). */
  idleSince = 0;
  idleLimitMs = Infinity;
  private readonly socket: Socket;
  private goneWaiters: (() => void)[] = [];
  private connectWaiters: ((connected: boolean) => void)[] = [];
  private readonly parser: ResponseParser;
  private error: Error | null = null;
  private gone = false;

  constructor(
    private readonly pool: FastPool,
    host: string,
    port: number,
    wanted: readonly string[],
  ) {
    this.parser = new ResponseParser(this, wanted);
    this.socket = connect({ host, port, noDelay: true, onread: { buffer: READ_BUFFER, callback: this.onRead } });
    this.socket.on('connect', this.onConnect);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
  }

  get inFlight(): number {
    return this.handlers.length;
  }

  /** Takes one request: written with the pool's next flush. */
  send(wire: Buffer, handler: FastHandler, wantsBody: boolean): void {
    this.handlers.push(handler);
    this.wires.push(wire);
    this.wants.push(wantsBody);
    this.sentAt.push(performance.now());
    this.out.push(wire);
    handler.onConnect(noop);
    this.pool.markDirty(this);
  }

  flush(): void {
    this.dirty = false;
    const out = this.out;
    if (out.length === 0 || this.gone) {
      out.length = 0;
      return;
    }
    if (out.length === 1) {
      this.socket.write(out[0]!);
    } else {
      this.socket.cork();
      for (let i = 0; i < out.length; i++) this.socket.write(out[i]!);
      this.socket.uncork();
    }
    out.length = 0;
  }

  /** Ends the connection with `err` for every request still on it. */
  destroy(err: Error): void {
    if (this.error === null) this.error = err;
    this.closing = true;
    this.socket.destroy();
  }

  /** Calls `fn` with true once the socket has connected, or with false if it closed first. */
  whenConnected(fn: (connected: boolean) => void): void {
    if (this.connected || this.gone) fn(this.connected);
    else this.connectWaiters.push(fn);
  }

  /** Calls `fn` once the socket has closed (at once if it has). */
  whenGone(fn: () => void): void {
    if (this.gone) fn();
    else this.goneWaiters.push(fn);
  }

  /** Idle past the server's keep-alive hint: not to be used again. */
  expired(): boolean {
    return this.idleLimitMs !== Infinity && this.handlers.length === 0 && performance.now() - this.idleSince > this.idleLimitMs;
  }

  /** Closes an idle connection politely. */
  end(): void {
    this.closing = true;
    this.socket.end();
    // a peer that never answers our FIN must not hold the pool's close open
    setTimeout(() => this.socket.destroy(), END_GRACE_MS).unref();
  }

  // ---------------------------------------------------------------- ResponseSink

  onHead(status: number, headers: string[]): void {
    this.headSeen = true;
    this.handlers[0]!.onHeaders(status, headers, noop, '');
  }

  wantsBody(): boolean {
    return this.wants[0] === true;
  }

  onBody(buf: Buffer, start: number, end: number): void {
    // a copy: `buf` is the thread's read buffer, overwritten by the next read
    this.handlers[0]!.onData(Buffer.from(buf.subarray(start, end)));
  }

  onEnd(keepAlive: boolean): void {
    const handler = this.handlers.shift()!;
    this.wires.shift();
    this.wants.shift();
    this.sentAt.shift();
    this.headSeen = false;
    if (this.handlers.length === 0 && this.parser.keepAliveHintMs >= 0) {
      // a server that said how long it keeps an idle connection (node's http: 5 s) closes it
      // then; retire it a second before, so no request is written into that close (undici's
      // keepAliveTimeoutThreshold does the same)
      this.idleSince = performance.now();
      this.idleLimitMs = Math.max(0, this.parser.keepAliveHintMs - 1_000);
    } else if (this.parser.keepAliveHintMs < 0) {
      // no hint: the limit of a connection opened ahead no longer applies once it has answered
      this.idleLimitMs = Infinity;
    }
    if (!keepAlive) {
      // RFC 9112 §9.6: a server that sends `Connection: close` processes no later request on
      // the connection, so the ones pipelined behind it were never handled: send them again.
      this.closing = true;
      this.pool.requeue(this.handlers.splice(0), this.wires.splice(0), this.wants.splice(0));
      this.sentAt.length = 0;
      this.socket.end();
    }
    this.pool.released(this);
    handler.onComplete(null);
  }

  // ---------------------------------------------------------------- socket events

  private readonly onConnect = (): void => {
    this.connected = true;
    for (const fn of this.connectWaiters.splice(0)) fn(true);
  };

  /** Returns true: reading goes on (false would pause the socket). */
  private readonly onRead = (nread: number, buf: Uint8Array): boolean => {
    this.pool.enterBatch();
    try {
      this.parser.execute((buf as Buffer).subarray(0, nread));
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      this.destroy(err);
    } finally {
      this.pool.leaveBatch();
    }
    return true;
  };

  private readonly onError = (err: Error): void => {
    if (this.error === null) this.error = err;
  };

  private readonly onClose = (): void => {
    if (this.gone) return;
    this.gone = true;
    this.closing = true;
    if (this.error === null && this.handlers.length > 0) {
      try {
        this.parser.finish();
      } catch {
        // cut short mid-response: the same class undici reports (UND_ERR_SOCKET, a reset)
        this.error = codedError('UND_ERR_SOCKET', 'other side closed in the middle of a response');
      }
    }
    const err = this.error ?? codedError('UND_ERR_SOCKET', 'other side closed');
    const handlers = this.handlers.splice(0);
    this.wires.length = 0;
    this.wants.length = 0;
    this.sentAt.length = 0;
    this.pool.removed(this, err, this.connected);
    for (const h of handlers) h.onError(err);
    for (const fn of this.goneWaiters.splice(0)) fn();
    for (const fn of this.connectWaiters.splice(0)) fn(false);
  };
}
