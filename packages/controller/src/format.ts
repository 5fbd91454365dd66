// Pure formatting for the terminal: data in, string out. Only the CLI writes.

import type { Summary } from '@peakdrill/core';
import type { SecondReport } from './aggregate.js';

export function formatClock(s: number): string {
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return `${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${formatNumber(ms / 1000, 1)} s`;
  if (ms >= 100) return `${formatNumber(ms, 0)} ms`;
  if (ms >= 10) return `${formatNumber(ms, 1)} ms`;
  return `${formatNumber(ms, 2)} ms`;
}

export function formatPercent(ratio: number): string {
  if (ratio === 0) return '0%';
  if (ratio < 0.001) return `${(ratio * 100).toFixed(3)}%`;
  return `${(ratio * 100).toFixed(ratio < 0.1 ? 2 : 1)}%`;
}

/** One progress line: elapsed/total, planned vs achieved rate, p50/p99, errors. */
export function formatProgress(s: SecondReport, totalS: number): string {
  if (s.t >= totalS) return `${formatClock(totalS)} / ${formatClock(totalS)} · window closed: ${formatNumber(s.all.count)} in-flight requests finished after it · in flight ${formatNumber(s.inFlight)}`;
  const elapsed = Math.min(s.t + 1, totalS);
  const errRate = s.all.count > 0 ? s.all.errors / s.all.count : 0;
  // the plan counts arrivals (journeys started); requests add up over every step of them
  const rate = s.plannedRps === null ? `${formatNumber(s.all.count)} req/s` : `${formatNumber(s.journeysStarted)} arrivals/s of ${formatNumber(s.plannedRps)} planned · ${formatNumber(s.all.count)} req/s`;
  const parts = [
    `${formatClock(elapsed)} / ${formatClock(totalS)}`,
    rate,
    `p50 ${formatMs(s.all.p50)}`,
    `p99 ${formatMs(s.all.p99)}`,
    `errors ${formatNumber(s.all.errors)} (${formatPercent(errRate)})`,
  ];
  if (s.all.shed > 0) parts.push(`shed ${formatNumber(s.all.shed)}`);
  parts.push(`in flight ${formatNumber(s.inFlight)}`);
  if (s.dropped > 0) parts.push(`DROPPED ${formatNumber(s.dropped)} (maxInFlight)`);
  return parts.join(' · ');
}

/** The end-of-run table: one row per link. */
export function formatSummaryTable(summary: Summary): string {
  const head = ['link', 'count', 'req/s', 'errors', 'shed', 'p50', 'p90', 'p99', 'p99.9', 'max'];
  const rows = summary.links.map((l) => [
    l.name,
    formatNumber(l.count),
    formatNumber(l.rps, 1),
    l.count > 0 ? `${formatNumber(l.errors)} (${formatPercent(l.errors / l.count)})` : '0',
    formatNumber(l.shed),
    formatMs(l.latencyMs.p50),
    formatMs(l.latencyMs.p90),
    formatMs(l.latencyMs.p99),
    formatMs(l.latencyMs.p999),
    formatMs(l.latencyMs.max),
  ]);
  const out = [table(head, rows)];
  const classes = new Map<string, number>();
  for (const l of summary.links) for (const [k, v] of Object.entries(l.outcomes)) if (k !== 'ok' && v > 0) classes.set(k, (classes.get(k) ?? 0) + v);
  if (classes.size > 0) out.push(`outcomes: ${[...classes].map(([k, v]) => `${k} ${formatNumber(v)}`).join(', ')}`);
  const latency = summary.latencyFrom === 'scheduled' ? 'latency from the scheduled send time (open model, no coordinated omission)' : 'latency from the actual send (closed model: a stalled target hides in fewer requests)';
  out.push(`${summary.model} model · ${latency}`);
  const byTransport = new Map<string, string[]>();
  for (const l of summary.links) if (l.transport) byTransport.set(l.transport, [...(byTransport.get(l.transport) ?? []), l.name]);
  if (byTransport.size > 0) out.push(`transport: ${[...byTransport].map(([t, names]) => (byTransport.size === 1 ? t : `${t} (${names.join(', ')})`)).join(' · ')}`);
  if (summary.dropped > 0) out.push(`${formatNumber(summary.dropped)} journeys were not started: maxInFlight reached (raise load.maxInFlight or lower the rate)`);
  const g = summary.generator;
  if (g) {
    const figures = `lateness p99 ${formatMs(g.latenessMs.p99)} (bound ${formatMs(g.boundMs)}), max ${formatMs(g.latenessMs.max)} · event-loop delay p99 ${formatMs(g.eventLoopDelayMs.p99)} · cpu ${formatPercent(g.cpu.mean)} mean, ${formatPercent(g.cpu.max)} max`;
    out.push(g.keptUp ? `generator kept up: ${figures}` : `INCONCLUSIVE, the generator fell behind (${figures}):\n${g.behind.map((b) => `  ${b.reason}`).join('\n')}\n${g.advice}`);
  }
  for (const l of summary.links) {
    if (l.tagCoverage) {
      const c = l.tagCoverage;
      if (c.acknowledged < c.sent) out.push(`shadow tag coverage of ${l.name}: ${formatNumber(c.acknowledged)} / ${formatNumber(c.sent)} acknowledged`);
    }
  }
  return out.join('\n');
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
