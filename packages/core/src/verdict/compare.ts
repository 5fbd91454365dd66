// `peakdrill compare`: two runs side by side, per link, from their summary.json only (so runs
// from different machines, or copied out of CI artifacts, compare the same way).
//
// Figures: throughput is the steady-window achieved rate when both runs have a verdict for the
// link, else the whole-run answered req/s; p50/p99 are the whole-run percentiles; errors a rate
// (errors / completed), so runs of different lengths compare.
// A link regressed when its p99 rose, or its throughput fell, by more than `maxRegression`
// (a fraction). Without a threshold the changes are reported and nothing is gated.

import type { LinkSummary, Summary } from '../runfiles/summary.js';
import { formatChange, formatMs, formatRatio, formatRps } from './figures.js';
import { alignColumns } from './table.js';

export interface Change {
  base: number;
  next: number;
  /** next − base, in the metric's unit. */
  delta: number;
  /** (next − base) / base; null when base is 0 and next is not. */
  relative: number | null;
}

export interface LinkComparison {
  name: string;
  /** req/s */
  throughput: Change;
  /** ms */
  p50: Change;
  /** ms */
  p99: Change;
  /** error rate, a fraction of completed requests */
  errors: Change;
  errorCounts: { base: number; next: number };
  regressed: boolean;
  /** What regressed, in words: `p99 +32% (212 ms → 280 ms), limit 10%`. */
  regressions: string[];
}

export interface RunRef {
  id: string;
  scenario: string;
  startedAt: string;
  status: Summary['status'];
}

export interface CompareResult {
  base: RunRef;
  next: RunRef;
  maxRegression: number | null;
  links: LinkComparison[];
  onlyInBase: string[];
  onlyInNext: string[];
  regressed: boolean;
  /** Differences that make the comparison less like-for-like (other scenario, other plan). */
  notes: string[];
}

export interface CompareOptions {
  /** A fraction: 0.1 fails on a p99 10% higher or a throughput 10% lower. */
  maxRegression?: number;
}

export function compareRuns(base: Summary, next: Summary, opts: CompareOptions = {}): CompareResult {
  const max = opts.maxRegression ?? null;
  const nextByName = new Map(next.links.map((l) => [l.name, l]));
  const baseNames = new Set(base.links.map((l) => l.name));
  const links: LinkComparison[] = [];
  for (const b of base.links) {
    const n = nextByName.get(b.name);
    if (n) links.push(compareLink(b, n, max));
  }
  const notes: string[] = [];
  if (base.scenario !== next.scenario) notes.push(`the runs are of different scenarios (${base.scenario} vs ${next.scenario})`);
  if ((base.plannedRps ?? null) !== (next.plannedRps ?? null)) {
    notes.push(`the planned rates differ (${base.plannedRps === null ? 'closed model' : formatRps(base.plannedRps)} vs ${next.plannedRps === null ? 'closed model' : formatRps(next.plannedRps)}), so throughput changes reflect the plans too`);
  }
  if (Math.abs(base.durationS - next.durationS) > Math.max(1, 0.05 * base.durationS)) notes.push(`the runs lasted ${Math.round(base.durationS)} s and ${Math.round(next.durationS)} s`);
  for (const [which, s] of [['base', base], ['new', next]] as const) {
    if (s.status === 'aborted' || s.status === 'error') notes.push(`the ${which} run ended with status ${s.status}`);
  }
  return {
    base: ref(base),
    next: ref(next),
    maxRegression: max,
    links,
    onlyInBase: base.links.filter((l) => !nextByName.has(l.name)).map((l) => l.name),
    onlyInNext: next.links.filter((l) => !baseNames.has(l.name)).map((l) => l.name),
    regressed: links.some((l) => l.regressed),
    notes,
  };
}

