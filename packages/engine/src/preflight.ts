// Fail closed: before the ramp, a few tagged requests go to every target the drill will touch,
// and each must acknowledge the tag (`x-peakdrill-shadow-ack: <run-id>`). A target that does not
// honour the tag would write test traffic into production data, so no drill starts.
//
// What is sent (docs/design/shadow-traffic.md): every journey's first step, as the drill would
// send it; and for a target that only later steps use (whose captures from earlier steps do not
// exist yet), a safe probe: the first such step itself when its method is safe (GET, HEAD,
// OPTIONS), else a tagged GET of its path, never its method or body. Safe requests go first;
// when one of them is not acknowledged, no first step that writes is sent at all.

import type { Journey, Plan, Step } from '@peakdrill/core/plan';
import { Feeder, loadFeeder } from './feeder.js';
import { LinkRecorder } from './recorder.js';
import { SHADOW_ACK_HEADER, shadowHeaders } from './shadow.js';
import { compileStep, Pools, type RequestOptions } from './steps.js';
import { OneOffScope } from './template.js';

export interface PreflightResult {
  link: string;
  target: string;
  /** `step`: the step as the drill sends it; `get`: a tagged GET of its path (the step writes). */
  probe: 'step' | 'get';
  sent: number;
  acknowledged: number;
  statuses: number[];
  error?: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface Probe {
  journey: Journey;
  step: Step;
  probe: 'step' | 'get';
  safe: boolean;
}

/** What the preflight sends, safe requests first: each journey's first step, then a probe per target not yet covered. */
export function preflightProbes(plan: Plan): Probe[] {
  const probes: Probe[] = [];
  const links = new Set<string>();
  const targets = new Set<string>();
  for (const journey of plan.journeys) {
    const first = journey.steps[0];
    if (!first || links.has(first.name)) continue;
    links.add(first.name);
    targets.add(first.target);
    probes.push({ journey, step: first, probe: 'step', safe: SAFE_METHODS.has(first.method) });
  }
  for (const journey of plan.journeys) {
    for (const step of journey.steps) {
      if (targets.has(step.target)) continue;
      targets.add(step.target);
      const safe = SAFE_METHODS.has(step.method);
      probes.push({ journey, step, probe: safe ? 'step' : 'get', safe: true });
    }
  }
  return [...probes.filter((p) => p.safe), ...probes.filter((p) => !p.safe)];
}

export async function preflight(plan: Plan, runId: string, secret: string, dataFiles?: Record<string, string>): Promise<PreflightResult[]> {
  const pools = new Pools(plan);
  const feeders = new Map<string, Feeder>();
  for (const [name, spec] of Object.entries(plan.data)) feeders.set(name, loadFeeder(name, spec, dataFiles?.[name]));
  const results: PreflightResult[] = [];
  const seq = { n: 0 };
  try {
    for (const p of preflightProbes(plan)) {
      // a replay without `unsafe: true` sends no writes, its preflight neither
      if (!p.safe && plan.load.model === 'replay' && !plan.load.unsafe) continue;
      if (!p.safe && results.some((r) => r.acknowledged < r.sent)) break;
      const step = compileStep(p.step, plan, pools, shadowHeaders(runId, secret), new LinkRecorder(p.step.name));
      const result: PreflightResult = { link: p.step.name, target: p.step.target, probe: p.probe, sent: 0, acknowledged: 0, statuses: [] };
      for (let i = 0; i < plan.shadow.preflightRequests; i++) {
        const scope = new OneOffScope(runId, -1 - i, feeders, seq);
        for (const [k, v] of Object.entries(p.journey.vars ?? {})) scope.vars[k] = v.includes('{{') ? '' : v;
        const rendered = step.staticRequest ?? step.render(scope);
        const opts = p.probe === 'get' ? asGet(rendered) : rendered;
        result.sent++;
        try {
          const res = await step.pool.request({ path: opts.path, method: opts.method as 'GET', headers: opts.headers, body: opts.body });
          await res.body.dump();
          result.statuses.push(res.statusCode);
          if (res.headers[SHADOW_ACK_HEADER] === runId) result.acknowledged++;
        } catch (err) {
          result.error = `${(err as { code?: string }).code ?? 'ERROR'}: ${(err as Error).message}`;
        }
      }
      results.push(result);
    }
  } finally {
    await pools.close();
  }
  return results;
}

/** The step's path and headers as a bodiless GET. */
function asGet(r: RequestOptions): RequestOptions {
  const headers: string[] = [];
  for (let i = 0; i < r.headers.length; i += 2) {
    if (r.headers[i]!.toLowerCase() !== 'content-type') headers.push(r.headers[i]!, r.headers[i + 1]!);
  }
  return { path: r.path, method: 'GET', headers, body: null };
}
