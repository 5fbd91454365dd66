// junit.xml: one <testsuite> per run, one <testcase> per link budget (the throughput target
// included), one per isolation and invariant check, and one for the run itself only when it
// was aborted or could not complete. A failure's `message` carries the measured figure and the
// budget (`p99 312.4 ms > budget 250 ms`); its text, the reason in words.
//
// Shape: the de-facto JUnit schema that Jenkins, GitLab, GitHub test reporters and
// dorny/test-reporter read (testsuites > testsuite > testcase > failure|error).

import type { PostCheckResult, Summary } from '../runfiles/summary.js';
import { budgetFailureMessage } from './budget.js';
import { checkDetail } from './table.js';
import { describeWindow } from './verdicts.js';

// Characters XML 1.0 does not allow at all (C0 controls except tab/LF/CR, lone surrogates,
// U+FFFE/U+FFFF): dropped, since no escape can carry them.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text content: &, < and > escaped (">" too, so "]]>" can never appear); CR as a character
 * reference, which XML parsers keep (a raw CR would be normalized away).
 */
export function xmlText(s: string): string {
  return s.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** An attribute value in double quotes: also quotes, and newlines/tabs kept as character references. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

interface Case {
  name: string;
  classname: string;
  time: number;
  failure?: { message: string; type: string; text: string };
  error?: { message: string; type: string; text: string };
}

export function renderJUnit(summary: Summary): string {
  const cases: Case[] = [];
  for (const link of summary.links) {
    const v = link.verdict;
    if (!v) continue;
    const time = Math.max(0, v.window.toS - v.window.fromS);
    for (const b of v.budgets) {
      const c: Case = { name: `${link.name} ${b.budget}`, classname: link.name, time };
      if (!b.passed) c.failure = { message: budgetFailureMessage(b), type: b.unit === 'rps' ? 'throughput' : 'budget', text: b.reason };
      cases.push(c);
    }
  }
  const check = (kind: 'isolation' | 'invariant', r: PostCheckResult): Case => {
    const c: Case = { name: `${kind}: ${r.name}`, classname: kind, time: 0 };
    if (r.error) c.error = { message: r.error, type: `${kind}-check-error`, text: `the ${r.kind} check could not run: ${r.error}` };
    else if (!r.passed) c.failure = { message: `expected ${r.expected}, got ${r.actual}`, type: kind, text: checkDetail(r) };
    return c;
  };
  for (const r of summary.isolation) cases.push(check('isolation', r));
  for (const r of summary.invariants) cases.push(check('invariant', r));
  for (const f of summary.faults ?? []) {
    if (!f.recovery) continue;
    const c: Case = { name: `fault: ${f.name} recovery${f.recovery.withinMs !== undefined ? ` ≤ ${f.recovery.withinMs / 1000} s` : ''}`, classname: 'fault', time: f.recovery.recoveredS ?? 0 };
    if (!f.recovery.passed) c.failure = { message: f.recovery.recoveredS === null ? 'not back within budget' : `back in ${f.recovery.recoveredS} s`, type: 'recovery', text: f.recovery.reason };
    cases.push(c);
  }
  const g = summary.generator;
  if (g && !g.keptUp) {
    // an error, not a failure: the target was not measured (exit 4, inconclusive)
    cases.push({
      name: 'generator kept up (lateness, dropped arrivals, generators alive)',
      classname: 'generator',
      time: summary.durationS,
      error: { message: `inconclusive: ${g.behind.map((b) => b.reason).join('; ')}`, type: 'inconclusive', text: g.advice },
    });
  }
  if (summary.abort) {
    const figures = Object.entries(summary.abort.figures).map(([k, n]) => `${k}=${n}`).join(', ');
    cases.push({
      name: 'run completed without an abort rule firing',
      classname: 'run',
      time: summary.durationS,
      failure: { message: `aborted at ${summary.abort.atS} s by ${summary.abort.rule}`, type: 'abort', text: `${summary.abort.reason}${figures ? ` (${figures})` : ''}` },
    });
  } else if (summary.status === 'error') {
    cases.push({
      name: 'run completed',
      classname: 'run',
      time: summary.durationS,
      error: { message: summary.error ?? 'the run could not complete', type: 'run-error', text: summary.error ?? '' },
    });
  }

  const failures = cases.filter((c) => c.failure).length;
  const errors = cases.filter((c) => c.error).length;
  const time = fmtTime(summary.durationS);
  const suiteName = `peakdrill ${summary.scenario}`;
  const props: [string, string][] = [
    ['run', summary.id],
    ['scenario', summary.scenario],
    ['status', summary.status],
    ['latencyFrom', summary.latencyFrom],
  ];
  const v = summary.links.find((l) => l.verdict)?.verdict;
  if (v) props.push(['window', `${describeWindow({ ...v.window, source: v.windowSource })}${v.note ? `: ${v.note}` : ''}`]);

  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(`<testsuites name="peakdrill" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${time}">`);
  lines.push(
    `  <testsuite name="${xmlAttr(suiteName)}" id="${xmlAttr(summary.id)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${time}" timestamp="${xmlAttr(timestamp(summary.startedAt))}">`,
  );
  lines.push('    <properties>');
  for (const [k, v] of props) lines.push(`      <property name="${xmlAttr(k)}" value="${xmlAttr(v)}"/>`);
  lines.push('    </properties>');
  for (const c of cases) {
    const open = `    <testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(c.classname)}" time="${fmtTime(c.time)}"`;
    const inner = c.failure ?? c.error;
    if (!inner) {
      lines.push(`${open}/>`);
      continue;
    }
    const tag = c.failure ? 'failure' : 'error';
    lines.push(`${open}>`);
    lines.push(`      <${tag} message="${xmlAttr(inner.message)}" type="${xmlAttr(inner.type)}">${xmlText(inner.text)}</${tag}>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>');
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

const fmtTime = (s: number): string => (Number.isFinite(s) && s > 0 ? s.toFixed(3) : '0');

/** JUnit's timestamp is ISO 8601 without a zone (the schema's xs:dateTime pattern); ours is UTC. */
function timestamp(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 19);
}
