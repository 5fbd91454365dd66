// Fail closed: before the ramp, a few tagged requests go through every journey's first step and
// the target must acknowledge the tag (`x-peakdrill-shadow-ack: <run-id>`). A target that does
// not honour the tag would write test traffic into production data, so no drill starts.

import type { Plan } from '@peakdrill/core';
import { Feeder, loadFeeder } from './feeder.js';
import { LinkRecorder } from './recorder.js';
import { SHADOW_ACK_HEADER, shadowHeaders } from './shadow.js';
import { compileStep, Pools } from './steps.js';
import { OneOffScope } from './template.js';

export interface PreflightResult {
  link: string;
  sent: number;
  acknowledged: number;
  statuses: number[];
  error?: string;
}

export async function preflight(plan: Plan, runId: string, secret: string, dataFiles?: Record<string, string>): Promise<PreflightResult[]> {
  const pools = new Pools(plan);
  const feeders = new Map<string, Feeder>();
  for (const [name, spec] of Object.entries(plan.data)) feeders.set(name, loadFeeder(name, spec, dataFiles?.[name]));
  const seen = new Set<string>();
  const results: PreflightResult[] = [];
  const seq = { n: 0 };
  try {
    for (const journey of plan.journeys) {
      const first = journey.steps[0];
      if (!first || seen.has(first.name)) continue;
      // a replay without `unsafe: true` sends no writes, its preflight neither
      if (plan.load.model === 'replay' && !plan.load.unsafe && !['GET', 'HEAD', 'OPTIONS'].includes(first.method)) continue;
      seen.add(first.name);
      const step = compileStep(first, plan, pools, shadowHeaders(runId, secret), new LinkRecorder(first.name));
      const result: PreflightResult = { link: first.name, sent: 0, acknowledged: 0, statuses: [] };
      for (let i = 0; i < plan.shadow.preflightRequests; i++) {
        const scope = new OneOffScope(runId, -1 - i, feeders, seq);
        for (const [k, v] of Object.entries(journey.vars ?? {})) scope.vars[k] = v.includes('{{') ? '' : v;
        const opts = step.staticRequest ?? step.render(scope);
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
