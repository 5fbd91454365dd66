// The fast transport: a pool of plain-TCP HTTP/1.1 connections to one origin for requests whose
// bytes never change (choose.ts says which). It has undici's `dispatch(opts, handler)` shape and
// calls the handler as undici does (onConnect, onHeaders, onData, onComplete | onError), so
// nothing above the pool knows which transport it talks to.
//
// Why it is faster than undici for these requests (docs/design/fast-transport.md): the request
// is serialized once (`FastRequest.wire`), every request that becomes due while a read is being
// handled (the closed model's next request, pipelined answers) leaves in one write per
// connection (one corked writev), and the parser reads only status, framing and the headers
// peakdrill uses.
//
// Guarantees kept: errors carry the codes classify.ts maps (ECONNREFUSED, ECONNRESET,
// UND_ERR_SOCKET, UND_ERR_HEADERS_TIMEOUT, UND_ERR_BODY_TIMEOUT, UND_ERR_CONNECT_TIMEOUT);
// timeouts are checked by one coarse sweep per pool (every timeout/10, 50 ms to 1 s), never a
// timer per request, so a timeout fires up to one sweep late; like undici, a timeout destroys
// the connection and fails every request pipelined on it with the same error.

import { performance } from 'node:perf_hooks';
import type { Pool } from 'undici';
import { codedError, FastConnection } from './fast-connection.js';
import { tallyOpened, UNUSED_IDLE_LIMIT_MS, type Opened } from './preopened.js';
import { requestProblem, serializeRequest, type WireRequest } from './wire.js';

/** The handler calls peakdrill's pooled `Call` implements (undici's DispatchHandler subset). */
export interface FastHandler {
  onConnect(abort: () => void): void;
  onHeaders(status: number, headers: string[], resume: () => void, statusText: string): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: null): void;
  onError(err: Error): void;
}

/** A step's request with its bytes serialized; still a valid undici request. */
export interface FastRequest extends WireRequest {
  wire: Buffer;
  /** Set instead of `wire` when the rendered request is one undici would refuse. */
  invalid?: Error;
  /** The step reads the body (captures or checks on it); otherwise body bytes are skipped. */
  wantsBody: boolean;
}

export interface FastPoolOptions {
  connections: number;
  pipelining: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  /** How long a connection opened ahead may wait for its first request (default UNUSED_IDLE_LIMIT_MS). */
  unusedIdleLimitMs?: number;
}

const EMPTY = Buffer.alloc(0);

/** Headers every step's handler reads (Server-Timing, the shadow acknowledgement). */
const ALWAYS_WANTED = ['server-timing', 'x-peakdrill-shadow-ack'];

export class FastPool {
  readonly host: string;
  private readonly hostname: string;
  private readonly port: number;
  private readonly wanted = new Set(ALWAYS_WANTED);
  private readonly conns = new Set<FastConnection>();
  /** Connections with room for another request (checked again when popped). */
  private readonly free: FastConnection[] = [];
  /** Requests waiting for a connection: parallel FIFOs from `qHead`. */
  private qHandlers: FastHandler[] = [];
  private qWires: Buffer[] = [];
  private qWants: boolean[] = [];
  private qHead = 0;
  private readonly dirty: FastConnection[] = [];
  private batchDepth = 0;
  private flushScheduled = false;
  private readonly sweep: NodeJS.Timeout;
  private closed = false;
  private onIdle: (() => void) | null = null;

  constructor(
    origin: URL,
    private readonly opts: FastPoolOptions,
    private readonly general: () => Pool,
  ) {
    this.host = origin.host;
    this.hostname = origin.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(origin.port || 80);
    const every = Math.min(1_000, Math.max(50, opts.timeoutMs / 10));
    this.sweep = setInterval(this.checkTimeouts, every);
    this.sweep.unref();
  }

  /** Adds header names some step reads (before the first connection opens). */
  want(names: readonly string[]): void {
    for (const n of names) this.wanted.add(n.toLowerCase());
  }

