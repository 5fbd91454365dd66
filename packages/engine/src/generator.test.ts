import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeHistogram, newHistogram, parseScenario, quickPlan, summarizeHistogram, type GeneratorMessage, type IntervalMessage, type Plan, type ReadyMessage } from '@peakdrill/core';
import { Generator, PACED_WARMUP_MIN_RATE } from './generator.js';
import { signRunId } from './shadow.js';
import { WARMUP_REQUESTS } from './warmup.js';
import { startTarget, type Target } from './testing.fixture.js';

interface Collected {
  intervals: IntervalMessage[];
  ready: ReadyMessage;
  count: number;
  outcomes: Record<string, number>;
  p: (q: number) => number;
  service: (q: number) => number;
  started: number;
  tagSent: number;
  tagAck: number;
}

async function drive(plan: Plan, opts: { runId?: string; secret?: string; during?: (g: Generator) => void } = {}): Promise<Collected> {
  const msgs: GeneratorMessage[] = [];
  // the controller's handshake: the clock starts a short margin after the generator is ready
  const g: Generator = new Generator({ runId: opts.runId ?? 'test-run', plan, index: 0, count: 1, share: 1, startAtMs: 0, awaitStart: true, ...(opts.secret ? { shadowSecret: opts.secret } : {}) }, (m) => {
    msgs.push(m);
    if (m.type === 'ready') {
      g.control({ type: 'start', startAtMs: Date.now() + 20 });
      opts.during?.(g);
    }
  });
  await g.run();
  const intervals = msgs.filter((m): m is IntervalMessage => m.type === 'interval');
  const lat = newHistogram();
  const svc = newHistogram();
  const outcomes: Record<string, number> = {};
  let started = 0;
  let tagSent = 0;
  let tagAck = 0;
  for (const i of intervals) {
    for (const l of i.links) {
      lat.add(decodeHistogram(l.latency));
      svc.add(decodeHistogram(l.service));
      started += l.started;
      tagSent += l.tagSent;
      tagAck += l.tagAcknowledged;
      for (const [k, v] of Object.entries(l.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
    }
  }
  return {
    intervals,
    ready: msgs.find((m): m is ReadyMessage => m.type === 'ready')!,
    count: lat.totalCount,
    outcomes,
    p: (q) => lat.getValueAtPercentile(q) / 1000,
    service: (q) => svc.getValueAtPercentile(q) / 1000,
    started,
    tagSent,
    tagAck,
  };
}

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

/** At least one request per connection, and no more than the warm-up's request bound (plus the runs in flight when it was reached). */
function expectWarmupRounds(warmups: number, connections: number): void {
  expect(warmups).toBeGreaterThanOrEqual(connections);
  expect(warmups).toBeLessThanOrEqual(WARMUP_REQUESTS + connections);
}

/** The default warm-up: the target saw its connections open, and not one request before the drill's. */
function expectOnlyConnections(target: Target, r: Collected, connections: number): void {
  expect(target.warmups).toBe(0);
  expect(r.ready.warmup.connected).toBe(connections);
  expect(target.connections).toBe(connections);
  // the path ran hot all the same, against the generator's own loopback server
  expectWarmupRounds(r.ready.warmup.requests, connections);
}

describe('open model', () => {
  it('sends exactly the planned number of requests and the target counts the same', async () => {
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, rate: 400, durationMs: 2000 });
    const r = await drive(plan);
    expect(r.count).toBe(800);
    expect(r.started).toBe(800);
    expect(target.received).toBe(800);
    expect(r.outcomes.ok).toBe(800);
    // one interval message per second, plus the final one
    expect(r.intervals.map((i) => i.t)).toEqual([0, 1, 2]);
    // the warm-up opened the pool's connections, ran the path hot elsewhere and was never counted
    expectOnlyConnections(target, r, plan.http.connections);
  });

  it('measures from the scheduled time, so a stall shows as users felt it (no coordinated omission)', async () => {
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, rate: 200, durationMs: 3000 });
    plan.http.connections = 10;
    const r = await drive(plan, {
      during: () => {
        setTimeout(() => (target!.mode = 'stall'), 1050);
        setTimeout(() => target!.release(), 2050);
      },
    });
    expect(r.count).toBe(600);
    // a third of the requests were due during the 1 s stall: they waited up to ~1 s
    expect(r.p(90)).toBeGreaterThan(400);
    expect(r.p(99)).toBeGreaterThan(850);
    // service time (from the actual send) hides most of it: requests queued behind the stall
    // were sent only after it ended
    expect(r.service(90)).toBeLessThan(r.p(90));
  });
});

