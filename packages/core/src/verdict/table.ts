// The verdict table printed at the end of a run (and by `peakdrill report`): pure, data in,
// string out; only the CLI writes it to the terminal.
//
//   link          target         achieved       headroom  budget          measured       result
//   order.create  15,000 req/s   14,230 req/s   95%       rps ≥ 15,000    14,230 req/s   FAIL
//                                                         p99 ≤ 250 ms    312.1 ms       FAIL
//                                                         errors ≤ 0.1%   0.02%          PASS

import { failedRecoveries, formatFaultRows } from './recovery.js';
import type { LinkSummary, PostCheckResult, Summary } from '../runfiles/summary.js';
import { formatMeasured } from './budget.js';
import { formatCount, formatRatio, formatRps } from './figures.js';
import { describeWindow } from './verdicts.js';

export interface VerdictRow {
  link: string;
  /** Only on a link's first row; the rows below it repeat nothing. */
  first: boolean;
  target: string;
  achieved: string;
  headroom: string;
  budget: string;
  measured: string;
  passed: boolean | null;
  reason: string;
}

/** One row per budget (the throughput target first), a single row for a link without budgets. */
export function verdictRows(summary: Pick<Summary, 'links'>): VerdictRow[] {
  const rows: VerdictRow[] = [];
  for (const l of summary.links) {
    const v = l.verdict;
    const head = {
      link: l.name,
      target: v?.targetRps !== undefined ? formatRps(v.targetRps) : l.target !== null ? formatRps(l.target) : '—',
      achieved: formatRps(v ? v.achievedRps : l.rps),
      headroom: v?.headroom !== undefined ? formatRatio(v.headroom) : '—',
    };
    if (!v || v.budgets.length === 0) {
      rows.push({ ...head, first: true, budget: '(no budgets)', measured: '', passed: v ? v.passed : null, reason: '' });
      continue;
    }
    v.budgets.forEach((b, i) => {
      rows.push({ ...head, first: i === 0, budget: b.budget, measured: formatMeasured(b), passed: b.passed, reason: b.reason });
    });
  }
  return rows;
}

/** The whole end-of-run verdict: table, window, failures in words, checks, the overall line. */
export function formatVerdictTable(summary: Summary): string {
  const rows = verdictRows(summary);
  const table: string[][] = [['link', 'target', 'achieved', 'headroom', 'budget', 'measured', 'result']];
  for (const r of rows) {
    table.push([
      r.first ? r.link : '',
      r.first ? r.target : '',
      r.first ? r.achieved : '',
      r.first ? r.headroom : '',
      r.budget,
      r.measured,
      r.passed === null ? '' : r.passed ? 'PASS' : 'FAIL',
    ]);
  }
  const out = [alignColumns(table, ['l', 'r', 'r', 'r', 'l', 'r', 'l'])];
  const windowLine = windowSentence(summary.links);
  if (windowLine) out.push('', windowLine);
  const missed = rows.filter((r) => r.passed === false && r.reason);
  if (missed.length > 0) {
    out.push('', 'Missed:');
    for (const r of missed) out.push(`  ${r.link} ${r.budget}: ${r.reason}`);
  }
  const checks = [...summary.isolation.map((c) => ['isolation', c] as const), ...summary.invariants.map((c) => ['invariant', c] as const)];
  if (checks.length > 0) {
    out.push('', alignColumns(checks.map(([kind, c]) => [kind, c.name, c.passed ? 'PASS' : 'FAIL', checkDetail(c)]), ['l', 'l', 'l', 'l']));
  }
  if (summary.faults?.length) out.push('', alignColumns(formatFaultRows(summary.faults), ['l', 'l', 'l', 'l', 'l']));
  if (summary.abort) out.push('', `ABORTED at ${formatCount(summary.abort.atS)} s by \`${summary.abort.rule}\`: ${summary.abort.reason}`);
  out.push('', overallLine(summary));
  return out.join('\n') + '\n';
}

/** `Verdict from seconds 30–90 (the steady stage).`, plus the window's note when there is one. */
export function windowSentence(links: LinkSummary[]): string {
  const v = links.find((l) => l.verdict)?.verdict;
  if (!v) return '';
  const s = `Verdict from ${describeWindow({ ...v.window, source: v.windowSource })}`;
  return v.note ? `${s}: ${v.note}.` : `${s}.`;
}

/** `expected 0, got 3` or the check's error. */
export function checkDetail(c: PostCheckResult): string {
  if (c.error) return c.error;
  return c.passed ? `${c.actual}` : `expected ${c.expected}, got ${c.actual}`;
}

/** `PASS: 5 budgets met on 2 links` / `FAIL: 2 of 5 budgets missed; 1 isolation check failed`. */
export function overallLine(summary: Summary): string {
  const budgets = summary.links.flatMap((l) => l.verdict?.budgets ?? []);
  const missed = budgets.filter((b) => !b.passed).length;
  const iso = summary.isolation.filter((c) => !c.passed).length;
  const inv = summary.invariants.filter((c) => !c.passed).length;
  const withVerdict = summary.links.filter((l) => l.verdict).length;
  const parts: string[] = [];
  if (missed > 0) parts.push(`${missed} of ${budgets.length} ${plural(budgets.length, 'budget')} missed`);
  if (iso > 0) parts.push(`${iso} isolation ${plural(iso, 'check')} failed`);
  if (inv > 0) parts.push(`${inv} invariant ${plural(inv, 'check')} failed`);
  const rec = failedRecoveries(summary);
  if (rec > 0) parts.push(`${rec} fault ${rec === 1 ? 'recovery' : 'recoveries'} missed ${rec === 1 ? 'its' : 'their'} budget`);
  if (summary.status === 'error') return `ERROR: ${summary.error ?? 'the run could not complete'}`;
  if (summary.status === 'aborted' || summary.abort) return `ABORTED${parts.length ? `: ${parts.join('; ')}` : ''}`;
  if (summary.status === 'inconclusive') {
    const why = summary.generator?.behind.map((b) => b.reason).join('; ') ?? 'the generator fell behind';
    return `INCONCLUSIVE: ${why}${iso + inv > 0 ? `; ${parts.filter((p) => !p.includes('budget')).join('; ')}` : ''}`;
  }
  if (parts.length > 0) return `FAIL: ${parts.join('; ')}`;
  if (budgets.length === 0) return `PASS: no budgets set${summary.isolation.length ? `; ${summary.isolation.length} isolation ${plural(summary.isolation.length, 'check')} passed` : ''}`;
  return `PASS: ${budgets.length} ${plural(budgets.length, 'budget')} met on ${withVerdict} ${plural(withVerdict, 'link')}`;
}

const plural = (n: number, word: string): string => (n === 1 ? word : `${word}s`);

// East Asian wide and fullwidth ranges (Hangul, CJK, kana, fullwidth forms, CJK extensions):
// two terminal columns each. Link names like `下单` must not skew the table.
const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|[\u{20000}-\u{3FFFD}]/u;

/** Terminal columns a string takes (wide characters count two). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += WIDE.test(ch) ? 2 : 1;
  return w;
}

/** Columns padded to their widest cell, two spaces apart, no trailing blanks. */
export function alignColumns(rows: string[][], align: ('l' | 'r')[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell)); });
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const pad = ' '.repeat((widths[i] ?? 0) - displayWidth(cell));
          return align[i] === 'r' ? pad + cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
