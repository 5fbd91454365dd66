// Splitting a drill over agents by capacity. Each agent worker is one generator of the drill,
// so an agent with W workers of N in all carries W/N of the arrival rate (or VUs): the drill
// hands every generator the share 1/N with phase index/N, which deals arrival k to generator
// k mod N — the split is exact, the remainder included, and nothing is merged on the agents.
// An agent's generators take consecutive indices, so its `unique` CSV rows are one block.

import { withReplayShare } from './replay-ship.js';
import { evenBlock, parseCsv, type AgentAssignPayload, type DataFeeder, type Plan, type WorkerAssignment } from '@peakdrill/core';

export interface AgentSlot {
  id: string;
  name: string;
  /** Index of the agent's first generator; it runs [first, first + workers). */
  first: number;
  workers: number;
}

export function slotsFor(agents: { id: string; name: string; workers: number }[]): { slots: AgentSlot[]; generators: number } {
  const slots: AgentSlot[] = [];
  let next = 0;
  for (const a of agents) {
    const workers = Math.max(1, Math.floor(a.workers));
    slots.push({ id: a.id, name: a.name, first: next, workers });
    next += workers;
  }
  return { slots, generators: next };
}

export function ownsGenerator(slot: AgentSlot, index: number): boolean {
  return index >= slot.first && index < slot.first + slot.workers;
}

/** Planned fraction of the drill an agent carries. */
export function shareOf(slot: AgentSlot, generators: number): number {
  return generators > 0 ? slot.workers / generators : 0;
}

/**
 * What one agent gets: its generators' assignments with the start instant moved into the
 * agent's clock (`offsetMs` = agent clock − controller clock), the CSV files once, and `unique`
 * CSV feeders partitioned over every generator of the drill when the drill left them whole, and
 * in a replay each generator's own share of the log (`replayShares`, by generator index).
 */
export function payloadFor(slot: AgentSlot, assignments: WorkerAssignment[], dataFiles: Record<string, string>, offsetMs: number, replayShares: string[] | null = null): Omit<AgentAssignPayload, 'runKey' | 'controlSeq'> {
  const rowCounts = new Map<string, number>();
  const mine = assignments
    .filter((a) => ownsGenerator(slot, a.index))
    .map((a) => {
      const { dataFiles: _shipped, ...rest } = a;
      const out: WorkerAssignment = { ...withReplayShare(rest, replayShares), startAtMs: a.startAtMs + offsetMs };
      const ranges = { ...(a.uniqueRanges ?? {}) };
      for (const [name, f] of Object.entries(a.plan.data)) {
        if (f.mode !== 'unique' || ranges[name] || f.source.kind !== 'csv') continue;
        const text = dataFiles[name];
        if (text === undefined) continue;
        let rows = rowCounts.get(name);
        if (rows === undefined) {
          rows = parseCsv(text).length;
          rowCounts.set(name, rows);
        }
        ranges[name] = evenBlock(rows, a.index, a.count);
      }
      if (Object.keys(ranges).length > 0) out.uniqueRanges = ranges;
      return out;
    });
  return { assignments: mine, ...(Object.keys(dataFiles).length > 0 ? { dataFiles } : {}) };
}

/** The CSV feeders' files, read once on the controller and shipped to the agents. */
export function csvFeeders(plan: Plan): [string, Extract<DataFeeder['source'], { kind: 'csv' }>][] {
  const out: [string, Extract<DataFeeder['source'], { kind: 'csv' }>][] = [];
  for (const [name, f] of Object.entries(plan.data)) if (f.source.kind === 'csv') out.push([name, f.source]);
  return out;
}
