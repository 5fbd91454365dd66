import { describe, expect, it } from 'vitest';
import { parseAbortRule } from './abort.js';

describe('parseAbortRule', () => {
  it('reads error-rate rules, with or without a link and window', () => {
    expect(parseAbortRule({ when: 'error_rate > 5%', for: '10s' })).toEqual({ kind: 'errorRate', above: 0.05, forMs: 10_000, text: 'error_rate > 5% for 10s' });
    expect(parseAbortRule('error_rate > 5% for 10s')).toEqual({ kind: 'errorRate', above: 0.05, forMs: 10_000, text: 'error_rate > 5% for 10s' });
    expect(parseAbortRule('error_rate(order.create) >= 1%')).toMatchObject({ kind: 'errorRate', link: 'order.create', above: 0.01, forMs: 0 });
  });
  it('reads latency rules', () => {
    expect(parseAbortRule({ when: 'p99(order.create) > 2s', for: '5s' })).toEqual({
      kind: 'latency',
      link: 'order.create',
      percentile: 'p99',
      aboveMs: 2000,
      forMs: 5000,
      text: 'p99(order.create) > 2s for 5s',
    });
    expect(parseAbortRule('max > 10s')).toMatchObject({ kind: 'latency', percentile: 'max', aboveMs: 10_000 });
    expect(parseAbortRule('p99 (GET /) > 1s')).toMatchObject({ link: 'GET /' });
  });
  it('reads health and metric rules', () => {
    expect(parseAbortRule({ health: 'http://127.0.0.1:8080/healthz', for: '3s' })).toMatchObject({ kind: 'health', url: 'http://127.0.0.1:8080/healthz', forMs: 3000 });
    expect(parseAbortRule({ metric: 'pool_waiting > 10', url: 'http://127.0.0.1:8080/metrics', for: '3s' })).toMatchObject({
      kind: 'metric',
      metric: 'pool_waiting',
      above: 10,
      forMs: 3000,
    });
    expect(parseAbortRule({ metric: 'process_cpu{job="order"} > 0.9', url: 'http://127.0.0.1:9/metrics' })).toMatchObject({ metric: 'process_cpu{job="order"}', above: 0.9 });
  });
  it.each([
    ['error_rate < 5%'],
    ['error_rate > lots'],
    ['p98 > 1s'],
    ['p99 > 2'],
    ['cpu > 50%'],
    ['error_rate > 5% for -1s'],
    ['p99() > 1s'],
  ])('refuses %j', (when) => {
    expect(() => parseAbortRule(when)).toThrowError(expect.objectContaining({ code: 'BAD_ABORT_RULE' }) as Error);
  });
  it('refuses malformed objects', () => {
    const bad = [
      {},
      { when: 'error_rate > 5%', health: 'http://127.0.0.1/' },
      { health: 'ftp://x/' },
      { metric: 'pool > 1' },
      { metric: 'pool > x', url: 'http://127.0.0.1/m' },
      { when: 'error_rate > 5% for 1s', for: '2s' },
      { when: 'p99 > 1s', for: 10 },
    ];
    for (const b of bad) expect(() => parseAbortRule(b)).toThrowError(expect.objectContaining({ code: 'BAD_ABORT_RULE' }) as Error);
  });
});