  /** Serializes a request for this origin: once for a static step, per send for a templated one. */
  prepare(req: WireRequest, wantsBody: boolean): FastRequest {
    return { ...req, wire: serializeRequest(req, this.host), wantsBody };
  }

  /** A rendered request (templated path or headers), checked as undici checks it, then serialized. */
  prepareRendered(req: WireRequest, wantsBody: boolean): FastRequest {
    const problem = requestProblem(req);
    if (problem === null) return this.prepare(req, wantsBody);
    return { ...req, wire: EMPTY, wantsBody, invalid: codedError('UND_ERR_INVALID_ARG', problem) };
  }

  dispatch(req: FastRequest, handler: FastHandler): boolean {
    if (this.closed) {
      handler.onError(codedError('UND_ERR_CLOSED', 'the pool is closed'));
      return false;
    }
    if (req.invalid !== undefined) {
      handler.onError(req.invalid);
      return false;
    }
    const conn = this.connection();
    if (conn !== null) conn.send(req.wire, handler, req.wantsBody);
    else this.enqueue(handler, req.wire, req.wantsBody);
    return true;
  }

  /** Opens the pool's connections before any request (the warm-up); resolves once each connected or failed. */
  preconnect(): Promise<Opened> {
    const opening: Promise<boolean>[] = [];
    while (!this.closed && this.conns.size < this.opts.connections) {
      const c = this.open();
      c.idleSince = performance.now();
      c.idleLimitMs = this.opts.unusedIdleLimitMs ?? UNUSED_IDLE_LIMIT_MS;
      c.inFree = true;
      this.free.push(c);
      opening.push(new Promise((resolve) => c.whenConnected(resolve)));
    }
    return Promise.all(opening).then(tallyOpened);
  }

  /** One-off requests (preflight) are not the fast path: they go through undici. */
  readonly request: Pool['request'] = ((...args: Parameters<Pool['request']>) => this.general().request(...args)) as Pool['request'];

  // ----------------------------------------------------- called by connections

