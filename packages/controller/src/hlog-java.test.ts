// histograms.hlog is read by the HdrHistogram reference implementation: Java's
// HistogramLogReader (Debian's libhdrhistogram-java, installed by .ci/run) reads every interval
// of a real run, and its counts and p99 per link agree with summary.json. Link names with
// spaces, commas, `%` and CJK become legal tags (percent-encoded) and map back exactly.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeHlogTag, quickPlan, type Summary } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { Drill } from './drill.js';

const JAR = '/usr/share/java/hdrhistogram.jar';
const haveJava = existsSync(JAR) && commandExists('javac') && commandExists('java');
// on a developer's machine without Java the test is skipped with the reason; in CI it must run
const runIt = haveJava || process.env.CI === 'true' ? it : it.skip;

function commandExists(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

describe('histograms.hlog and the Java reference reader', () => {
  runIt(`the Java HistogramLogReader reads every interval; counts and p99 agree with summary.json${haveJava ? '' : ' (needs javac and libhdrhistogram-java)'}`, { timeout: 60_000 }, async () => {
    expect(haveJava, `javac, java and ${JAR} are needed (apt-get install default-jdk-headless libhdrhistogram-java)`).toBe(true);
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, rate: 200, durationMs: 2000 });
    plan.shadow.enabled = false;
    const odd = 'GET /cart, 下单 50% done';
    plan.journeys[0]!.steps[0]!.name = odd;
    const out = mkdtempSync(join(tmpdir(), 'peakdrill-hlog-java-'));
    const result = await new Drill({ plan, outDir: out, workers: 2 }).run();
    const summary = JSON.parse(readFileSync(join(result.dir, 'summary.json'), 'utf8')) as Summary;

    const classes = mkdtempSync(join(tmpdir(), 'peakdrill-java-'));
    const source = join(dirname(fileURLToPath(import.meta.url)), 'hlog-reference', 'ReadHlog.java');
    execFileSync('javac', ['-cp', JAR, '-d', classes, source], { stdio: 'pipe' });
    const text = execFileSync('java', ['-cp', `${JAR}:${classes}`, 'ReadHlog', join(result.dir, 'histograms.hlog')], { encoding: 'utf8' });
    const rows = new Map<string, { count: number; p99Us: number }>();
    let intervals = 0;
    for (const line of text.trim().split('\n')) {
      const [tag, a, b] = line.split('\t');
      if (tag === '#intervals') intervals = Number(a);
      else rows.set(decodeHlogTag(tag!), { count: Number(a), p99Us: Number(b) });
    }
    // every second of the run, three histograms each (latency, service, none for hops here)
    expect(intervals).toBeGreaterThanOrEqual(2 * 2);
    const link = summary.links.find((l) => l.name === odd)!;
    expect(link.count).toBe(400);
    const java = rows.get(odd);
    expect(java, `tags read: ${[...rows.keys()].join(' | ')}`).toBeDefined();
    expect(java!.count).toBe(link.count);
    // same HDR algorithm, same buckets: the same p99 to the microsecond
    expect(java!.p99Us / 1000).toBeCloseTo(link.latencyMs.p99, 3);
    expect(rows.get(`${odd}|service`)?.count).toBe(link.count);
  });
});
