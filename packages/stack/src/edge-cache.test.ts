import { describe, expect, it } from 'vitest';
import { EdgeCache } from './edge-cache.js';
import type { Reply } from './http.js';

const item: Reply = { status: 200, body: Buffer.from('{"sku":"SKU-1"}') };

describe('the gateway micro-cache', () => {
  it('answers while fresh and misses from the moment the TTL is over', () => {
    const c = new EdgeCache({ itemCacheMs: 250 });
    c.store('production', 'SKU-1', item, 1000);
    expect(c.lookup('production', 'SKU-1', 1000)).toBe(item);
    expect(c.lookup('production', 'SKU-1', 1249.9)).toBe(item);
    expect(c.lookup('production', 'SKU-1', 1250)).toBeUndefined();
    expect([c.hits, c.misses]).toEqual([2, 1]);
  });

  it('keeps items and unknown SKUs only, per traffic kind', () => {
    const c = new EdgeCache();
    c.store('production', 'SKU-1', item, 0);
    c.store('production', 'SKU-2', { status: 502, body: {} }, 0);
    c.store('production', 'NOPE', { status: 404, body: {} }, 0);
    expect(c.lookup('shadow', 'SKU-1', 1)).toBeUndefined();
    expect(c.lookup('production', 'SKU-2', 1)).toBeUndefined();
    expect(c.lookup('production', 'NOPE', 1)?.status).toBe(404);
    c.store('shadow', 'SKU-1', item, 0);
    c.forget('shadow');
    expect(c.lookup('shadow', 'SKU-1', 1)).toBeUndefined();
    expect(c.lookup('production', 'SKU-1', 1)).toBe(item);
  });

  it('counts the item reads it answered for the hot-key report, once each, and takes back what could not be delivered', () => {
    const c = new EdgeCache();
    c.store('production', 'SKU-1', item, 0);
    c.store('production', 'NOPE', { status: 404, body: {} }, 0);
    for (let i = 0; i < 3; i++) c.lookup('production', 'SKU-1', 1);
    c.lookup('production', 'NOPE', 1);
    const reads = c.takeReads('production');
    expect([...reads]).toEqual([['SKU-1', 3]]);
    expect(c.takeReads('production').size).toBe(0);
    c.putBack('production', reads);
    c.lookup('production', 'SKU-1', 1);
    expect([...c.takeReads('production')]).toEqual([['SKU-1', 4]]);
  });

  it('is off at 0 ms', () => {
    const c = new EdgeCache({ itemCacheMs: 0 });
    expect(c.enabled).toBe(false);
    c.store('production', 'SKU-1', item, 0);
    expect(c.lookup('production', 'SKU-1', 0)).toBeUndefined();
    expect(() => new EdgeCache({ itemCacheMs: -1 })).toThrow(RangeError);
  });
});
