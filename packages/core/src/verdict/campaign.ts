// Readiness over rounds: the runs of one campaign (`campaign: double11-2026`), oldest first,
// and per link what a TPM asks on one screen — is it ready for the peak, and if not, why.
//
// A link is ready when, in the latest round that measured it, its verdict passed (throughput
// target and budgets) and every fault judged on it held. "Why not" names the missed budgets
// and the faults that did not hold, in the verdict's own words.

import type { RunNote } from '../runfiles/notes.js';
import type { Summary } from '../runfiles/summary.js';

export interface CampaignRun {
  id: string;
  summary: Summary;
  notes: RunNote[];
}

export interface RoundLink {
  name: string;
  target: number | null;
  achieved: number | null;
  headroom: number | null;
  p99: number;
  passed: boolean | null;
  /** Faults judged on this link in the round: how many held. */
  faults: { held: number; total: number };
}

export interface CampaignRound {
  id: string;
  startedAt: string;
  status: Summary['status'];
  links: RoundLink[];
  notes: RunNote[];
}

export interface LinkReadiness {
  name: string;
  ready: boolean;
  /** In words: why it is ready or not, from its latest round. */
  why: string;
  /** The latest round that measured it. */
  latest: string;
  /** Headroom and p99 round by round (null where the round did not measure it). */
  trend: { id: string; headroom: number | null; p99: number | null }[];
}

export interface CampaignReadiness {
  name: string;
  rounds: CampaignRound[];
  links: LinkReadiness[];
}

function faultsOn(s: Summary, link: string): { held: number; total: number; missed: string[] } {
  let held = 0;
  let total = 0;
  const missed: string[] = [];
  for (const f of s.faults ?? []) {
    const r = f.recovery;
    if (!r || !(r.links.some((l) => l.link === link) || (r.links.length === 0 && !r.passed))) continue;
    total++;
    if (r.passed) held++;
    else missed.push(r.reason);
  }
  return { held, total, missed };
}

export function campaignReadiness(name: string, runs: readonly CampaignRun[]): CampaignReadiness {
  const ordered = [...runs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rounds: CampaignRound[] = ordered.map((r) => ({
    id: r.id,
    startedAt: r.summary.startedAt,
    status: r.summary.status,
    notes: r.notes,
    links: r.summary.links.map((l) => {
      const f = faultsOn(r.summary, l.name);
      return {
        name: l.name,
        target: l.verdict?.targetRps ?? l.target,
        achieved: l.verdict?.achievedRps ?? l.rps,
        headroom: l.verdict?.headroom ?? null,
        p99: l.latencyMs.p99,
        passed: l.verdict ? l.verdict.passed : null,
        faults: { held: f.held, total: f.total },
      };
    }),
  }));
  const names = [...new Set(rounds.flatMap((r) => r.links.map((l) => l.name)))];
  const links: LinkReadiness[] = names.map((link) => {
    const trend = rounds.map((r) => {
      const l = r.links.find((x) => x.name === link);
      return { id: r.id, headroom: l?.headroom ?? null, p99: l ? l.p99 : null };
    });
    const lastRun = [...ordered].reverse().find((r) => r.summary.links.some((l) => l.name === link))!;
    const l = lastRun.summary.links.find((x) => x.name === link)!;
    const f = faultsOn(lastRun.summary, link);
    const why: string[] = [];
    if (!l.verdict) why.push('no target or budget: nothing says what ready means for this link');
    else for (const b of l.verdict.budgets) if (!b.passed) why.push(`${b.budget}: ${b.reason}`);
    why.push(...f.missed);
    if (lastRun.summary.status === 'inconclusive') why.push('the latest round was inconclusive: the generator fell behind');
    if (lastRun.summary.status === 'aborted') why.push('the latest round was stopped early');
    const ready = why.length === 0;
    const headroom = l.verdict?.headroom;
    const okText = `every budget met${headroom !== undefined ? `, headroom ${Math.round(headroom * 100)}% of target` : ''}${f.total ? `, ${f.held} of ${f.total} faults held` : ''}`;
    return { name: link, ready, why: ready ? okText : why.join('; '), latest: lastRun.id, trend };
  });
  return { name, rounds, links };
}
