// The recovery verdict of a fault: how long after it was undone each link's p99 and error rate
// were back within the link's budgets, from the per-second figures of timeseries.ndjson, against
// the fault's `recovery: { within }` budget.
//
// Resolution is one second: counting starts at the first whole second after the undo (the
// second the undo fell in is partly faulty), and a link is back at the first second from which
// it stays within budget for STABLE_S seconds (or until the run ends). A second with no
// answers is not within budget. Only budgets the per-second lines carry are judged: latency
// percentiles p50, p90, p99 and max of the link (not of a hop), and the error rate.

import type { Budget, Fault, Plan } from '../plan.js';
import type { FaultRecord, LinkRecovery, RecoveryResult, TimeseriesLine } from '../runfiles/summary.js';
import { budgetLabel } from './budget.js';

/** Seconds a link must stay within budget to count as recovered. */
export const STABLE_S = 3;

type SecondBudget = { kind: 'latency'; key: 'p50' | 'p90' | 'p99' | 'max'; maxMs: number; label: string } | { kind: 'errorRate'; max: number; label: string };

function secondBudgets(budgets: readonly Budget[]): SecondBudget[] {
  const out: SecondBudget[] = [];
  for (const b of budgets) {
    if (b.kind === 'errorRate') out.push({ kind: 'errorRate', max: b.max, label: budgetLabel(b) });
    else if (b.kind === 'latency' && b.hop === undefined && (b.percentile === 'p50' || b.percentile === 'p90' || b.percentile === 'p99' || b.percentile === 'max')) {
      out.push({ kind: 'latency', key: b.percentile, maxMs: b.maxMs, label: budgetLabel(b) });
    }
  }
  return out;
}

function within(line: TimeseriesLine | undefined, b: SecondBudget): boolean {
  if (!line || line.count <= 0) return false;
  if (b.kind === 'errorRate') return line.errors / line.count <= b.max;
  return line.latencyMs[b.key] <= b.maxMs;
}

/** First second ≥ from at which `ok` holds for STABLE_S seconds (or to the run's end); null if never. */
function backAt(ok: (t: number) => boolean, from: number, endS: number): number | null {
  for (let s = from; s < endS; s++) {
    let held = true;
    for (let t = s; t < Math.min(endS, s + STABLE_S); t++) {
      if (!ok(t)) {
        held = false;
        s = t; // nothing before t+1 can start a stable run
        break;
      }
    }
    if (held) return s;
  }
  return null;
}

