// Test support: real PostgreSQL and Redis when the machine has them (CI must), a fresh
// database per test file, and small helpers to drive a started stack over HTTP.

import net from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Kv } from './redis.js';
import { signShadowTag } from './shadow.js';
import { type RunningStack, startStack, type StackOptions } from './stack.js';

export const PG_ADMIN_URL = process.env['PEAKDRILL_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const NATS_URL = process.env['PEAKDRILL_TEST_NATS'] ?? 'nats://127.0.0.1:4222';
export const REDIS_URL = process.env['PEAKDRILL_TEST_REDIS'] ?? 'redis://127.0.0.1:6379';
export const SECRET = 'test-secret';
/** The service credential of every test stack (internal endpoints require it). */
export const SERVICE_TOKEN = 'test-service-token';

function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port), u.hostname);
    s.setTimeout(1000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** Whether a service the tests need is there; in CI a missing one fails the run instead of skipping. */
async function available(name: string, url: string): Promise<boolean> {
  const ok = await reachable(url);
  if (!ok && process.env['CI'] === 'true') throw new Error(`${name} is required in CI but not reachable at ${url}`);
  return ok;
}

export const hasPg = await available('PostgreSQL', PG_ADMIN_URL);
export const hasRedis = await available('Redis', REDIS_URL);
export const hasNats = await available('NATS', NATS_URL.replace(/^nats:/, 'http:'));

/** A new, empty PostgreSQL database for one test file; drop() removes it. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `pdstack_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export type StoreKind = 'pglite' | 'pg';

export interface TestStack extends RunningStack {
  gw: string;
  /** The fresh PostgreSQL database of a `pg` stack. */
  pgUrl?: string;
  /** The Redis key prefix of a stack started with `redis: true`. */
  redisPrefix?: string;
}

/** Starts a quiet stack on free ports with a small seed; the store is PGlite or a fresh PostgreSQL database. */
export async function testStack(store: StoreKind, opts: StackOptions & { redis?: boolean } = {}): Promise<TestStack> {
  const db = store === 'pg' ? await freshDatabase() : null;
  const { redis, ...rest } = opts;
  const redisPrefix = `pdtest:${randomBytes(4).toString('hex')}:`;
  const stack = await startStack({
    shadowSecret: SECRET,
    serviceToken: SERVICE_TOKEN,
    log: () => {},
    seed: { skus: 200, users: 50 },
    rateLimit: { globalRps: 0, skuRps: 0 },
    ...(db ? { pgUrl: db.url } : {}),
    ...(redis ? { redisPrefix } : {}),
    ...(redis ? { redisUrl: REDIS_URL, redisPrefix } : {}),
    ...rest,
  });
  return {
    ...stack,
    gw: stack.urls.gateway!,
    ...(db ? { pgUrl: db.url } : {}),
    ...(redis ? { redisPrefix } : {}),
    async close() {
      await stack.close();
      await db?.drop();
      if (redis) {
        const kv = await Kv.connect(REDIS_URL, redisPrefix);
        await kv.clear('public', '');
        await kv.clear('shadow', '');
        await kv.close();
      }
    },
  };
}

export function shadowHeaders(runId: string, secret = SECRET): Record<string, string> {
  return { 'x-peakdrill-shadow': signShadowTag(secret, runId), baggage: `peakdrill-shadow=${runId}` };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const r = await fetch(base + path, init);
  const text = await r.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { raw: text };
  }
  return { status: r.status, headers: r.headers, body: parsed };
}

export async function metric(base: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(base + '/metrics')).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
