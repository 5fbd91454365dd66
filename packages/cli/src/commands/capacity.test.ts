// `peakdrill capacity --url … --protect` as a user runs it: quick mode has no `shed:` to
// declare, so a rate limiter's 429 must count as shed (as in a scenario with `shed: [429]`),
// not as an error — else goodput counts the refusals and the shed share reads 0.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProtectResult } from '@peakdrill/controller';
import type { Summary } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { startPeakdrill } from '../spawn.fixture.js';

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

// The same token bucket as controller/src/protect.test.ts (to be replaced by the engine
// fixture's `tokenBucketTarget` once it lands): N per second, beyond it a 429 at once.
async function rateLimited(perSecond: number): Promise<Target> {
  const t = await startTarget();
  let tokens = perSecond / 10;
  let last = performance.now();
  t.handler = (_req, res) => {
    const now = performance.now();
    tokens = Math.min(perSecond / 10, tokens + ((now - last) / 1000) * perSecond);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return false;
    }
    res.writeHead(429).end('sold out, try again');
    return true;
  };
  return t;
}

describe('peakdrill capacity --url --protect', () => {
  // a capacity search of 2.5 s steps and two steps past the knee, each a drill in a child
  // process, on a busy 2-core machine
  it('counts the limiter\'s 429 as shed: goodput plateaus at the limit, the shed share grows, protection holds', async () => {
    target = await rateLimited(50);
    const out = mkdtempSync(join(tmpdir(), 'peakdrill-cli-protect-'));
    const p = startPeakdrill(['capacity', '--url', `${target.url}/`, '--protect', '--beyond', '2', '--budget', 'errors<1%', '--budget', 'shed<5%', '--start-rate', '10', '--step-duration', '2500ms', '--warmup', '1s', '--precision', '0.25', '--max-rate', '1000', '--timeout', '500ms', '--workers', '1', '--out', out, '--json', '--quiet']);
    const code = await p.exited;
    expect(code, p.stderr).toBe(0);
    const r = JSON.parse(p.stdout) as ProtectResult;
    expect(r.steps.map((s) => s.multiple)).toEqual([1.5, 2]);
    for (const s of r.steps) {
      expect(s.goodputRps, s.why).toBeLessThanOrEqual(50 * 1.15); // the 429s are not goodput
      expect(s.goodputRps, s.why).toBeGreaterThanOrEqual(r.kneeGoodputRps * 0.9);
      expect(s.hardFailureShare).toBe(0);
    }
    expect(r.steps.at(-1)!.shedShare).toBeGreaterThan(0.2);
    expect(r.passed).toBe(true);
    // in the step's own run files: shed, and not one 4xx error
    const last = JSON.parse(readFileSync(join(r.steps.at(-1)!.runDir, 'summary.json'), 'utf8')) as Summary;
    expect(last.links[0]!.outcomes.shed).toBeGreaterThan(0);
    expect(last.links[0]!.outcomes.http_4xx).toBe(0);
    expect(last.links[0]!.errors).toBe(0);
  }, 240_000);
});