function compareLink(b: LinkSummary, n: LinkSummary, max: number | null): LinkComparison {
  // The steady-window throughput when both runs have verdicts (like for like), else whole-run.
  const both = b.verdict !== null && n.verdict !== null;
  const throughput = change(both ? b.verdict!.achievedRps : b.rps, both ? n.verdict!.achievedRps : n.rps);
  const p50 = change(b.latencyMs.p50, n.latencyMs.p50);
  const p99 = change(b.latencyMs.p99, n.latencyMs.p99);
  const errors = change(errorRate(b), errorRate(n));
  const regressions: string[] = [];
  if (max !== null) {
    const limit = `limit ${formatRatio(max)}`;
    if (p99.relative !== null && p99.relative > max) regressions.push(`p99 ${formatChange(p99.relative)} (${formatMs(p99.base)} → ${formatMs(p99.next)}), ${limit}`);
    if (throughput.relative !== null && -throughput.relative > max) {
      regressions.push(`throughput ${formatChange(throughput.relative)} (${formatRps(throughput.base)} → ${formatRps(throughput.next)}), ${limit}`);
    }
  }
  return { name: b.name, throughput, p50, p99, errors, errorCounts: { base: b.errors, next: n.errors }, regressed: regressions.length > 0, regressions };
}

const errorRate = (l: LinkSummary): number => (l.count > 0 ? l.errors / l.count : 0);

function change(base: number, next: number): Change {
  const delta = next - base;
  return { base, next, delta, relative: base === 0 ? (next === 0 ? 0 : null) : delta / base };
}

const ref = (s: Summary): RunRef => ({ id: s.id, scenario: s.scenario, startedAt: s.startedAt, status: s.status });

const signed = (text: string, delta: number): string => (delta > 0 ? `+${text}` : delta < 0 ? `-${text}` : `±${text}`);

/** The regression table: one row per metric per link, base → new with absolute and relative change. */
export function formatCompare(r: CompareResult): string {
  const out: string[] = [`base ${r.base.id} (${r.base.scenario}) → new ${r.next.id} (${r.next.scenario})`, ''];
  const rows: string[][] = [['link', 'metric', 'base', 'new', 'change', '', '']];
  for (const l of r.links) {
    const worseP99 = l.regressions.some((x) => x.startsWith('p99'));
    const worseRps = l.regressions.some((x) => x.startsWith('throughput'));
    const metrics: [string, Change, (v: number) => string, string, boolean][] = [
      ['throughput', l.throughput, formatRps, signed(formatRps(Math.abs(l.throughput.delta)), l.throughput.delta), worseRps],
      ['p50', l.p50, formatMs, signed(formatMs(Math.abs(l.p50.delta)), l.p50.delta), false],
      ['p99', l.p99, formatMs, signed(formatMs(Math.abs(l.p99.delta)), l.p99.delta), worseP99],
      ['errors', l.errors, formatRatio, signed(`${formatRatio(Math.abs(l.errors.delta)).slice(0, -1)} pt`, l.errors.delta), false],
    ];
    metrics.forEach(([name, c, f, abs, worse], i) => {
      rows.push([i === 0 ? l.name : '', name, f(c.base), f(c.next), abs, `(${formatChange(c.relative)})`, worse ? 'REGRESSION' : '']);
    });
  }
  if (r.links.length > 0) out.push(alignColumns(rows, ['l', 'l', 'r', 'r', 'r', 'r', 'l']));
  else out.push('(no link appears in both runs)');
  if (r.onlyInBase.length > 0) out.push('', `Only in the base run: ${r.onlyInBase.join(', ')}`);
  if (r.onlyInNext.length > 0) out.push('', `Only in the new run: ${r.onlyInNext.join(', ')}`);
  if (r.notes.length > 0) {
    out.push('', 'Note:');
    for (const n of r.notes) out.push(`  ${n}`);
  }
  out.push('');
  if (r.maxRegression === null) out.push('No --max-regression given: changes reported, not gated.');
  else if (r.regressed) {
    out.push(`REGRESSION beyond ${formatRatio(r.maxRegression)}:`);
    for (const l of r.links) for (const x of l.regressions) out.push(`  ${l.name}: ${x}`);
  } else out.push(`OK: no link's p99 rose or throughput fell by more than ${formatRatio(r.maxRegression)}.`);
  return out.join('\n') + '\n';
}
