// Redis as the flash-sale shield: stock is pre-deducted here by one Lua script, so a stampede
// of buyers of a sold-out SKU is turned away without touching the database (the record of truth).
// Shadow traffic uses the same keys behind a `shadow:` prefix.

import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import type { Schema } from './db.js';
import type { Held, HeldKind } from './holds.js';

// Stock figures and the record of each take beside them (holds.ts says why); every script
// touches one figure's keys together, so a take and its record are one step.

// KEYS: stock keys, then their held hashes; ARGV: orderId, kind, epoch ms, quantities.
// All-or-nothing: {1, left...} taken and recorded; {2, i, left} KEYS[i+1] is short;
// {3, i} KEYS[i+1] is not loaded (the caller loads it from the store and retries).
const RESERVE = `
local n = #KEYS / 2
for i = 1, n do
  local v = redis.call('GET', KEYS[i])
  if not v then return {3, i - 1} end
  if tonumber(v) < tonumber(ARGV[3 + i]) then return {2, i - 1, tonumber(v)} end
end
local out = {1}
for i = 1, n do
  out[i + 1] = redis.call('DECRBY', KEYS[i], ARGV[3 + i])
  redis.call('HSET', KEYS[n + i], ARGV[1], ARGV[2] .. ':' .. ARGV[3] .. ':' .. ARGV[3 + i])
end
return out`;

// KEYS: stock key, generation key; ARGV: figure. Loads unless another process loaded first.
const LOAD = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then redis.call('INCR', KEYS[2]) return 1 end
return 0`;

// KEYS: stock keys, then held hashes; ARGV: orderId, quantities. Undoes a recorded take: a
// figure still there (or reloaded less the recorded take) gets the units back, a missing one
// reloads from the store, which never had them out.
const GIVE_BACK = `
local n = #KEYS / 2
local absent = 0
for i = 1, n do
  local recorded = redis.call('HDEL', KEYS[n + i], ARGV[1]) == 1
  if redis.call('EXISTS', KEYS[i]) == 1 then
    if recorded then redis.call('INCRBY', KEYS[i], ARGV[1 + i]) end
  else absent = absent + 1 end
end
return absent`;

// KEYS: stock keys, then generation keys; ARGV: generations seen before the store gave the
// units back, then quantities. Adds only to a figure loaded before that: one reloaded
// meanwhile may hold the units already, so it is dropped to reload. Returns how many were not added.
const RELEASE = `
local n = #KEYS / 2
local absent = 0
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 and (redis.call('GET', KEYS[n + i]) or '0') == ARGV[i] then
    redis.call('INCRBY', KEYS[i], ARGV[n + i])
  else
    redis.call('DEL', KEYS[i])
    absent = absent + 1
  end
