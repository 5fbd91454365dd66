// Which transport a step takes, and a templated step over the fast transport: rendered per
// send, exact counts, and a rendered value undici would refuse fails that request alone.

import { afterEach, describe, expect, it } from 'vitest';
import { quickPlan, type Plan } from '@peakdrill/core';
import { classifyError } from '../classify.js';
import { LinkRecorder } from '../recorder.js';
import { compileStep, Pools, type CompiledStep } from '../steps.js';
import { startTarget, type Target } from '../testing.fixture.js';
import type { TemplateScope } from '../template.js';
import { linkTransports, stepTransport } from './choose.js';

let target: Target | null = null;
let pools: Pools | null = null;
afterEach(async () => {
  await pools?.destroy();
  await target?.close();
  pools = target = null;
});

const scope = (vars: Record<string, string> = {}): TemplateScope => {
  let seq = 0;
  return { runId: 'r', journeyIndex: 0, vu: 0, vars, feeder: () => '', nextSeq: () => seq++ };
};

function only(plan: Plan): CompiledStep {
  pools = new Pools(plan);
  return compileStep(plan.journeys[0]!.steps[0]!, plan, pools, {}, new LinkRecorder('l'));
}

/** Sends `n` requests of `step` one after the other through its pool, as the journeys do. */
async function send(step: CompiledStep, n: number, s: TemplateScope): Promise<string[]> {
  const outcomes: string[] = [];
  for (let i = 0; i < n; i++) {
    outcomes.push(
      await new Promise<string>((resolve) => {
        let status = 0;
        step.pool.dispatch(step.staticRequest ?? step.render(s), {
          onConnect: () => undefined,
          onHeaders: (st: number) => ((status = st), true),
          onData: () => true,
          onComplete: () => resolve(String(status)),
          onError: (err: Error) => resolve(classifyError(err)),
        });
      }),
    );
  }
  return outcomes;
}

describe('transport choice', () => {
  it('static and header/path-templated steps take the fast transport; https, HEAD, templated bodies and http.transport: undici take undici', () => {
    const plan = quickPlan({ url: 'http://127.0.0.1:9/a/{{seq}}', rate: 1, durationMs: 1000 });
    const step = plan.journeys[0]!.steps[0]!;
    expect(stepTransport(step, plan).transport).toBe('fast');
    expect(stepTransport({ ...step, method: 'HEAD' }, plan)).toEqual({ transport: 'undici', why: 'HEAD request' });
    expect(stepTransport({ ...step, body: '{"n": {{seq}}}' }, plan).why).toBe('templated body');
    expect(stepTransport({ ...step, headers: { Expect: '100-continue' } }, plan).transport).toBe('undici');
    expect(stepTransport(step, { ...plan, targets: { default: 'https://127.0.0.1:9' } }).transport).toBe('undici');
    const forced = { ...plan, http: { ...plan.http, transport: 'undici' as const } };
    expect(stepTransport(step, forced).why).toBe('http.transport: undici');
    expect([...linkTransports(forced).values()]).toEqual(['undici']);
  });

  it('a templated path goes out rendered per send over the fast transport, counted exactly', async () => {
    target = await startTarget();
    const step = only(quickPlan({ url: `${target.url}/items/{{seq}}`, rate: 1, durationMs: 1000 }));
    expect(step.transport).toBe('fast');
    expect(await send(step, 20, scope())).toEqual(Array(20).fill('200'));
    expect(target.received).toBe(20);
    expect([...target.byPath.keys()].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `/items/${i}`).sort());
  });

  it('a rendered header value with a line break fails that request (class other), never reaches the target', async () => {
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, rate: 1, durationMs: 1000 });
    plan.journeys[0]!.steps[0]!.headers = { 'x-user': '{{user}}' }; // a journey variable, as a capture sets it
    const step = only(plan);
    expect(step.transport).toBe('fast');
    expect(await send(step, 2, scope({ user: 'a\r\nx-admin: 1' }))).toEqual(['other', 'other']);
    expect(await send(step, 1, scope({ user: 'alice' }))).toEqual(['200']);
    expect(target.received).toBe(1);
    expect(target.lastHeaders?.['x-user']).toBe('alice');
  });
});
