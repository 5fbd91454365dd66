import { describe, expect, it } from 'vitest';
import { stackOptions } from './stack.js';

describe('peakdrill stack flags', () => {
  it('map the flash-sale shield flags onto the gateway options', () => {
    const o = stackOptions({ host: '127.0.0.1', soldOutTtl: '250', skuInFlight: '0' });
    expect(o.shield).toEqual({ soldOutTtlMs: 250, maxInFlight: 0 });
    expect(stackOptions({ host: '127.0.0.1' }).shield).toEqual({});
  });

  it('refuse a shield flag out of range with the flag named', () => {
    expect(() => stackOptions({ host: '127.0.0.1', skuInFlight: '-1' })).toThrow(/--sku-in-flight must be an integer from 0/);
    expect(() => stackOptions({ host: '127.0.0.1', soldOutTtl: 'soon' })).toThrow(/--sold-out-ttl must be an integer/);
  });

  it('pass --threads / --no-threads on, and leave the default to the stack', () => {
    expect(stackOptions({ host: '127.0.0.1', threads: true }).threads).toBe(true);
    expect(stackOptions({ host: '127.0.0.1', threads: false }).threads).toBe(false);
    expect('threads' in stackOptions({ host: '127.0.0.1' })).toBe(false);
  });
});
