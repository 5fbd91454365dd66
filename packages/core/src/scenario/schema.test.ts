import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseScenario } from './load.js';

function codes(text: string): string[] {
  try {
    parseScenario(text, 's.yaml');
  } catch (err) {
    if (err instanceof UserError) return err.problems.map((p) => `${p.code}@${p.pos?.line}:${p.pos?.col}`);
    throw err;
  }
  return [];
}
const REST = 'load: { rate: 1, duration: 1s }\nrequests: [{ url: / }]\n';

describe('top level', () => {
  it('normalizes targets and defaults http and shadow', () => {
    const p = parseScenario(`name: a.b_c-1\ntargets: { gw: "http://LOCALHOST:8080/api/" }\n${REST}`, 's.yaml');
    expect(p.targets).toEqual({ gw: 'http://localhost:8080/api' });
    expect(p.http).toEqual({ connections: 50, pipelining: 1, timeoutMs: 10_000, headers: {}, warmup: { enabled: true } });
    expect(p.shadow).toEqual({ enabled: true, secretEnv: 'PEAKDRILL_SHADOW_SECRET', coverageFloor: 1, preflightRequests: 3 });
    expect(p.allow).toEqual([]);
  });
  it('turns shadow tagging off only when told', () => {
    expect(parseScenario(`name: a\ntargets: { gw: "http://127.0.0.1" }\nshadow: false\n${REST}`, 's.yaml').shadow.enabled).toBe(false);
    expect(parseScenario(`name: a\ntargets: { gw: "http://127.0.0.1" }\nshadow: { enabled: false }\n${REST}`, 's.yaml').shadow.enabled).toBe(false);
    expect(parseScenario(`name: a\ntargets: { gw: "http://127.0.0.1" }\nshadow: { coverageFloor: 99.5%, preflight: 0 }\n${REST}`, 's.yaml').shadow).toMatchObject({ enabled: true, coverageFloor: 0.995, preflightRequests: 0 });
  });
  it('reads http settings and refuses out-of-range ones', () => {
    const p = parseScenario(`name: a\ntargets: { gw: "http://127.0.0.1" }\nhttp: { connections: 10000, pipelining: 10, timeout: 2s, headers: { x-a: b } }\n${REST}`, 's.yaml');
    expect(p.http).toEqual({ connections: 10_000, pipelining: 10, timeoutMs: 2000, headers: { 'x-a': 'b' }, warmup: { enabled: true } });
    expect(codes(`name: a\ntargets: { gw: "http://127.0.0.1" }\nhttp: { connections: 10001, pipelining: 0, timeout: 0s, headers: { x: "{{seq}}" } }\n${REST}`)).toEqual([
      'OUT_OF_RANGE@3:22',
      'OUT_OF_RANGE@3:41',
      'BAD_DURATION@3:53',
      'BAD_VALUE@3:71',
    ]);
  });
  it('reads http.warmup: off, another path, and refuses what is not a path', () => {
    const gw = 'name: a\ntargets: { gw: "http://127.0.0.1" }\n';
    expect(parseScenario(`${gw}http: { warmup: false }\n${REST}`, 's.yaml').http.warmup).toEqual({ enabled: false });
    expect(parseScenario(`${gw}http: { warmup: { enabled: false } }\n${REST}`, 's.yaml').http.warmup).toEqual({ enabled: false });
    expect(parseScenario(`${gw}http: { warmup: { path: /healthz } }\n${REST}`, 's.yaml').http.warmup).toEqual({ enabled: true, path: '/healthz' });
    expect(codes(`${gw}http: { warmup: { path: "health z", every: 1 } }\n${REST}`)).toEqual(['BAD_VALUE@3:25', 'UNKNOWN_KEY@3:37']);
  });
  it('reads http.transport (auto when absent, or undici) and refuses anything else with its position', () => {
    const base = `name: a\ntargets: { gw: "http://127.0.0.1" }\n`;
    expect(parseScenario(`${base}http: { transport: undici }\n${REST}`, 's.yaml').http.transport).toBe('undici');
    expect(parseScenario(`${base}http: { transport: auto }\n${REST}`, 's.yaml').http.transport).toBe('auto');
    expect(parseScenario(`${base}${REST}`, 's.yaml').http.transport).toBeUndefined();
    expect(codes(`${base}http: { transport: fast }\n${REST}`)).toEqual(['BAD_VALUE@3:20']);
  });
  it('refuses bad names, targets and allow entries', () => {
    expect(codes(`name: "has space"\ntargets: { gw: "ftp://127.0.0.1", "bad name": "http://127.0.0.1", q: "http://127.0.0.1/?a=1" }\nallow: ["http://x"]\n${REST}`)).toEqual([
      'BAD_VALUE@1:7',
      'BAD_URL@2:16',
      'BAD_VALUE@2:35',
      'BAD_URL@2:70',
      'BAD_VALUE@3:9',
      'MISSING_KEY@5:12', // several targets and the request names none
    ]);
    expect(codes(`name: a\ntargets: {}\n${REST}`)).toEqual(['MISSING_KEY@2:10']);
  });
  it('refuses targets off loopback unless allowed, at the URL', () => {
    expect(codes(`name: a\ntargets: { gw: "http://shop.internal:8080" }\n${REST}`)).toEqual(['TARGET_NOT_ALLOWED@2:16']);
    expect(codes(`name: a\ntargets: { gw: "http://shop.internal:8080" }\nallow: [shop.internal]\n${REST}`)).toEqual([]);
    expect(codes(`name: a\ntargets: { gw: "http://[::1]:8080" }\n${REST}`)).toEqual([]);
    let code = '';
    try {
      parseScenario(`name: a\ntargets: { gw: "http://10.0.0.1" }\n${REST}`, 's.yaml');
    } catch (err) {
      code = (err as UserError).code;
    }
    expect(code).toBe('TARGET_NOT_ALLOWED');
  });
  it('checks abort rules and their links and URLs', () => {
    const text = (abort: string): string => `name: a\ntargets: { gw: "http://127.0.0.1" }\n${REST}abort:\n${abort}\n`;
    expect(codes(text('  - { when: "p99(home) > 1s" }'))).toEqual(['UNKNOWN_LINK@6:13']);
    expect(codes(text('  - { when: "error_rate > 5%", for: 10 }'))).toEqual(['BAD_DURATION@6:37']);
    expect(codes(text('  - { health: "http://10.0.0.1/healthz" }'))).toEqual(['TARGET_NOT_ALLOWED@6:15']);
    expect(codes(text('  - { metric: "x > 1" }'))).toEqual(['BAD_ABORT_RULE@6:15']);
    expect(codes(text('  - "p99(GET /) > 1s for 5s"'))).toEqual([]);
    expect(codes(text('  - { when: "cpu > 5" }'))).toEqual(['BAD_ABORT_RULE@6:13']);
  });
  it('caps the number of problems it prints', () => {
    const many = Array.from({ length: 400 }, (_, i) => `k${i}: 1`).join('\n');
    let n = 0;
    let last = '';
    try {
      parseScenario(many, 'm.yaml');
    } catch (err) {
      n = (err as UserError).problems.length;
      last = (err as UserError).problems.at(-1)!.code;
    }
    expect(n).toBe(201);
    expect(last).toBe('TOO_MANY_PROBLEMS');
  });
});
