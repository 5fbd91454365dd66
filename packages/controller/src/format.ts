// Pure formatting for the terminal: data in, string out. Only the CLI writes. Figures are
// written by core's one formatter (verdict/figures.ts), as everywhere else.

import { formatClock, formatCount, formatMs, formatNumber, formatRatio, type Summary } from '@peakdrill/core';
import type { SecondReport } from './aggregate.js';

/** One progress line: elapsed/total, planned vs achieved rate, p50/p99, errors. */
export function formatProgress(s: SecondReport, totalS: number): string {
  if (s.t >= totalS) return `${formatClock(totalS)} / ${formatClock(totalS)} · window closed: ${formatCount(s.all.count)} in-flight requests finished after it · in flight ${formatCount(s.inFlight)}`;
  const elapsed = Math.min(s.t + 1, totalS);
  const errRate = s.all.count > 0 ? s.all.errors / s.all.count : 0;
  // the plan counts arrivals (journeys started); requests add up over every step of them
  const rate = s.plannedRps === null ? `${formatCount(s.all.count)} req/s` : `${formatCount(s.journeysStarted)} arrivals/s of ${formatCount(s.plannedRps)} planned · ${formatCount(s.all.count)} req/s`;
  const parts = [
    `${formatClock(elapsed)} / ${formatClock(totalS)}`,
    rate,
    `p50 ${formatMs(s.all.p50)}`,
    `p99 ${formatMs(s.all.p99)}`,
    `errors ${formatCount(s.all.errors)} (${formatRatio(errRate)})`,
  ];
  if (s.all.shed > 0) parts.push(`shed ${formatCount(s.all.shed)}`);
  parts.push(`in flight ${formatCount(s.inFlight)}`);
  if (s.dropped > 0) parts.push(`DROPPED ${formatCount(s.dropped)} (maxInFlight)`);
  return parts.join(' · ');
}

/** The end-of-run table: one row per link. */
export function formatSummaryTable(summary: Summary): string {
  const head = ['link', 'count', 'req/s', 'errors', 'shed', 'p50', 'p90', 'p99', 'p99.9', 'max'];
  const rows = summary.links.map((l) => [
    l.name,
    formatCount(l.count),
    formatNumber(l.rps, 1),
    l.count > 0 ? `${formatCount(l.errors)} (${formatRatio(l.errors / l.count)})` : '0',
    formatCount(l.shed),
    formatMs(l.latencyMs.p50),
    formatMs(l.latencyMs.p90),
    formatMs(l.latencyMs.p99),
    formatMs(l.latencyMs.p999),
    formatMs(l.latencyMs.max),
  ]);
  const out = [table(head, rows)];
  const classes = new Map<string, number>();
  for (const l of summary.links) for (const [k, v] of Object.entries(l.outcomes)) if (k !== 'ok' && v > 0) classes.set(k, (classes.get(k) ?? 0) + v);
  if (classes.size > 0) out.push(`outcomes: ${[...classes].map(([k, v]) => `${k} ${formatCount(v)}`).join(', ')}`);
  const latency = summary.latencyFrom === 'scheduled' ? 'latency from the scheduled send time (open model, no coordinated omission)' : 'latency from the actual send (closed model: a stalled target hides in fewer requests)';
  out.push(`${summary.model} model · ${latency}`);
  if (summary.dropped > 0) out.push(`${formatCount(summary.dropped)} journeys were not started: maxInFlight reached (raise load.maxInFlight or lower the rate)`);
  const byTransport = new Map<string, string[]>();
  for (const l of summary.links) if (l.transport) byTransport.set(l.transport, [...(byTransport.get(l.transport) ?? []), l.name]);
  if (byTransport.size > 0) out.push(`transport: ${[...byTransport].map(([t, names]) => (byTransport.size === 1 ? t : `${t} (${names.join(', ')})`)).join(' · ')}`);
  const g = summary.generator;
  if (g) {
    const figures = `lateness p99 ${formatMs(g.latenessMs.p99)} (bound ${formatMs(g.boundMs)}), max ${formatMs(g.latenessMs.max)} · event-loop delay p99 ${formatMs(g.eventLoopDelayMs.p99)} · cpu ${formatRatio(g.cpu.mean)} mean, ${formatRatio(g.cpu.max)} max`;
    out.push(g.keptUp ? `generator kept up: ${figures}` : `INCONCLUSIVE, the generator fell behind (${figures}):\n${g.behind.map((b) => `  ${b.reason}`).join('\n')}\n${g.advice}`);
  }
  for (const l of summary.links) {
    if (l.tagCoverage) {
      const c = l.tagCoverage;
      if (c.acknowledged < c.sent) out.push(`shadow tag coverage of ${l.name}: ${formatCount(c.acknowledged)} / ${formatCount(c.sent)} acknowledged`);
    }
  }
  return out.join('\n');
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