describe('replay model', () => {
  it('a request that finds maxInFlight in flight waits, and its wait is latency; only past the backlog is one dropped', { timeout: 20_000 }, async () => {
    target = await startTarget();
    const dir = mkdtempSync(join(tmpdir(), 'pd-replay-backlog-'));
    try {
      // 40 GETs in each of 3 seconds; the target stalls through second 1
      const lines: string[] = [];
      for (let s = 0; s < 3; s++) for (let i = 0; i < 40; i++) lines.push(`10.0.0.1 - - [02/Dec/2026:10:00:0${s} +0000] "GET /item HTTP/1.1" 200 5 "-" "ua"`);
      writeFileSync(join(dir, 'access.log'), lines.join('\n') + '\n');
      const yaml = [
        'name: replay-backlog',
        `targets: { web: "${target.url}" }`,
        'load: { model: replay, log: access.log, maxInFlight: 5 }',
        'requests:',
        '  - { name: "GET /item", url: "/item" }',
      ].join('\n');
      const plan = parseScenario(yaml, join(dir, 'replay.yaml'));
      plan.shadow.enabled = false;
      plan.http.connections = 5;
      plan.http.warmup = { enabled: false };
      let dropped = 0;
      const r = await drive(plan, {
        during: () => {
          setTimeout(() => (target!.mode = 'stall'), 1020);
          setTimeout(() => target!.release(), 2000);
        },
      });
      for (const i of r.intervals) dropped += i.dropped;
      // during the stall 5 are in flight and 5 wait; the other ~30 of that second are dropped
      // (without the backlog, ~35 would be)
      expect(dropped).toBeGreaterThanOrEqual(25);
      expect(dropped).toBeLessThanOrEqual(33);
      expect(r.count + dropped).toBe(120);
      // the waiting ones started only after the stall, their latency holding the wait: ~10 of
      // ~90 answers took the stall (without the backlog, 5 of ~85)
      expect(r.p(91)).toBeGreaterThan(500);
      // ...and were sent after it: measured from the send, only the 5 caught in flight were slow
      expect(r.service(91)).toBeLessThan(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('closed model', () => {
  it('records latency from the send: the same stall is seen by a handful of requests only', async () => {
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, connections: 5, durationMs: 3000 });
    plan.http.connections = 5;
    const r = await drive(plan, {
      during: () => {
        setTimeout(() => (target!.mode = 'stall'), 1050);
        setTimeout(() => target!.release(), 2050);
      },
    });
    expect(r.count).toBeGreaterThan(1000);
    expect(r.count).toBe(target.received);
    // five requests waited ~1 s; everything else was fast: p90 stays tiny
    expect(r.p(90)).toBeLessThan(50);
    expect(r.p(100)).toBeGreaterThan(850);
  });
});

describe('failures are classified and the run ends on time', () => {
  it('connect refused after the target dies', async () => {
    target = await startTarget();
    const t0 = Date.now();
    const r = await drive(quickPlan({ url: `${target.url}/`, rate: 200, durationMs: 2000 }), {
      during: () => setTimeout(() => void target!.kill(), 900),
    });
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(r.outcomes.ok).toBeGreaterThan(100);
    expect(r.outcomes.connect_refused).toBeGreaterThan(100);
    expect(r.count).toBe(400);
  });

  // three one-second drills, each with its warm-up and drain, on a busy 2-core machine
  it('resets, garbage and timeouts', { timeout: 20_000 }, async () => {
    target = await startTarget({ mode: 'reset' });
    let r = await drive(quickPlan({ url: `${target.url}/`, rate: 100, durationMs: 1000 }));
    expect(r.outcomes.reset).toBe(100);
    target.mode = 'garbage';
    r = await drive(quickPlan({ url: `${target.url}/`, rate: 100, durationMs: 1000 }));
    expect(r.outcomes.other).toBe(100);
    target.mode = 'stall';
    const t0 = Date.now();
    r = await drive(quickPlan({ url: `${target.url}/`, rate: 50, durationMs: 1000, timeoutMs: 300 }));
    expect(r.outcomes.timeout).toBe(50);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('counts HTTP errors by class and declared shed statuses apart', async () => {
    target = await startTarget({ status: 503 });
    const plan = quickPlan({ url: `${target.url}/`, rate: 100, durationMs: 1000 });
    let r = await drive(plan);
    expect(r.outcomes.http_5xx).toBe(100);
    plan.journeys[0]!.steps[0]!.shed = [503];
    r = await drive(plan);
    expect(r.outcomes.shed).toBe(100);
  });
});

describe('shadow tagging', () => {
  it('signs every request and counts acknowledgements', async () => {
    target = await startTarget({ headers: { 'x-peakdrill-shadow-ack': 'run-42' } });
    const plan = quickPlan({ url: `${target.url}/`, rate: 50, durationMs: 1000 });
    plan.shadow.enabled = true;
    const r = await drive(plan, { runId: 'run-42', secret: 's3cret' });
    expect(target.lastHeaders?.['x-peakdrill-shadow']).toBe(signRunId('run-42', 's3cret'));
    expect(target.lastHeaders?.baggage).toBe('peakdrill-shadow=run-42');
    expect(r.tagSent).toBe(50);
    expect(r.tagAck).toBe(50);
  });
});

describe('the start', () => {
  it('warm-up opens the pool before the clock and sends the target nothing else; `warmup: false` opens nothing', { timeout: 20_000 }, async () => {
    target = await startTarget({ headers: { 'x-peakdrill-shadow-ack': 'run-7' } });
    const plan = quickPlan({ url: `${target.url}/`, rate: 50, durationMs: 1000 });
    plan.http.connections = 8;
    plan.shadow.enabled = true;
    let r = await drive(plan, { runId: 'run-7', secret: 's3cret' });
    expectOnlyConnections(target, r, 8);
    expect(target.received).toBe(50);
    expect(r.tagSent).toBe(50);
    // the same through undici: its pool takes the connections opened for it
    plan.http.transport = 'undici';
    target.connections = 0;
    r = await drive(plan, { runId: 'run-7', secret: 's3cret' });
    expectOnlyConnections(target, r, 8);
    expect(r.outcomes.ok).toBe(50);
    expect(target.received).toBe(100);
    plan.http.warmup = { enabled: false };
    target.connections = 0;
    r = await drive(plan, { runId: 'run-7', secret: 's3cret' });
    expect(r.ready.warmup).toMatchObject({ requests: 0, connected: 0 });
    expect(target.warmups).toBe(0);
    expect(target.received).toBe(150);
    // undici opened connections for the drill's own arrivals only, as many as it needed
    expect(target.connections).toBeGreaterThan(0);
    expect(target.connections).toBeLessThanOrEqual(8);
  });

  it('`warmup.path` sends the warm-up requests to the target instead: untagged, uncounted', { timeout: 20_000 }, async () => {
    target = await startTarget({ headers: { 'x-peakdrill-shadow-ack': 'run-7' } });
    const plan = quickPlan({ url: `${target.url}/`, rate: 50, durationMs: 1000 });
    plan.http.connections = 8;
    plan.http.warmup = { enabled: true, path: '/healthz' };
    plan.shadow.enabled = true;
    const r = await drive(plan, { runId: 'run-7', secret: 's3cret' });
    expectWarmupRounds(target.warmups, 8);
    expect(target.warmups).toBe(r.ready.warmup.requests);
    expect(target.connections).toBe(8);
    expect(target.lastWarmupHeaders?.['x-peakdrill-shadow']).toBeUndefined();
    expect(target.lastWarmupHeaders?.baggage).toBeUndefined();
    expect(target.byPath.get('/healthz')).toBeUndefined();
    expect(target.received).toBe(50);
    expect(r.tagSent).toBe(50);
  });

  it('an open model at a high rate also warms up paced, through its own clock: uncounted, nothing sent to the target', { timeout: 30_000 }, async () => {
    target = await startTarget({ headers: { 'x-peakdrill-shadow-ack': 'run-8' } });
    const rate = PACED_WARMUP_MIN_RATE;
    const plan = quickPlan({ url: `${target.url}/`, rate, durationMs: 1000 });
    plan.http.connections = 20;
    plan.shadow.enabled = true;
    const msgs: GeneratorMessage[] = [];
    const g: Generator = new Generator({ runId: 'run-8', plan, index: 0, count: 1, share: 1, startAtMs: 0, awaitStart: true, shadowSecret: 's3cret' }, (m) => {
      msgs.push(m);
      if (m.type === 'ready') g.control({ type: 'start', startAtMs: Date.now() + 20 });
    });
    await g.run();
    const ready = msgs.find((m) => m.type === 'ready');
    // more warm-up requests than the closed-loop rounds alone may send: the paced windows ran
    expect(ready?.type === 'ready' && ready.warmup.requests).toBeGreaterThan(WARMUP_REQUESTS + plan.http.connections);
    expect(target.warmups).toBe(0);
    expect(target.connections).toBe(plan.http.connections);
    // the drill itself: exactly its planned arrivals, every one tagged, nothing of the warm-up
    expect(target.received).toBe(rate);
    const intervals = msgs.filter((m): m is IntervalMessage => m.type === 'interval');
    expect(intervals.flatMap((i) => i.links).reduce((a, l) => a + l.started, 0)).toBe(rate);
    expect(intervals.flatMap((i) => i.links).reduce((a, l) => a + l.tagSent, 0)).toBe(rate);
  });

  it('a stop during the paced warm-up ends it and the generator, without a start', { timeout: 30_000 }, async () => {
    target = await startTarget();
    const rate = PACED_WARMUP_MIN_RATE * 2;
    const plan = quickPlan({ url: `${target.url}/`, rate, durationMs: 5000 });
    plan.http.connections = 20;
    // through the target, so the test can see when the paced windows run
    plan.http.warmup = { enabled: true, path: '/' };
    const closedLoop = WARMUP_REQUESTS + plan.http.connections;
    const msgs: GeneratorMessage[] = [];
    const g = new Generator({ runId: 'run-9', plan, index: 0, count: 1, share: 1, startAtMs: 0, awaitStart: true }, (m) => msgs.push(m));
    const running = g.run();
    const stopWhenWarming = setInterval(() => {
      if (target!.warmups > closedLoop) {
        clearInterval(stopWhenWarming);
        g.stop();
      }
    }, 5);
    await running;
    // the paced window stopped at once: not even half of the first one (0.4 s at `rate`) ran
    expect(target.warmups).toBeLessThan(closedLoop + rate * 0.2);
    expect(target.received).toBe(0);
    expect(msgs.map((m) => m.type)).toContain('done');
    expect(msgs.filter((m) => m.type === 'interval').flatMap((m) => (m.type === 'interval' ? m.links : [])).reduce((a, l) => a + l.started, 0)).toBe(0);
  });

  it('reports ready before the clock starts, and a later step is due at the completion plus its think time', { timeout: 20_000 }, async () => {
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/a`, rate: 20, durationMs: 1000 });
    const first = plan.journeys[0]!.steps[0]!;
    first.thinkTimeMs = { minMs: 30, maxMs: 30 };
    plan.journeys[0]!.steps.push({ ...first, name: 'GET /b', path: '/b', thinkTimeMs: { minMs: 0, maxMs: 0 } });
    const msgs: GeneratorMessage[] = [];
    const g: Generator = new Generator({ runId: 'r', plan, index: 0, count: 1, share: 1, startAtMs: 0, awaitStart: true }, (m) => {
      msgs.push(m);
      if (m.type === 'ready') g.control({ type: 'start', startAtMs: Date.now() + 20 });
    });
    await g.run();
    expect(msgs[0]?.type).toBe('ready');
    expect(target.byPath.get('/a')).toBe(20);
    expect(target.byPath.get('/b')).toBe(20);
    const intervals = msgs.filter((m): m is IntervalMessage => m.type === 'interval');
    expect(intervals.flatMap((i) => i.journeys).reduce((a, j) => a + j.completed, 0)).toBe(20);
    // every send's lateness was recorded: 20 arrivals and 20 wake-ups after think time
    const late = newHistogram();
    for (const i of intervals) if (i.health) late.add(decodeHistogram(i.health.lateness));
    expect(late.totalCount).toBe(40);
  });
});

describe('summaries', () => {
  it('percentiles come out in ms', () => {
    const h = newHistogram();
    for (let i = 1; i <= 1000; i++) h.recordValue(i * 1000);
    const s = summarizeHistogram(h);
    expect(s.p50).toBeCloseTo(500, -1);
    expect(s.max).toBeCloseTo(1000, -1);
  });
});

describe('data feeders in a running drill', () => {
  it('a unique feeder that runs out is reported, and a closed-model VU does not spin on it', async () => {
    target = await startTarget();
    const plan = quickPlan({ url: `${target.url}/`, connections: 2, durationMs: 1000 });
    plan.data = { users: { source: { kind: 'list', rows: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] }, mode: 'unique' } };
    plan.journeys[0]!.steps[0]!.path = '/u/{{users.id}}';
    const msgs: GeneratorMessage[] = [];
    const g = new Generator({ runId: 'r', plan, index: 0, count: 1, share: 1, startAtMs: Date.now() + 20 }, (m) => msgs.push(m));
    await g.run();
    const intervals = msgs.filter((m): m is IntervalMessage => m.type === 'interval');
    const completed = intervals.flatMap((i) => i.journeys).reduce((a, j) => a + j.completed, 0);
    expect(completed).toBe(3);
    expect(target.received).toBe(3);
    expect([...target.byPath.keys()].sort()).toEqual(['/u/a', '/u/b', '/u/c']);
    expect(intervals.flatMap((i) => i.notes ?? []).join(' ')).toMatch(/users.*ran out of unique rows/);
  });
});
