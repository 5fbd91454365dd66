import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { type Ctx, HttpError, isLoopback, requireAdmin } from './http.js';
import { Metrics } from './metrics.js';

function fakeCtx(remoteAddress: string, headers: Record<string, string>, adminToken: string | undefined): Ctx {
  const req = { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
  return { req, rt: { adminToken } } as unknown as Ctx;
}

describe('admin access', () => {
  it('knows loopback clients in every notation', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopback(fakeCtx(a, {}, undefined).req)).toBe(true);
    for (const a of ['10.0.0.5', '::ffff:10.0.0.5', '192.168.1.127', 'fe80::1']) expect(isLoopback(fakeCtx(a, {}, undefined).req)).toBe(false);
  });

  it('lets others in with the admin token only', () => {
    expect(() => requireAdmin(fakeCtx('10.0.0.5', {}, 'tok'))).toThrow(HttpError);
    expect(() => requireAdmin(fakeCtx('10.0.0.5', { 'x-admin-token': 'nope' }, 'tok'))).toThrow(/x-admin-token/);
    expect(() => requireAdmin(fakeCtx('10.0.0.5', { 'x-admin-token': 'tok' }, 'tok'))).not.toThrow();
    // compared as equal-length digests: a prefix or a longer value never matches
    expect(() => requireAdmin(fakeCtx('10.0.0.5', { 'x-admin-token': 'to' }, 'tok'))).toThrow(HttpError);
    expect(() => requireAdmin(fakeCtx('10.0.0.5', { 'x-admin-token': 'tok2' }, 'tok'))).toThrow(HttpError);
    // No token configured: nobody but loopback, whatever header is sent.
    expect(() => requireAdmin(fakeCtx('10.0.0.5', { 'x-admin-token': '' }, undefined))).toThrow(HttpError);
    expect(() => requireAdmin(fakeCtx('127.0.0.1', {}, undefined))).not.toThrow();
  });
});

describe('metrics', () => {
  it('renders cumulative histogram buckets and escapes label values', () => {
    const m = new Metrics('svc');
    m.request('/a', 'production', 200, 0.0002);
    m.request('/a', 'production', 200, 0.003);
    m.request('/a', 'production', 500, 20);
    m.inc('odd_total', 'A counter.', { why: 'quote " and \\ and\nnewline' });
    const text = m.render();
    expect(text).toContain('peakdrill_stack_requests_total{service="svc",route="/a",code="200",kind="production"} 2');
    expect(text).toContain('peakdrill_stack_request_duration_seconds_bucket{service="svc",route="/a",kind="production",le="0.0005"} 1');
    expect(text).toContain('peakdrill_stack_request_duration_seconds_bucket{service="svc",route="/a",kind="production",le="0.005"} 2');
    expect(text).toContain('peakdrill_stack_request_duration_seconds_bucket{service="svc",route="/a",kind="production",le="+Inf"} 3');
    expect(text).toContain('peakdrill_stack_request_duration_seconds_count{service="svc",route="/a",kind="production"} 3');
    expect(text).toContain('peakdrill_stack_odd_total{service="svc",why="quote \\" and \\\\ and\\nnewline"} 1');
  });
});