  markDirty(conn: FastConnection): void {
    if (conn.dirty) return;
    conn.dirty = true;
    this.dirty.push(conn);
    if (this.batchDepth === 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flush);
    }
  }

  /** A read is being handled: what it makes due is written once it is done. */
  enterBatch(): void {
    this.batchDepth++;
  }

  leaveBatch(): void {
    if (--this.batchDepth === 0 && !this.flushScheduled) this.flush();
  }

  /** A request finished on `conn`: give its room to a waiting request, or mark it free. */
  released(conn: FastConnection): void {
    if (conn.closing) return;
    while (conn.inFlight < this.opts.pipelining && this.qHead < this.qHandlers.length) this.sendQueued(conn);
    if (conn.inFlight < this.opts.pipelining && !conn.inFree) {
      conn.inFree = true;
      this.free.push(conn);
    }
    if (this.onIdle !== null) this.checkIdle();
  }

  /** Requests written on a connection the server closed before reading them go out again. */
  requeue(handlers: FastHandler[], wires: Buffer[], wants: boolean[]): void {
    if (handlers.length === 0) return;
    // they go to the front, in their order: they were due before anything waiting now
    this.qHandlers = [...handlers, ...this.qHandlers.slice(this.qHead)];
    this.qWires = [...wires, ...this.qWires.slice(this.qHead)];
    this.qWants = [...wants, ...this.qWants.slice(this.qHead)];
    this.qHead = 0;
    process.nextTick(this.drainQueue);
  }

  /** A connection went away; `err` is what its requests failed with. */
  removed(conn: FastConnection, err: Error, wasConnected: boolean): void {
    this.conns.delete(conn);
    if (!wasConnected && this.liveConnections() === 0) {
      // nothing can reach the target: the waiting requests fail now, as undici's do
      const handlers = this.qHandlers.slice(this.qHead);
      this.clearQueue();
      for (const h of handlers) h.onError(err);
    } else if (this.qHead < this.qHandlers.length) {
      process.nextTick(this.drainQueue);
    }
    if (this.onIdle !== null) this.checkIdle();
  }

  // ------------------------------------------------------------------ lifecycle

  /** Resolves once every request in flight has finished, then closes the connections. */
  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweep);
    return new Promise((resolve) => {
      this.onIdle = resolve;
      this.checkIdle();
    });
  }

  /** Tears every connection down now; requests in flight fail. */
  destroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweep);
    const err = codedError('UND_ERR_DESTROYED', 'the pool was destroyed');
    const handlers = this.qHandlers.slice(this.qHead);
    this.clearQueue();
    for (const h of handlers) h.onError(err);
    const closing = [...this.conns].map((c) => new Promise<void>((resolve) => c.whenGone(resolve)));
    for (const c of this.conns) c.destroy(err);
    return Promise.all(closing).then(() => undefined);
  }

  // ------------------------------------------------------------------ internals

  private connection(): FastConnection | null {
    const depth = this.opts.pipelining;
    while (this.free.length > 0) {
      const c = this.free[this.free.length - 1]!;
      if (!c.closing && c.expired()) c.end();
      if (!c.closing && c.inFlight < depth) {
        if (c.inFlight + 1 >= depth) {
          this.free.pop();
          c.inFree = false;
        }
        return c;
      }
      this.free.pop();
      c.inFree = false;
    }
    if (this.conns.size < this.opts.connections) {
      const c = this.open();
      if (depth > 1) {
        c.inFree = true;
        this.free.push(c);
      }
      return c;
    }
    return null;
  }

  private open(): FastConnection {
    const c = new FastConnection(this, this.hostname, this.port, [...this.wanted]);
    this.conns.add(c);
    return c;
  }

  private enqueue(handler: FastHandler, wire: Buffer, wants: boolean): void {
    this.qHandlers.push(handler);
    this.qWires.push(wire);
    this.qWants.push(wants);
  }

  private sendQueued(conn: FastConnection): void {
    const i = this.qHead++;
    const h = this.qHandlers[i]!;
    conn.send(this.qWires[i]!, h, this.qWants[i]!);
    if (this.qHead === this.qHandlers.length) this.clearQueue();
    else if (this.qHead > 1024 && this.qHead * 2 > this.qHandlers.length) {
      this.qHandlers = this.qHandlers.slice(this.qHead);
      this.qWires = this.qWires.slice(this.qHead);
      this.qWants = this.qWants.slice(this.qHead);
      this.qHead = 0;
    }
  }

  private clearQueue(): void {
    this.qHandlers.length = 0;
    this.qWires.length = 0;
    this.qWants.length = 0;
    this.qHead = 0;
  }

  private readonly drainQueue = (): void => {
    while (this.qHead < this.qHandlers.length) {
      const c = this.connection();
      if (c === null) return;
      this.sendQueued(c);
    }
  };

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const dirty = this.dirty;
    for (let i = 0; i < dirty.length; i++) dirty[i]!.flush();
    dirty.length = 0;
  };

  private liveConnections(): number {
    let n = 0;
    for (const c of this.conns) if (c.connected && !c.closing) n++;
    return n;
  }

  private checkIdle(): void {
    if (this.onIdle === null) return;
    for (const c of this.conns) if (c.inFlight > 0) return;
    if (this.qHead < this.qHandlers.length) return;
    const resolve = this.onIdle;
    this.onIdle = null;
    const closing = [...this.conns].map((c) => new Promise<void>((r) => c.whenGone(r)));
    for (const c of this.conns) c.end();
    void Promise.all(closing).then(() => resolve());
  }

  private readonly checkTimeouts = (): void => {
    const now = performance.now();
    for (const c of this.conns) {
      if (!c.connected) {
        if (now - c.openedAt > this.opts.connectTimeoutMs) c.destroy(codedError('UND_ERR_CONNECT_TIMEOUT', 'connect timeout'));
      } else if (c.inFlight > 0 && now - c.sentAt[0]! > this.opts.timeoutMs) {
        c.destroy(c.headSeen ? codedError('UND_ERR_BODY_TIMEOUT', 'body timeout') : codedError('UND_ERR_HEADERS_TIMEOUT', 'headers timeout'));
      }
    }
  };
}
