import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseBandwidth } from './faults.js';
import { parseScenario } from './load.js';

const HEAD = 'name: f\ntargets: { api: "http://127.0.0.1:8080", inv: "http://127.0.0.1:8083" }\nload: { rate: 10, duration: 60s }\nrequests: [{ name: home, url: /, target: api }]\n';

function problems(text: string): string[] {
  try {
    parseScenario(text, 's.yaml');
  } catch (err) {
    if (err instanceof UserError) return err.problems.map((p) => `${p.code}@${p.pos?.line}:${p.pos?.col} ${p.message}`);
    throw err;
  }
  return [];
}

describe('faults:', () => {
  it('reads http, command and proxy faults with their plan and recovery budget', () => {
    const p = parseScenario(
      `${HEAD}faults:
  - name: slow-inventory
    at: 10s
    for: 10s
    plan: "#37 degrade recommendations"
    http:
      inject: { url: /admin/faults, target: inv, json: { delay: 300ms } }
      undo: { url: /admin/faults, target: inv, method: delete }
    recovery: { within: 10s, links: [home] }
  - name: db-job
    at: 25s
    for: 5s
    command: { inject: [sh, -c, "echo on"], undo: [sh, -c, "echo off"], timeout: 5s }
  - name: flaky
    at: 40s
    for: 5s
    proxy: { target: api, latency: 200ms, bandwidth: 64kB/s, reset: 10%, blackhole: true }
`,
      's.yaml',
    );
    expect(p.faults).toEqual([
      {
        name: 'slow-inventory', atMs: 10_000, forMs: 10_000, plan: '#37 degrade recommendations',
        action: {
          kind: 'http',
          inject: { method: 'POST', url: 'http://127.0.0.1:8083/admin/faults', headers: { 'content-type': 'application/json' }, body: '{"delay":"300ms"}' },
          undo: { method: 'DELETE', url: 'http://127.0.0.1:8083/admin/faults', headers: {} },
        },
        recovery: { withinMs: 10_000, links: ['home'] },
      },
      { name: 'db-job', atMs: 25_000, forMs: 5000, action: { kind: 'command', inject: ['sh', '-c', 'echo on'], undo: ['sh', '-c', 'echo off'], timeoutMs: 5000 } },
      { name: 'flaky', atMs: 40_000, forMs: 5000, action: { kind: 'proxy', target: 'api', effect: { latencyMs: 200, bandwidthBps: 64_000, resetShare: 0.1, blackhole: true } } },
    ]);
  });

  it('leaves plans without faults as they were', () => {
    expect(parseScenario(HEAD, 's.yaml').faults).toBeUndefined();
  });

  it('reports every problem at once, with positions', () => {
    const out = problems(`${HEAD}faults:
  - { name: a, at: 50s, for: 20s, http: { inject: { url: "http://10.1.2.3/x" } } }
  - { name: a, at: 1s, for: 1s, command: { inject: "rm -rf /" } }
  - { name: c, at: 1s, for: 1s, proxy: { target: apx, latency: 1s } }
  - { name: d, at: 1s, for: 1s }
  - { name: e, at: 1s, for: 1s, proxy: { target: api }, recovery: { within: 5s, links: [hom] } }
  - { name: f, at: 1s, for: 10s, proxy: { target: api, bandwidth: fast } }
  - { name: g, at: 5s, for: 10s, proxy: { target: api, latency: 1s } }
  - { name: h, at: 14s, for: 1s, proxy: { target: api, reset: 100% } }
`);
    expect(out.map((s) => s.split(' ')[0])).toEqual([
      'OUT_OF_RANGE@6:30',
      'TARGET_NOT_ALLOWED@6:58',
      'DUPLICATE@7:13',
      'WRONG_TYPE@7:52',
      'UNKNOWN_TARGET@8:50',
      'MISSING_KEY@9:5',
      'MISSING_KEY@10:40',
      'UNKNOWN_LINK@10:89',
      'BAD_VALUE@11:67',
      'CONFLICT@13:20',
    ]);
    expect(out[0]).toContain('ends 1m10s into the drill, after its planned 1m');
    expect(out[3]).toContain('["sh", "-c", "rm -rf /"]');
    expect(out[4]).toContain('did you mean `api`');
    expect(out[7]).toContain('did you mean `home`');
    expect(out[9]).toContain('overlaps fault `g`');
  });

  it('parses bandwidths', () => {
    expect(parseBandwidth('64kB/s')).toEqual({ bps: 64_000 });
    expect(parseBandwidth('1 MiB/s')).toEqual({ bps: 1024 * 1024 });
    expect(parseBandwidth(500)).toEqual({ bps: 500 });
    expect(parseBandwidth('1MB')).toHaveProperty('problem');
    expect(parseBandwidth('0B/s')).toHaveProperty('problem');
  });
});
