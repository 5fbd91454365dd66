// The small HTTP layer every service is built on: routing (router.ts), bounded JSON bodies,
// JSON errors, shadow-tag handling, Server-Timing, metrics, and keep-alive calls to downstream
// services.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Db, Schema, Sql } from './db.js';
import { type Downstream, send } from './downstream.js';
import { FaultState, faultRoutes, withFaults } from './faults.js';
import { Metrics, type TrafficKind } from './metrics.js';
import { HttpError } from './errors.js';
import { compile, match, type Compiled } from './router.js';
export { isLoopback, requireAdmin, tokenMatches } from './admin.js';
import { SHADOW_ACK_HEADER, SHADOW_HEADER, type ShadowVerifier, type Suspect, suspectOf } from './shadow.js';

export const SERVICE_NAMES = ['gateway', 'catalog', 'cart', 'inventory', 'order', 'payment'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Largest request body any service accepts; more is answered 413. */
export const MAX_BODY_BYTES = 64 * 1024;

export { HttpError } from './errors.js';

export interface Reply {
  status: number;
  /** A Buffer is sent as is (with `contentType`); anything else as JSON. */
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}


/** What each service shares with the others in its process: peers, store, tag verifier, agent. */
export interface Runtime {
  readonly peers: Partial<Record<ServiceName, string>>;
  readonly db: Db | null;
  readonly verifier: ShadowVerifier;
  readonly agent: http.Agent;
  readonly adminToken: string | undefined;
  /** Shared by the stack's services; sent on every downstream call, required by internal endpoints. */
  readonly serviceToken: string;
  /** Signs a shadow tag for `runId` (the order queue's consumer routes a queued shadow order with it); null without a secret. */
  readonly signTag: (runId: string) => string | null;
  readonly log: (line: string) => void;
  /** The metrics of the services started in this process (GET /admin/metrics reads them directly). */
  readonly localMetrics?: Partial<Record<ServiceName, Metrics>>;
}

export type Handler = (ctx: Ctx) => Promise<Reply> | Reply;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `/items/:sku`; a `:name` segment matches one non-empty path segment. */
  pattern: string;
  handler: Handler;
}

export interface Service {
  readonly name: ServiceName;
  readonly metrics: Metrics;
  readonly routes: readonly Route[];
  /** Told of each request that claims to be test traffic but failed verification (the gateway records them). */
  suspect?(s: Suspect, method: string): void;
  /** Told of each verified shadow request (the gateway keeps each run's time window). */
  shadowSeen?(runId: string): void;
  /** Called once every service of this process listens (peers known): background work starts here. */
  start?(rt: Runtime): Promise<void>;
  close?(): Promise<void>;
}

/** Sent by every service on its downstream calls; the internal endpoints require it (credential.ts). */
export const SERVICE_TOKEN_HEADER = 'x-peakdrill-service-token';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** One request in flight: its parsed parts, where it routes (production or shadow), and its timings. */
export class Ctx {
  readonly req: IncomingMessage;
  readonly rt: Runtime;
  readonly params: Record<string, string>;
  readonly search: string;
  readonly body: Buffer | null;
  /** The verified run id of shadow traffic; null for real traffic. */
  readonly runId: string | null;
  /** The run a production request claimed to belong to but could not prove (unsigned, forged tag). */
  readonly claimedRun: string | null;
  readonly #tag: string | undefined;
  dbMs = 0;
  readonly timing: string[] = [];
  /** False once a downstream hop answered a shadow request without acknowledging shadow routing. */
  acked = true;

  constructor(req: IncomingMessage, rt: Runtime, params: Record<string, string>, search: string, body: Buffer | null, runId: string | null, claimedRun: string | null) {
    this.req = req;
    this.rt = rt;
    this.params = params;
    this.search = search;
    this.body = body;
    this.runId = runId;
    this.claimedRun = claimedRun;
    this.#tag = runId === null ? undefined : (req.headers[SHADOW_HEADER] as string);
  }

  get schema(): Schema {
    return this.runId === null ? 'public' : 'shadow';
  }

  /**
   * What a written row records in `run_id`: the verified run in shadow tables; in production
   * tables the run a request claimed without proof, so the audit can count such rows as leaked.
   */
  get rowRun(): string | null {
    return this.runId ?? this.claimedRun;
  }

  /** The verified shadow tag header as received; undefined for real traffic. */
  get tag(): string | undefined {
    return this.#tag;
  }

