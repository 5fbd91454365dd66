// Redis as the flash-sale shield: stock is pre-deducted here by one Lua script, so a stampede
// of buyers of a sold-out SKU is turned away without touching the database (the record of truth).
// Shadow traffic uses the same keys behind a `shadow:` prefix.

import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import type { Schema } from './db.js';

// KEYS: stock keys; ARGV: quantities. All-or-nothing: 1 = deducted, -1-i = KEYS[i+1] is short,
// -1000-i = KEYS[i+1] is not loaded yet (the caller loads it from the database and retries).
const RESERVE = `
for i = 1, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if not v then return -1000 - (i - 1) end
  if tonumber(v) < tonumber(ARGV[i]) then return -1 - (i - 1) end
end
for i = 1, #KEYS do redis.call('DECRBY', KEYS[i], ARGV[i]) end
return 1`;
const RESERVE_SHA = createHash('sha1').update(RESERVE).digest('hex');

// KEYS: stock keys; ARGV: quantities. Gives units back only to keys that are loaded: a key a
// restart cleared is reloaded from the database (which has the units back already) by the
// next reservation, so adding to it here would invent stock. Returns how many were absent.
const RELEASE = `
local absent = 0
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[i]) else absent = absent + 1 end
end
return absent`;
const RELEASE_SHA = createHash('sha1').update(RELEASE).digest('hex');

export type ReserveResult = { ok: true } | { ok: false; soldOut: number } | { ok: false; missing: number };

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

  async #script(script: string, sha: string, keys: readonly string[], argv: readonly number[]): Promise<number> {
    const args = [String(keys.length), ...keys, ...argv.map(String)];
    try {
      return await this.#cmd<number>(['EVALSHA', sha, ...args]);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return await this.#cmd<number>(['EVAL', script, ...args]);
    }
  }

  async reserve(keys: readonly string[], qtys: readonly number[]): Promise<ReserveResult> {
    const r = await this.#script(RESERVE, RESERVE_SHA, keys, qtys);
    if (r === 1) return { ok: true };
    if (r <= -1000) return { ok: false, missing: -1000 - r };
    return { ok: false, soldOut: -1 - r };
  }

  async get(key: string): Promise<string | null> {
    return this.#cmd<string | null>(['GET', key]);
  }

  /** Loads a stock figure unless another process loaded it first. */
  async load(key: string, available: number): Promise<void> {
    await this.#cmd(['SET', key, String(available), 'NX']);
  }

  /** Gives units back to the loaded keys among `keys`; answers how many were not loaded (left to reload). */
  async release(keys: readonly string[], qtys: readonly number[]): Promise<number> {
    return this.#script(RELEASE, RELEASE_SHA, keys, qtys);
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
