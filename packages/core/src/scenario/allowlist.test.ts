import { describe, expect, it } from 'vitest';
import { allowEntryProblem, checkAllowlist, hostAllowed, isLoopback, urlProblem } from './allowlist.js';
import { quickPlan } from './quick.js';

describe('allowlist', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:7f00:1', 'localhost.'])('%s is loopback', (h) => expect(isLoopback(h)).toBe(true));
  it.each(['10.0.0.1', '128.0.0.1', 'example.com', 'localhost.example.com', '0.0.0.0', '::2', '::ffff:a00:1'])('%s is not loopback', (h) => expect(isLoopback(h)).toBe(false));

  it('matches allow entries exactly, by wildcard, and as IP literals', () => {
    expect(hostAllowed('shop.internal', ['shop.internal'])).toBe(true);
    expect(hostAllowed('SHOP.internal', ['shop.INTERNAL'])).toBe(true);
    expect(hostAllowed('a.shop.internal', ['*.shop.internal'])).toBe(true);
    expect(hostAllowed('shop.internal', ['*.shop.internal'])).toBe(false);
    expect(hostAllowed('evilshop.internal', ['*.shop.internal'])).toBe(false);
    expect(hostAllowed('10.0.0.5', ['10.0.0.5'])).toBe(true);
    expect(hostAllowed('fd00::1', ['fd00:0:0::1'])).toBe(true);
    expect(hostAllowed('example.com', [])).toBe(false);
  });

  it('validates entries and URLs', () => {
    expect(allowEntryProblem('shop.internal')).toBeUndefined();
    expect(allowEntryProblem('http://shop.internal')).toBeDefined();
    expect(allowEntryProblem('shop.internal:8080')).toBeDefined();
    expect(allowEntryProblem('a.*.b')).toBeDefined();
    expect(urlProblem('http://127.0.0.1:8080')).toBeUndefined();
    expect(urlProblem('not a url')).toBeDefined();
    expect(urlProblem('ftp://127.0.0.1/')).toBeDefined();
  });

  it('refuses a plan that goes anywhere not allowed, with TARGET_NOT_ALLOWED and exit 2', () => {
    const plan = quickPlan({ url: 'http://127.0.0.1:8080/', rate: 10, durationMs: 1000 });
    expect(() => checkAllowlist(plan)).not.toThrow();
    const bad = { ...plan, targets: { default: 'http://example.com' } };
    expect(() => checkAllowlist(bad)).toThrowError(expect.objectContaining({ code: 'TARGET_NOT_ALLOWED', exitCode: 2 }) as Error);
    expect(() => checkAllowlist({ ...bad, allow: ['example.com'] })).not.toThrow();
    const badAbort = { ...plan, abort: [{ kind: 'health' as const, url: 'http://10.1.1.1/healthz', forMs: 0, text: 'health' }] };
    expect(() => checkAllowlist(badAbort)).toThrowError(expect.objectContaining({ code: 'TARGET_NOT_ALLOWED' }) as Error);
    const badCheck = { ...plan, isolation: [{ name: 'audit', kind: 'http' as const, url: 'https://prod.example/audit', status: 200, expect: { equals: 0 } }] };
    expect(() => checkAllowlist(badCheck)).toThrowError(expect.objectContaining({ code: 'TARGET_NOT_ALLOWED' }) as Error);
  });
});
