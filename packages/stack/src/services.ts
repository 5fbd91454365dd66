// The services of the reference stack on this event loop: the store, optional Redis, the order
// queue and one HTTP server per service. startStack (stack.ts) runs them here or, with `threads`,
// one per worker thread (threads.ts), each thread calling startServices for its one service.

import http from 'node:http';
import { cart } from './cart.js';
import { processServiceToken } from './credential.js';
import { catalog } from './catalog.js';
import { type Db, type DbOptions, openDb } from './db.js';
import { gateway, type RateLimitOptions } from './gateway.js';
import { closeServer, createServer, listen, type Runtime, type Service, SERVICE_NAMES, type ServiceName } from './http.js';
import { inventory, resyncStock } from './inventory.js';
import { order } from './order.js';
import { checkPaymentOptions, payment } from './payment.js';
import { Kv } from './redis.js';
import { migrate, type SeedOptions } from './schema.js';
import { natsQueue, type NatsQueueOptions } from './nats-queue.js';
import { embeddedQueue, type OrderQueue } from './order-queue.js';
import { ShadowVerifier, signShadowTag } from './shadow.js';
import type { ShieldOptions } from './shield.js';
import type { EdgeCacheOptions } from './edge-cache.js';

export interface StackOptions {
  /** Port of the first service started; the others follow on port+1, … in SERVICE_NAMES order. 0: each gets a free port (default). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** PostgreSQL connection URL; embedded PGlite when absent. */
  pgUrl?: string;
  /** PGlite data directory (ignored with pgUrl); in-memory when absent. */
  dataDir?: string;
  /** Connections in the pg pool (default 20). */
  pgPoolSize?: number;
  /** NATS URL: the order queue of the queued path runs on JetStream; the embedded queue when absent. */
  natsUrl?: string;
  /** The JetStream stream, subject and durable consumer of the order queue (defaults PEAKDRILL_ORDERS, peakdrill.orders, order-confirm). */
  nats?: Omit<NatsQueueOptions, 'url'>;
  /** Queued orders the order service confirms at once (default 8); 0: it accepts them only, a consumer elsewhere on the same NATS stream confirms. */
  orderConfirmConcurrency?: number;
  /** Redis URL for stock pre-deduction and hot counters; off when absent. */
  redisUrl?: string;
  /** Namespace of this stack's Redis keys (default `peakdrill:`); shadow keys get `shadow:` in front. */
  redisPrefix?: string;
  /** HMAC secret of the shadow tag; default PEAKDRILL_SHADOW_SECRET. Without one no tag is honoured. */
  shadowSecret?: string;
  /** Credential the services share for internal endpoints; default PEAKDRILL_SERVICE_TOKEN. Needed when services run in separate processes; all in one process, a random one is made. */
  serviceToken?: string;
  /** Token that opens /admin/* to non-loopback clients; default PEAKDRILL_ADMIN_TOKEN. */
  adminToken?: string;
  paymentLatencyMs?: number;
  paymentFailureRate?: number;
  rateLimit?: RateLimitOptions;
  /** The gateway's flash-sale shield: sold-out marks and per-SKU in-flight caps. */
  shield?: ShieldOptions;
  /** How long the gateway answers an item read itself (`itemCacheMs`, default 250 ms; 0: every read goes to the catalog). */
  gatewayCache?: EdgeCacheOptions;
  /** TTL of catalog's in-process item cache (default 1000 ms). */
  catalogCacheTtlMs?: number;
  /** Which services to start here (default all). */
  services?: readonly ServiceName[];
  /** Each service in its own worker thread, as one process per service would run them (default: see DEFAULT_THREADS in stack.ts). */
  threads?: boolean;
  /** Base URLs of services running elsewhere (used for services not started here). */
  peers?: Partial<Record<ServiceName, string>>;
  seed?: SeedOptions;
  /** Where warnings and internal errors go (default stderr). */
  log?: (line: string) => void;
}

export interface RunningStack {
  /** Base URL per service started here, e.g. { gateway: 'http://127.0.0.1:8080', ... }. */
  urls: Partial<Record<ServiceName, string>>;
  /** Whether the store is PostgreSQL or embedded PGlite; whether Redis is used. */
  store: 'pg' | 'pglite' | 'none';
  redis: boolean;
  /** The order queue's transport, when the order service runs here. */
  queue: 'embedded' | 'nats' | 'none';
  close(): Promise<void>;
}

/** A start-up failure the operator can fix (unreachable store or Redis, port in use, bad option). */
export class StackStartError extends Error {
  readonly code: 'STORE_UNREACHABLE' | 'REDIS_UNREACHABLE' | 'NATS_UNAVAILABLE' | 'PORT_IN_USE' | 'BAD_OPTION';
  constructor(code: StackStartError['code'], message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'StackStartError';
    this.code = code;
  }
}

