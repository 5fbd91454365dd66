import { describe, expect, it } from 'vitest';
import { parseScenario } from './load.js';
import { resolveTargetUrl } from './target-url.js';

const scenario = (extra: string): string => `name: t
targets: { gateway: "http://127.0.0.1:8080", other: "http://127.0.0.1:9090/base" }
load: { rate: 10, duration: 2s }
requests: [{ url: /, target: gateway }]
${extra}`;

describe('URLs relative to a target', () => {
  it('resolves paths against the named target, after --target overrides', () => {
    const plan = parseScenario(
      scenario(`isolation:
  - name: audit
    http: { target: gateway, url: "/admin/audit?run={{run.id}}", json: $.leaked.total, equals: 0 }
abort:
  - { health: /healthz, target: other, for: 2s }`),
      'x.yaml',
      { targets: { gateway: 'http://127.0.0.1:18610' } },
    );
    expect(plan.isolation[0]).toMatchObject({ url: 'http://127.0.0.1:18610/admin/audit?run={{run.id}}' });
    expect(plan.abort[0]).toMatchObject({ kind: 'health', url: 'http://127.0.0.1:9090/base/healthz' });
  });

  it('asks which target when there are several, with a position', () => {
    expect(() => parseScenario(scenario(`isolation:\n  - name: a\n    http: { url: /admin/audit }`), 'x.yaml')).toThrow(/x\.yaml|target/);
    try {
      parseScenario(scenario(`isolation:\n  - name: a\n    http: { url: /admin/audit }`), 'x.yaml');
    } catch (e) {
      const problems = (e as { problems: { message: string; pos?: { line: number } }[] }).problems;
      expect(problems.some((p) => /say on which target/.test(p.message) && p.pos?.line === 7)).toBe(true);
    }
  });

  it('uses the only target by default and rejects unknown ones', () => {
    expect(resolveTargetUrl('/x', undefined, { a: 'http://h:1' })).toEqual({ url: 'http://h:1/x' });
    expect(resolveTargetUrl('/x', 'b', { a: 'http://h:1' })).toHaveProperty('problem');
    expect(resolveTargetUrl('http://h:2/x', 'a', { a: 'http://h:1' })).toHaveProperty('problem');
    expect(resolveTargetUrl('http://h:2/x', undefined, { a: 'http://h:1' })).toEqual({ url: 'http://h:2/x' });
  });
});
