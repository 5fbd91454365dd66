// A replay over agents: an agent cannot read the controller's log file, so the controller reads
// it once, splits it as the local generators would (request i to generator i mod count), and
// ships each generator its own share inside the sealed, chunked assignment (chunks.ts). Only
// the requests due inside the window are shipped, and the shares are bounded in all.

import { basename } from 'node:path';
import { totalDurationMs, UserError, type Plan, type WorkerAssignment } from '@peakdrill/core';
import { replayLinks, replayShares } from '@peakdrill/engine';

/** Shares of all generators together, in characters (one JSON line per request, ~60 bytes each). */
export const REPLAY_SHIP_MAX_CHARS = 64 * 1024 * 1024;

/** One share per generator of the drill, or null when the plan is no replay. */
export async function replaySharesFor(plan: Plan, generators: number, maxChars = REPLAY_SHIP_MAX_CHARS): Promise<string[] | null> {
  const load = plan.load;
  if (load.model !== 'replay') return null;
  let r: Awaited<ReturnType<typeof replayShares>>;
  try {
    r = await replayShares(load, replayLinks(plan), generators, totalDurationMs(load.stages), maxChars);
  } catch (err) {
    throw new UserError('DATA_FILE_UNREADABLE', `replay: cannot read ${load.log} to ship it to the agents (${(err as Error).message})`);
  }
  if ('overChars' in r) {
    const mib = (n: number): string => `${Math.ceil(n / (1024 * 1024))} MiB`;
    throw new UserError('REPLAY_TOO_LARGE_TO_SHIP', `replay: the requests of ${load.log} within the window take over ${mib(maxChars)} to ship to the agents; replay a shorter window (\`duration:\`) or a part of the log per run`);
  }
  return r.shares;
}

/** An agent's copy of an assignment: its share attached, and the controller's path (meaningless there) replaced by the log's name. */
export function withReplayShare(a: WorkerAssignment, shares: string[] | null): WorkerAssignment {
  if (shares === null || a.plan.load.model !== 'replay') return a;
  return { ...a, plan: { ...a.plan, load: { ...a.plan.load, log: `(shipped) ${basename(a.plan.load.log)}` } }, replayShare: shares[a.index] ?? '' };
}