  get kind(): TrafficKind {
    return this.runId === null ? 'production' : 'shadow';
  }

  param(name: string): string {
    return this.params[name] ?? '';
  }

  query(): URLSearchParams {
    return new URLSearchParams(this.search);
  }

  /** The body parsed as a JSON object; 400 when it is not one. */
  json(): Record<string, unknown> {
    if (!this.body || this.body.length === 0) throw new HttpError(400, 'BODY_REQUIRED', 'Send a JSON object as the request body.');
    let v: unknown;
    try {
      v = JSON.parse(this.body.toString('utf8'));
    } catch {
      throw new HttpError(400, 'BAD_JSON', 'The request body is not valid JSON.');
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'BAD_JSON', 'The request body must be a JSON object.');
    return v as Record<string, unknown>;
  }

  private get store(): Db {
    if (!this.rt.db) throw new Error('this service has no store');
    return this.rt.db;
  }

  async sql<R>(text: string, params?: readonly unknown[]): Promise<R[]> {
    const t0 = performance.now();
    try {
      return await this.store.query<R>(text, params);
    } finally {
      this.dbMs += performance.now() - t0;
    }
  }

  async tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await this.store.tx(fn);
    } finally {
      this.dbMs += performance.now() - t0;
    }
  }

  /** Calls a downstream service, passing the shadow tag on, and records the hop in Server-Timing. */
  async call(hop: ServiceName, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Downstream> {
    const h: Record<string, string> = { ...headers };
    if (this.#tag !== undefined && this.runId !== null) {
      h[SHADOW_HEADER] = this.#tag;
      h['baggage'] = `peakdrill-shadow=${this.runId}`;
    } else if (this.claimedRun !== null) {
      // the claim travels on as baggage does, so each service records it on what it writes
      h['baggage'] = `peakdrill-shadow=${this.claimedRun}`;
    }
    const t0 = performance.now();
    const res = await callPeer(this.rt, hop, method, path, body, h);
    this.timing.push(`${hop};dur=${(performance.now() - t0).toFixed(1)}`);
    const st = res.headers['server-timing'];
    if (typeof st === 'string' && st.length > 0) this.timing.push(st.replace(/(^|,\s*)/g, `$1${hop}.`));
    if (this.runId !== null && res.headers[SHADOW_ACK_HEADER] !== this.runId) this.acked = false;
    return res;
  }
}

/**
 * One service calling another with the stack's service credential, the body as given (a Buffer)
 * or as JSON. `Ctx.call` adds a request's shadow tag and timing; background work (the order
 * queue's consumer, the gateway's hot-key hand-over) calls this directly.
 */
export function callPeer(rt: Runtime, hop: ServiceName, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Downstream> {
  const base = rt.peers[hop];
  if (!base) return Promise.reject(new HttpError(503, 'UPSTREAM_UNAVAILABLE', `The ${hop} service is not configured.`, { hop }));
  const h: Record<string, string> = { ...headers, [SERVICE_TOKEN_HEADER]: rt.serviceToken };
  let payload: Buffer | undefined;
  if (body !== undefined) {
    payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    h['content-type'] ??= 'application/json';
    h['content-length'] = String(payload.length);
  }
  return send(rt.agent, base + path, method, h, payload, hop);
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_BODY_BYTES) return resolve('too-large');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.pause();
        resolve('too-large');
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function errorBody(err: HttpError): Record<string, unknown> {
  return { code: err.code, message: err.message, ...err.extra };
}

/** Builds the node:http server of one service: its routes plus /healthz and /metrics. */
export function createServer(svc: Service, rt: Runtime): http.Server {
  const faults = new FaultState();
  const routes = compile([
    ...withFaults(svc.routes, faults),
    ...faultRoutes(faults),
    { method: 'GET', pattern: '/healthz', handler: () => ({ status: 200, body: { status: 'ok', service: svc.name } }) },
    {
      method: 'GET',
      pattern: '/metrics',
      handler: () => ({ status: 200, body: Buffer.from(svc.metrics.render()), contentType: 'text/plain; version=0.0.4; charset=utf-8' }),
    },
  ]);
  const server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 60_000 }, (req, res) => {
    handle(svc, rt, routes, req, res).catch((err: unknown) => {
      // Only a bug gets here (handle answers every error it expects); never let it end the process.
      rt.log(`peakdrill stack: ${svc.name}: ${(err as Error)?.stack ?? String(err)}`);
      res.destroy();
    });
  });
  return server;
}

