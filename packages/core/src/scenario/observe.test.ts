import { describe, expect, it } from 'vitest';
import { formatProblem, isUserError } from '../index.js';
import { parseScenario } from './load.js';

const base = `name: watch
targets: { api: "http://127.0.0.1:8080" }
load: { rate: 10, duration: 2s }
shadow: { enabled: false }
requests: [{ name: home, url: / }]
`;

function problems(text: string): string[] {
  try {
    parseScenario(text, 'watch.yaml');
  } catch (err) {
    if (isUserError(err)) return err.problems.map((p) => formatProblem(p));
    throw err;
  }
  return [];
}

describe('observe:', () => {
  it('reads sources by URL or as a path on a target, series with label selectors', () => {
    const plan = parseScenario(
      base + `observe:\n  - { url: "http://127.0.0.1:9100/metrics", series: [node_load1] }\n  - { target: api, url: /metrics, name: gateway, series: ['shed_total{service="gateway"}', process_cpu_seconds_total] }\n`,
      'watch.yaml',
    );
    expect(plan.observe).toEqual([
      { name: '127.0.0.1:9100', url: 'http://127.0.0.1:9100/metrics', series: ['node_load1'] },
      { name: 'gateway', url: 'http://127.0.0.1:8080/metrics', series: ['shed_total{service="gateway"}', 'process_cpu_seconds_total'] },
    ]);
  });

  it('every problem at once, with positions; non-loopback sources need the allowlist', () => {
    const p = problems(base + `observe:\n  - { url: /metrics, target: nope, series: [ok_total] }\n  - { url: "http://10.1.2.3/metrics", series: ["bad name"] }\n  - { url: "http://10.1.2.3/metrics" }\n  - { url: "http://10.9.9.9/metrics", series: [up] }\n`);
    expect(p.join('\n')).toMatch(/watch\.yaml:7:\d+: .*no target named `nope`/);
    expect(p.join('\n')).toMatch(/watch\.yaml:8:\d+: .*metric name with an optional label selector/);
    expect(p.join('\n')).toMatch(/watch\.yaml:9:\d+: .*series/);
    expect(p.join('\n')).toMatch(/watch\.yaml:10:\d+: observe source http:\/\/10\.9\.9\.9\/metrics is not on loopback/);
  });
});
