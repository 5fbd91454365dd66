import { describe, expect, it } from 'vitest';
import { quickPlan, type WorkerAssignment } from '@peakdrill/core';
import { evenBlock as blockOf } from '@peakdrill/core';
import { payloadFor, shareOf, slotsFor } from './split.js';

describe('splitting a drill over agents by capacity', () => {
  it('gives each agent consecutive generators, one per worker, and a share by workers', () => {
    const { slots, generators } = slotsFor([
      { id: 'a', name: 'a', workers: 4 },
      { id: 'b', name: 'b', workers: 1 },
      { id: 'c', name: 'c', workers: 3 },
    ]);
    expect(generators).toBe(8);
    expect(slots.map((s) => [s.first, s.workers])).toEqual([[0, 4], [4, 1], [5, 3]]);
    expect(slots.map((s) => shareOf(s, generators))).toEqual([0.5, 0.125, 0.375]);
  });

  it('partitions unique rows with the remainder on the first generators, covering every row once', () => {
    const blocks = Array.from({ length: 3 }, (_, i) => blockOf(10, i, 3));
    expect(blocks).toEqual([[0, 4], [4, 7], [7, 10]]);
  });

  it('ships an agent only its generators, the start instant in its clock, the CSV once, and unique ranges', () => {
    const plan = quickPlan({ url: 'http://127.0.0.1:9/', rate: 10, durationMs: 1000 });
    plan.data = { users: { source: { kind: 'csv', file: '/nowhere/users.csv', columns: ['id'] }, mode: 'unique' } };
    const csv = 'id\n1\n2\n3\n4\n5\n';
    const assignments: WorkerAssignment[] = Array.from({ length: 3 }, (_, index) => ({ runId: 'r', plan, index, count: 3, share: 1 / 3, startAtMs: 1_000_000, shadowSecret: 's' }));
    const { slots } = slotsFor([
      { id: 'a', name: 'a', workers: 1 },
      { id: 'b', name: 'b', workers: 2 },
    ]);
    const p = payloadFor(slots[1]!, assignments, { users: csv }, 250);
    expect(p.assignments.map((a) => a.index)).toEqual([1, 2]);
    expect(p.assignments.every((a) => a.startAtMs === 1_000_250)).toBe(true);
    expect(p.assignments.map((a) => a.uniqueRanges?.users)).toEqual([[2, 4], [4, 5]]);
    expect(p.dataFiles).toEqual({ users: csv });
    expect(p.assignments.every((a) => a.dataFiles === undefined)).toBe(true);
  });
});
