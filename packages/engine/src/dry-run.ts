// --dry-run: the requests the first N journeys would send, rendered exactly as the engine
// would render them (same compiled templates, same feeders, same tags), without sending any.
// Values captured from responses cannot be known; they show as `<name from step>`.

import type { Plan } from '@peakdrill/core/plan';
import { loadFeeder, type Feeder } from './feeder.js';
import { LinkRecorder } from './recorder.js';
import { shadowHeaders } from './shadow.js';
import { compileStep, Pools } from './steps.js';
import { compileTemplate, OneOffScope } from './template.js';

export interface DryRequest {
  journey: string;
  journeyIndex: number;
  step: string;
  method: string;
  url: string;
  headers: [string, string][];
  body: string | null;
}

export async function dryRun(plan: Plan, runId: string, journeys: number, opts: { tagged: boolean; seed?: number } = { tagged: false }): Promise<DryRequest[]> {
  const pools = new Pools(plan);
  const feeders = new Map<string, Feeder>();
  for (const [name, spec] of Object.entries(plan.data)) feeders.set(name, loadFeeder(name, spec));
  // the signature is shown as a placeholder: a dry run never needs (or prints) the secret
  const tags = opts.tagged ? { ...shadowHeaders(runId, 'x'), 'x-peakdrill-shadow': `${runId}.<hmac-sha256>` } : {};
  const compiled = plan.journeys.map((j) => ({
    journey: j,
    steps: j.steps.map((s) => compileStep(s, plan, pools, tags, new LinkRecorder(s.name))),
    vars: Object.entries(j.vars ?? {}).map(([k, v]) => [k, compileTemplate(v)] as const),
  }));
  const total = plan.journeys.reduce((a, j) => a + j.weight, 0);
  let random = opts.seed ?? 1;
  const next = (): number => {
    random = (random * 1103515245 + 12345) % 2147483648;
    return random / 2147483648;
  };
  const out: DryRequest[] = [];
  const seq = { n: 0 };
  try {
    for (let i = 0; i < journeys; i++) {
      let x = next() * total;
      const c = compiled.find((cj) => (x -= cj.journey.weight) < 0) ?? compiled[compiled.length - 1]!;
      const scope = new OneOffScope(runId, i, feeders, seq);
      for (const [k, render] of c.vars) scope.vars[k] = render(scope);
      for (const [si, step] of c.steps.entries()) {
        const opts = step.staticRequest ?? step.render(scope);
        const origin = new URL(plan.targets[c.journey.steps[si]!.target]!).origin;
        const headers: [string, string][] = [];
        for (let h = 0; h < opts.headers.length; h += 2) headers.push([opts.headers[h]!, opts.headers[h + 1]!]);
        out.push({ journey: c.journey.name, journeyIndex: i, step: step.name, method: opts.method, url: origin + opts.path, headers, body: opts.body });
        for (const cap of step.captures) scope.vars[cap.as] = `<${cap.as} from ${step.name}>`;
      }
    }
  } finally {
    await pools.destroy();
  }
  return out;
}

export function formatDryRun(requests: DryRequest[]): string {
  const lines: string[] = [];
  let last = -1;
  for (const r of requests) {
    if (r.journeyIndex !== last) {
      lines.push(`journey #${r.journeyIndex} ${r.journey}`);
      last = r.journeyIndex;
    }
    lines.push(`  ${r.step}: ${r.method} ${r.url}`);
    for (const [k, v] of r.headers) lines.push(`    ${k}: ${v}`);
    if (r.body !== null) lines.push(`    body: ${r.body}`);
  }
  return lines.join('\n');
}