end
return absent`;

const sha = (script: string) => createHash('sha1').update(script).digest('hex');
const SCRIPTS = { RESERVE, LOAD, GIVE_BACK, RELEASE } as const;
const SHAS = { RESERVE: sha(RESERVE), LOAD: sha(LOAD), GIVE_BACK: sha(GIVE_BACK), RELEASE: sha(RELEASE) } as const;

export type ReserveResult = { ok: true; left: number[] } | { ok: false; short: number; left: number } | { ok: false; missing: number };

type RedisArg = string;

export class Kv {
  readonly #client: ReturnType<typeof createClient>;
  readonly #prefix: string;

  private constructor(client: ReturnType<typeof createClient>, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  static async connect(url: string, prefix: string): Promise<Kv> {
    let ready = false;
    // Reconnect after a lost connection, but let a first connect that fails fail (bad URL, no server).
    const reconnectStrategy = (retries: number, cause: Error): number | Error => (ready ? Math.min(retries * 100, 2000) : cause);
    const client = createClient({ url, socket: { reconnectStrategy, connectTimeout: 5000 } });
    // Without a listener a lost connection would crash the process; node-redis reconnects itself.
    client.on('error', () => {});
    await client.connect();
    ready = true;
    return new Kv(client, prefix);
  }

  key(schema: Schema, name: string): string {
    return schema === 'shadow' ? `shadow:${this.#prefix}${name}` : `${this.#prefix}${name}`;
  }

  async #cmd<T>(args: RedisArg[]): Promise<T> {
    return (await this.#client.sendCommand(args)) as T;
  }

  async #script<T>(name: keyof typeof SCRIPTS, keys: readonly string[], argv: readonly (string | number)[]): Promise<T> {
    const args = [String(keys.length), ...keys, ...argv.map(String)];
    try {
      return await this.#cmd<T>(['EVALSHA', SHAS[name], ...args]);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return await this.#cmd<T>(['EVAL', SCRIPTS[name], ...args]);
    }
  }

  /** Takes `qtys` from the stock keys at once and records the take in the held hashes. */
  async reserve(stock: readonly string[], held: readonly string[], take: { orderId: string; kind: HeldKind; at: number }, qtys: readonly number[]): Promise<ReserveResult> {
    const r = await this.#script<number[]>('RESERVE', [...stock, ...held], [take.orderId, take.kind, take.at, ...qtys]);
    if (r[0] === 1) return { ok: true, left: r.slice(1) };
    if (r[0] === 2) return { ok: false, short: r[1]!, left: r[2]! };
    return { ok: false, missing: r[1]! };
  }

  async get(key: string): Promise<string | null> {
    return this.#cmd<string | null>(['GET', key]);
  }

  /** Loads a stock figure unless another process loaded it first; bumps its generation when loaded. */
  async load(stock: string, gen: string, available: number): Promise<void> {
    await this.#script('LOAD', [stock, gen], [available]);
  }

  /** The takes recorded in one held hash. */
  async held(key: string): Promise<Held[]> {
    const flat = await this.#cmd<string[]>(['HGETALL', key]);
    const out: Held[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const [kind, at, qty] = flat[i + 1]!.split(':');
      out.push({ orderId: flat[i]!, kind: kind === 'hold' ? 'hold' : 'take', at: Number(at), qty: Number(qty) });
    }
    return out;
  }

  /** Drops the records of `orderIds` from each held hash. */
  async settle(held: readonly string[], orderIds: readonly string[]): Promise<void> {
    if (orderIds.length > 0) await Promise.all(held.map((k) => this.#cmd(['HDEL', k, ...orderIds])));
  }

  /** Undoes a recorded take; answers how many stock keys were not loaded. */
  async giveBack(stock: readonly string[], held: readonly string[], orderId: string, qtys: readonly number[]): Promise<number> {
    return this.#script<number>('GIVE_BACK', [...stock, ...held], [orderId, ...qtys]);
  }

  /** Each stock key's load generation, -1 for a key not loaded. */
  async generations(stock: readonly string[], gen: readonly string[]): Promise<number[]> {
    const v = await this.#cmd<Array<string | null>>(['MGET', ...stock, ...gen]);
    return stock.map((_, i) => (v[i] === null ? -1 : Number(v[stock.length + i] ?? 0)));
  }

  /** Adds units the store gave back to keys unchanged since `gens`; answers how many were not added. */
  async release(stock: readonly string[], gen: readonly string[], gens: readonly number[], qtys: readonly number[]): Promise<number> {
    return this.#script<number>('RELEASE', [...stock, ...gen], [...gens, ...qtys]);
  }

  /** Drops keys so the next reservation reloads them from the database. */
  async forget(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.#cmd(['DEL', ...keys]);
  }

  async zincr(key: string, counts: ReadonlyMap<string, number>): Promise<void> {
    await Promise.all([...counts].map(([member, n]) => this.#cmd(['ZINCRBY', key, String(n), member])));
  }

  async top(key: string, n: number): Promise<Array<{ member: string; score: number }>> {
    const flat = await this.#cmd<string[]>(['ZRANGE', key, '0', String(n - 1), 'REV', 'WITHSCORES']);
    const out: Array<{ member: string; score: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ member: flat[i]!, score: Number(flat[i + 1]) });
    return out;
  }

  /** Deletes every key of this stack matching `name*` in one schema. */
  async clear(schema: Schema, name: string): Promise<void> {
    const match = this.key(schema, name) + '*';
    let cursor = '0';
    do {
      const [next, keys] = await this.#cmd<[string, string[]]>(['SCAN', cursor, 'MATCH', match, 'COUNT', '1000']);
      cursor = next;
      if (keys.length > 0) await this.#cmd(['DEL', ...keys]);
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
