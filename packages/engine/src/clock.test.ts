import { describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { Clock, DueQueue } from './clock.js';

describe('DueQueue', () => {
  it('pops in due order, only what is due', () => {
    const q = new DueQueue<{ wakeAt: number; id: number }>();
    const times = [50, 10, 40, 10, 30, 20, 60, 0];
    times.forEach((wakeAt, id) => q.push({ wakeAt, id }));
    expect(q.peek()).toBe(0);
    const out: number[] = [];
    for (let it = q.popDue(35); it !== null; it = q.popDue(35)) out.push(it.wakeAt);
    expect(out).toEqual([0, 10, 10, 20, 30]);
    expect(q.size).toBe(3);
    const rest: number[] = [];
    q.drain((x) => rest.push(x.wakeAt));
    expect(rest.sort((a, b) => a - b)).toEqual([40, 50, 60]);
    expect(q.peek()).toBe(Infinity);
  });
});

describe('Clock', () => {
  it('wakes once, never before the due time, and an earlier request wins', async () => {
    const wakes: number[] = [];
    const waiters: (() => void)[] = [];
    const clock = new Clock((now) => {
      wakes.push(now);
      waiters.shift()?.();
    });
    const next = (): Promise<void> => new Promise((r) => waiters.push(r));
    const t0 = performance.now();
    clock.wakeAt(t0 + 40);
    clock.wakeAt(t0 + 15); // earlier: replaces the first
    clock.wakeAt(t0 + 30); // later than the armed one: ignored
    await next();
    expect(wakes[0]!).toBeGreaterThanOrEqual(t0 + 15);
    // a wake-up armed after the cancelled ones are due: had any of them fired, it would come first
    const t1 = performance.now();
    clock.wakeAt(t1 + 50);
    await next();
    expect(wakes).toHaveLength(2);
    expect(wakes[1]!).toBeGreaterThanOrEqual(t1 + 50);
    clock.stop();
  });
});