async function handle(svc: Service, rt: Runtime, routes: Compiled[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const t0 = performance.now();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const search = q === -1 ? '' : url.slice(q + 1);
  const method = req.method ?? 'GET';
  const tag = rt.verifier.verify(req.headers[SHADOW_HEADER]);
  if (tag.kind === 'forged') svc.metrics.inc('shadow_forged_total', 'Requests whose shadow tag failed verification (handled as production).');
  const runId = tag.kind === 'verified' ? tag.runId : null;
  const suspect = tag.kind === 'verified' && req.headers['baggage'] === undefined ? null : suspectOf(tag, req.headers[SHADOW_HEADER], req.headers['baggage']);
  if (suspect !== null) svc.suspect?.(suspect, method);
  const claimedRun = runId === null && suspect !== null ? suspect.run : null;
  if (runId !== null) svc.shadowSeen?.(runId);
  let routeName = 'unmatched';
  let ctx: Ctx | null = null;
  let reply: Reply;
  try {
    const m = match(routes, method, path);
    if (m === null) throw new HttpError(404, 'NOT_FOUND', `No route for ${method} ${path}.`);
    if (m === 'method') throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}.`);
    routeName = m.route.pattern;
    let body: Buffer | null = null;
    if (BODY_METHODS.has(method)) {
      const b = await readBody(req);
      if (b === 'too-large') {
        res.setHeader('connection', 'close');
        throw new HttpError(413, 'BODY_TOO_LARGE', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
      }
      body = b;
    }
    ctx = new Ctx(req, rt, m.params, search, body, runId, claimedRun);
    reply = await m.route.handler(ctx);
  } catch (err) {
    if (err instanceof HttpError) {
      reply = { status: err.status, body: errorBody(err), ...(err.headers ? { headers: err.headers } : {}) };
    } else {
      rt.log(`peakdrill stack: ${svc.name}: ${method} ${path}: ${(err as Error)?.stack ?? String(err)}`);
      reply = { status: 500, body: { code: 'INTERNAL', message: 'An internal error occurred.' } };
    }
  }
  const payload = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(JSON.stringify(reply.body));
  const ms = performance.now() - t0;
  let timing = '';
  if (ctx) {
    for (const t of ctx.timing) timing += t + ', ';
    if (ctx.dbMs > 0) timing += `db;dur=${ctx.dbMs.toFixed(1)}, `;
  }
  timing += `total;dur=${ms.toFixed(1)}`;
  const headers: Record<string, string | number> = {
    'content-type': reply.contentType ?? 'application/json; charset=utf-8',
    'content-length': payload.length,
    'server-timing': timing,
    ...reply.headers,
  };
  if (runId !== null && ctx?.acked !== false) headers[SHADOW_ACK_HEADER] = runId;
  if (!res.headersSent && !res.destroyed) {
    res.writeHead(reply.status, headers);
    res.end(payload);
  }
  svc.metrics.request(routeName, runId === null ? 'production' : 'shadow', reply.status, ms / 1000);
}

/** Starts listening; resolves with the base URL. */
export function listen(server: http.Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve(`http://${h === '0.0.0.0' ? '127.0.0.1' : h}:${a.port}`);
    });
  });
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

// Input checks shared by the services: each names the field and says what to send instead.

export const SKU_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const ORDER_ID_RE = /^[A-Za-z0-9_-]{1,80}$/;
export const USER_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function field(o: Record<string, unknown>, name: string, re: RegExp): string {
  const v = o[name];
  if (typeof v !== 'string' || !re.test(v)) throw new HttpError(400, 'BAD_FIELD', `"${name}" must be a string matching ${re.source}.`, { field: name });
  return v;
}

export function intField(o: Record<string, unknown>, name: string, min: number, max: number): number {
  const v = o[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new HttpError(400, 'BAD_FIELD', `"${name}" must be an integer from ${min} to ${max}.`, { field: name });
  }
  return v;
}

export function pathParam(ctx: Ctx, name: string, re: RegExp): string {
  const v = ctx.param(name);
  if (!re.test(v)) throw new HttpError(400, 'BAD_PARAM', `The path parameter "${name}" must match ${re.source}.`, { param: name });
  return v;
}

export function queryInt(q: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new HttpError(400, 'BAD_QUERY', `"${name}" must be an integer from ${min} to ${max}.`, { param: name });
  return v;
}

export function ok(body: unknown, status = 200): Reply {
  return { status, body };
}