/** `plan #37 (degrade recommendations)` from `#37 degrade recommendations`; `fault NAME` without a plan. */
export function planSubject(fault: Pick<Fault, 'name' | 'plan'>): string {
  if (fault.plan === undefined) return `fault ${fault.name}`;
  const m = /^(#\S+)\s+(.+)$/.exec(fault.plan.trim());
  return m ? `plan ${m[1]} (${m[2]})` : `plan ${fault.plan.trim()}`;
}

const secs = (s: number): string => `${Math.round(s * 10) / 10} s`;

/** The recovery verdict of one fault as it ran, from the run's per-second lines. */
export function recoveryOf(fault: Fault, record: FaultRecord, plan: Plan, lines: readonly TimeseriesLine[], durationS: number): RecoveryResult {
  const withinMs = fault.recovery?.withinMs;
  const budgetPart = withinMs !== undefined ? { withinMs } : {};
  const subject = planSubject(fault);
  if (record.error !== undefined || record.undoneAtS === undefined) {
    return { ...budgetPart, passed: false, recoveredS: null, links: [], reason: `${subject} was not exercised: ${record.error ?? 'the fault was never undone'}` };
  }
  const names = fault.recovery?.links ?? Object.keys(plan.capacity.links);
  const bySecond = new Map<string, Map<number, TimeseriesLine>>();
  for (const l of lines) {
    let m = bySecond.get(l.link);
    if (!m) bySecond.set(l.link, (m = new Map()));
    m.set(l.t, l);
  }
  const from = Math.ceil(record.undoneAtS - 1e-6);
  const endS = Math.max(from, Math.floor(durationS + 0.1));
  const links: LinkRecovery[] = [];
  for (const link of names) {
    const budgets = secondBudgets(plan.capacity.links[link]?.budgets ?? []);
    if (budgets.length === 0) continue;
    const seconds = bySecond.get(link) ?? new Map<number, TimeseriesLine>();
    const lat = budgets.filter((b) => b.kind === 'latency');
    const err = budgets.filter((b) => b.kind === 'errorRate');
    const since = (s: number | null): number | null => (s === null ? null : s - from);
    const p99S = lat.length ? since(backAt((t) => lat.every((b) => within(seconds.get(t), b)), from, endS)) : 0;
    const errorsS = err.length ? since(backAt((t) => err.every((b) => within(seconds.get(t), b)), from, endS)) : 0;
    const recoveredS = p99S === null || errorsS === null ? null : Math.max(p99S, errorsS);
    links.push({ link, p99S, errorsS, recoveredS, budgets: budgets.map((b) => b.label) });
  }
  if (links.length === 0) {
    const passed = withinMs === undefined;
    return { ...budgetPart, passed, recoveredS: null, links, reason: `${subject}: no link has a p99 or error-rate budget to recover to${passed ? '' : ', so the recovery budget cannot be judged'}` };
  }
  const never = links.find((l) => l.recoveredS === null);
  const worst = never ?? links.reduce((a, b) => ((b.recoveredS ?? 0) > (a.recoveredS ?? 0) ? b : a));
  const recoveredS = never ? null : worst.recoveredS;
  const passed = withinMs === undefined || (recoveredS !== null && recoveredS * 1000 <= withinMs);
  const budgetText = withinMs !== undefined ? `budget ${secs(withinMs / 1000)}` : 'no recovery budget set';
  const what = (l: LinkRecovery): string => {
    const parts: string[] = [];
    if (l.p99S !== null && l.budgets.some((b) => !b.startsWith('errors'))) parts.push(`p99 back in ${secs(l.p99S)}`);
    if (l.errorsS !== null && l.budgets.some((b) => b.startsWith('errors'))) parts.push(`errors back in ${secs(l.errorsS)}`);
    return `${l.link}: ${parts.join(', ')}`;
  };
  let reason: string;
  if (never) {
    const still = [never.p99S === null ? 'latency' : '', never.errorsS === null ? 'errors' : ''].filter(Boolean).join(' and ');
    reason = `${subject} did not hold: ${never.link}: ${still} still over budget when the run ended, ${secs(endS - from)} after the fault ended (${budgetText})`;
  }
  else if (!passed) reason = `${subject} did not hold: ${what(worst)}, ${budgetText}`;
  else reason = `${subject} held: ${what(worst)} (${budgetText})`;
  return { ...budgetPart, passed, recoveredS, links, reason };
}

/** Fills in every fault record's recovery verdict. */
export function judgeRecoveries(plan: Plan, records: readonly FaultRecord[], lines: readonly TimeseriesLine[], durationS: number): FaultRecord[] {
  return records.map((r) => {
    const fault = plan.faults?.find((f) => f.name === r.name);
    return fault ? { ...r, recovery: recoveryOf(fault, r, plan, lines, durationS) } : r;
  });
}

/** The faults section of the terminal verdict: one row per fault, then each one's reason. */
export function formatFaultRows(faults: readonly FaultRecord[]): string[][] {
  return faults.map((f) => [
    'fault',
    f.name,
    `seconds ${f.injectedAtS ?? f.plannedS.fromS}–${f.undoneAtS ?? f.plannedS.toS}`,
    f.recovery === undefined ? '' : f.recovery.passed ? 'PASS' : 'FAIL',
    f.recovery?.reason ?? f.error ?? f.what,
  ]);
}

/** Faults whose recovery verdict failed. */
export function failedRecoveries(summary: { faults?: readonly FaultRecord[] }): number {
  return (summary.faults ?? []).filter((f) => f.recovery?.passed === false).length;
}

/** True unless a fault's recovery verdict failed. */
export function recoveriesPassed(summary: { faults?: readonly FaultRecord[] }): boolean {
  return (summary.faults ?? []).every((f) => f.recovery?.passed !== false);
}