function reason(err: unknown): string {
  const e = err as { message?: unknown; errors?: unknown };
  // A refused connection to `localhost` is an AggregateError (IPv4 and IPv6) with an empty message.
  if (Array.isArray(e.errors) && e.errors.length > 0) return reason(e.errors[0]);
  return typeof e.message === 'string' && e.message ? e.message : String(err);
}

const INTERNAL: readonly ServiceName[] = ['inventory', 'order', 'payment'];
const NEEDS_DB: ReadonlySet<ServiceName> = new Set(['catalog', 'cart', 'inventory', 'order', 'payment']);

/** What a service thread's startServices takes from the main thread instead of doing it again. */
export interface Inner {
  /** The store to use (the embedded one over a port); not opened here. */
  store?: Db;
  /** The main thread migrated and seeded the store already. */
  migrated?: boolean;
  /** The main thread warned about a missing shadow secret already. */
  warned?: boolean;
  /** Listen only; `begin(peers)` starts the services once every thread's address is known. */
  deferStart?: boolean;
}

/** Throws the StackStartError a bad option deserves before anything is opened. */
export function checkOptions(opts: StackOptions, names: readonly ServiceName[]): void {
  for (const n of opts.services ?? []) if (!SERVICE_NAMES.includes(n)) throw new StackStartError('BAD_OPTION', `unknown service "${n}" (one of ${SERVICE_NAMES.join(', ')})`);
  if (names.length === 0) throw new StackStartError('BAD_OPTION', 'no service to start');
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port + names.length - 1 > 65535) throw new StackStartError('BAD_OPTION', `port must be 0..${65536 - names.length}, got ${port}`);
  try {
    checkPaymentOptions({ latencyMs: opts.paymentLatencyMs ?? 0, failureRate: opts.paymentFailureRate ?? 0 });
  } catch (err) {
    throw new StackStartError('BAD_OPTION', (err as Error).message);
  }
}

/** The shadow secret, the service credential and the admin token as the options and the environment give them. */
export function credentialsOf(opts: StackOptions, names: readonly ServiceName[]): { secret: string; serviceToken: string; adminToken: string | undefined } {
  const secret = opts.shadowSecret ?? process.env['PEAKDRILL_SHADOW_SECRET'] ?? '';
  let serviceToken = opts.serviceToken ?? process.env['PEAKDRILL_SERVICE_TOKEN'] ?? '';
  // order, inventory and payment call each other's internal endpoints; split over processes they need the shared token.
  const internal = INTERNAL.filter((n) => names.includes(n)).length;
  if (!serviceToken) {
    if (internal > 0 && internal < INTERNAL.length) throw new StackStartError('BAD_OPTION', 'services in separate processes share a credential: set PEAKDRILL_SERVICE_TOKEN to the same value for each');
    serviceToken = processServiceToken();
  }
  return { secret, serviceToken, adminToken: opts.adminToken ?? process.env['PEAKDRILL_ADMIN_TOKEN'] };
}

export const NO_SECRET_WARNING =
  'peakdrill stack: warning: no shadow secret (PEAKDRILL_SHADOW_SECRET): every shadow tag is treated as forged and its traffic as production.';

/** Opens the store the options name (PostgreSQL or the embedded one), migrated and seeded. */
export async function openStore(opts: StackOptions, poolSize: number): Promise<Db> {
  const d = await openDb({ ...dbOptions(opts), poolSize }).catch(storeError(opts));
  try {
    await migrate(d, opts.seed);
  } catch (err) {
    await d.close().catch(() => {});
    throw err;
  }
  return d;
}

