// The verdict as GitHub-flavoured markdown, for `$GITHUB_STEP_SUMMARY` (`peakdrill run --ci`).
// Pure; the CLI appends it to the file the variable names.

import type { Summary } from '../runfiles/summary.js';
import { formatCount } from './figures.js';
import { checkDetail, overallLine, verdictRows, windowSentence } from './table.js';

/** Escapes what would break a table cell or turn into markup. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).replace(/\r?\n/g, ' ');
}

/** A link name as inline code, or as escaped text when it holds what a code span cannot. */
function name(text: string): string {
  return /[`<>|\\\r\n]/.test(text) ? cell(text) : `\`${text}\``;
}

export function formatVerdictMarkdown(summary: Summary): string {
  const overall = overallLine(summary);
  const icon = overall.startsWith('PASS') ? '✅' : overall.startsWith('FAIL') ? '❌' : '⚠️';
  const out: string[] = [`### ${icon} peakdrill: ${cell(summary.scenario)} — ${cell(overall)}`, ''];
  out.push(`Run \`${summary.id}\` · ${formatCount(summary.durationS)} s · status **${summary.status}**`, '');
  const rows = verdictRows(summary);
  if (rows.length > 0) {
    out.push('| link | target | achieved | headroom | budget | measured | result |', '|---|--:|--:|--:|---|--:|:-:|');
    for (const r of rows) {
      const result = r.passed === null ? '' : r.passed ? '✅ pass' : '❌ **FAIL**';
      out.push(`| ${r.first ? name(r.link) : ''} | ${r.first ? cell(r.target) : ''} | ${r.first ? cell(r.achieved) : ''} | ${r.first ? cell(r.headroom) : ''} | ${cell(r.budget)} | ${cell(r.measured)} | ${result} |`);
    }
    out.push('');
  }
  const windowLine = windowSentence(summary.links);
  if (windowLine) out.push(`_${cell(windowLine)}_`, '');
  const missed = rows.filter((r) => r.passed === false && r.reason);
  if (missed.length > 0) {
    out.push('**Missed**', '');
    for (const r of missed) out.push(`- ${name(r.link)} ${cell(r.budget)}: ${cell(r.reason)}`);
    out.push('');
  }
  const checks = [...summary.isolation.map((c) => ['isolation', c] as const), ...summary.invariants.map((c) => ['invariant', c] as const)];
  if (checks.length > 0) {
    out.push('| check | name | result | detail |', '|---|---|:-:|---|');
    for (const [kind, c] of checks) out.push(`| ${kind} | ${cell(c.name)} | ${c.passed ? '✅ pass' : '❌ **FAIL**'} | ${cell(checkDetail(c))} |`);
    out.push('');
  }
  const g = summary.generator;
  if (summary.faults?.length) {
    out.push('| fault | plan | recovery | detail |', '|---|---|:-:|---|');
    for (const f of summary.faults) out.push(`| ${cell(f.name)} | ${cell(f.plan ?? '')} | ${f.recovery === undefined ? '' : f.recovery.passed ? '✅ held' : '❌ **did not hold**'} | ${cell(f.recovery?.reason ?? f.error ?? f.what)} |`);
    out.push('');
  }
  if (g && !g.keptUp) out.push(`> **Inconclusive**: the generator fell behind, so the figures describe the tool, not the target. ${cell(g.behind.map((b) => b.reason).join('; '))}. ${cell(g.advice)}`, '');
  if (summary.abort) out.push(`> **Aborted** at ${formatCount(summary.abort.atS)} s by \`${cell(summary.abort.rule)}\`: ${cell(summary.abort.reason)}`, '');
  return out.join('\n');
}