/** The services of `opts.services` in this thread (all of them by default). */
export async function startServices(opts: StackOptions, inner: Inner = {}): Promise<RunningStack & { begin?(peers: Partial<Record<ServiceName, string>>): Promise<void> }> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const names = SERVICE_NAMES.filter((n) => (opts.services ?? SERVICE_NAMES).includes(n));
  checkOptions(opts, names);
  const port = opts.port ?? 0;
  const host = opts.host ?? '127.0.0.1';
  const { secret, serviceToken, adminToken } = credentialsOf(opts, names);
  if (!secret && !inner.warned) log(NO_SECRET_WARNING);

  const cleanup: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
  };
  try {
    let db: Db | null = null;
    if (inner.store) db = inner.store;
    else if (names.some((n) => NEEDS_DB.has(n))) db = inner.migrated ? await openDb(dbOptions(opts)).catch(storeError(opts)) : await openStore(opts, opts.pgPoolSize ?? 20);
    if (db) {
      const d = db;
      cleanup.push(() => d.close());
    }
    let kv: Kv | null = null;
    if (opts.redisUrl && (names.includes('inventory') || names.includes('catalog'))) {
      const redisUrl = opts.redisUrl;
      const k = await Kv.connect(redisUrl, opts.redisPrefix ?? 'peakdrill:').catch((err: unknown) => {
        throw new StackStartError('REDIS_UNREACHABLE', `could not connect to Redis at ${redact(redisUrl)}: ${reason(err)}`, err);
      });
      kv = k;
      cleanup.push(() => k.close());
      if (names.includes('inventory')) await resyncStock(k);
    }
    const verifier = new ShadowVerifier(secret || undefined);
    let queue: OrderQueue | null = null;
    if (names.includes('order')) {
      const natsUrl = opts.natsUrl;
      const q = natsUrl
        ? await natsQueue({ ...opts.nats, url: natsUrl }, verifier).catch((err: unknown) => {
            throw new StackStartError('NATS_UNAVAILABLE', `could not open the order queue on NATS at ${redact(natsUrl)}: ${reason(err)}`, err);
          })
        : embeddedQueue();
      queue = q;
      cleanup.push(() => q.close());
    }
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
    cleanup.push(async () => agent.destroy());
    const peers: Partial<Record<ServiceName, string>> = { ...opts.peers };
    const rt: Runtime = {
      peers,
      db,
      verifier,
      signTag: (runId) => (secret ? signShadowTag(secret, runId) : null),
      agent,
      adminToken,
      serviceToken,
      log,
      localMetrics: {},
    };
    const build: Record<ServiceName, () => Service> = {
      gateway: () => gateway({ ...opts.rateLimit, ...opts.shield, ...opts.gatewayCache }),
      catalog: () => catalog({ kv, ...(opts.catalogCacheTtlMs !== undefined ? { cacheTtlMs: opts.catalogCacheTtlMs } : {}) }),
      cart: () => cart(),
      inventory: () => inventory({ kv }),
      order: () => order({ queue: queue!, ...(opts.orderConfirmConcurrency !== undefined ? { confirmConcurrency: opts.orderConfirmConcurrency } : {}) }),
      payment: () =>
        payment({
          ...(opts.paymentLatencyMs !== undefined ? { latencyMs: opts.paymentLatencyMs } : {}),
          ...(opts.paymentFailureRate !== undefined ? { failureRate: opts.paymentFailureRate } : {}),
        }),
    };
    const urls: Partial<Record<ServiceName, string>> = {};
    const started: Service[] = [];
    for (const [i, name] of names.entries()) {
      const svc = build[name]();
      started.push(svc);
      rt.localMetrics![name] = svc.metrics;
      if (svc.close) cleanup.push(() => svc.close!());
      if (db) {
        const d = db;
        svc.metrics.gauge('db_pool_connections', 'Store connections by state (PGlite: one connection; waiting = queued queries).', () => {
          const s = d.stats();
          return [
            [{ state: 'total' }, s.total],
            [{ state: 'idle' }, s.idle],
            [{ state: 'waiting' }, s.waiting],
          ];
        });
      }
      svc.metrics.gauge('downstream_sockets', 'Keep-alive sockets to downstream services, by state.', () => [
        [{ state: 'active' }, countSockets(agent.sockets)],
        [{ state: 'free' }, countSockets(agent.freeSockets)],
      ]);
      const server = createServer(svc, rt);
      const p = port === 0 ? 0 : port + i;
      const url = await listen(server, p, host).catch((err: unknown) => {
        throw new StackStartError('PORT_IN_USE', `${name} could not listen on ${host}:${p}: ${reason(err)}`, err);
      });
      cleanup.push(() => closeServer(server));
      urls[name] = url;
      peers[name] = url;
    }
    const begin = async (all: Partial<Record<ServiceName, string>>) => {
      Object.assign(peers, all);
      for (const svc of started) await svc.start?.(rt);
    };
    const running = { urls, store: db?.kind ?? 'none', redis: kv !== null, queue: queue?.kind ?? 'none', close: closeAll } as const;
    if (inner.deferStart) return { ...running, begin };
    await begin({});
    return running;
  } catch (err) {
    await closeAll();
    if (err instanceof RangeError) throw new StackStartError('BAD_OPTION', err.message, err);
    throw err;
  }
}

function dbOptions(opts: StackOptions): DbOptions {
  return { ...(opts.pgUrl ? { pgUrl: opts.pgUrl } : {}), ...(opts.dataDir ? { dataDir: opts.dataDir } : {}), poolSize: opts.pgPoolSize ?? 20 };
}

function storeError(opts: StackOptions): (err: unknown) => never {
  return (err) => {
    throw new StackStartError('STORE_UNREACHABLE', opts.pgUrl ? `could not connect to PostgreSQL at ${redact(opts.pgUrl)}: ${reason(err)}` : `could not open the embedded store: ${reason(err)}`, err);
  };
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function countSockets(m: NodeJS.ReadOnlyDict<unknown[]>): number {
  let n = 0;
  for (const k in m) n += m[k]?.length ?? 0;
  return n;
}
