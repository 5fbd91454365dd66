// Run vs run: both runs side by side, per link the figures with their change highlighted
// (worse / better beyond the noise band), and the two latency-by-percentile curves overlaid.

import type { Summary, RunNote } from '@peakdrill/core';
import { NOISE_BAND, type LinkComparison, type MetricDelta } from '../compare.js';
import { fmtTime } from '../format.js';
import { formatCount, formatDuration, formatMs, formatNumber } from '@peakdrill/core';
import { html, type SafeHtml } from '../html.js';
import { renderDocument } from '../layout.js';
import type { LinkPercentiles } from '../percentiles.js';
import type { DisplayStatus } from '../view.js';
import { statusBadge, statusPill } from './run.js';

export interface CompareSide {
  id: string;
  status: DisplayStatus;
  summary: Summary;
  percentiles: LinkPercentiles[];
  /** Notes written about the run (`peakdrill note`). */
  notes?: RunNote[];
}

export interface CompareView {
  page: 'compare';
  base: CompareSide | null;
  next: CompareSide | null;
  links: LinkComparison[];
  notes: string[];
  /** Runs to pick from when none (or one) is chosen. */
  choices: { id: string; scenario: string; status: DisplayStatus }[];
}

function fmtMetric(v: number | null, unit: MetricDelta['unit']): string {
  if (v === null) return '—';
  if (unit === 'ms') return formatMs(v);
  if (unit === 'req/s') return `${formatNumber(v, v < 100 ? 1 : 0)} req/s`;
  return `${formatNumber(v, 2)}%`;
}

function changeCell(m: MetricDelta): SafeHtml {
  const arrow = m.change === null ? '' : m.change > 0 ? '▲' : m.change < 0 ? '▼' : '';
  const fromZero = m.base === 0 && m.next !== null && m.next !== 0;
  const text = m.change === null ? (fromZero ? '▲ from 0' : m.verdict === 'same' ? 'same' : '—') : `${arrow} ${m.change > 0 ? '+' : ''}${formatNumber(m.change * 100, 1)}%`;
  return html`<td class="num change ${m.verdict}" data-change="${m.verdict}">${text}${m.verdict === 'worse' || m.verdict === 'better' ? html` <span class="small">${m.verdict}</span>` : ''}</td>`;
}

function sideCard(label: string, s: CompareSide): SafeHtml {
  return html`<section class="card" data-side="${label}"><div class="small muted">${label}</div><div class="hero"><div>${statusBadge(s.status)}</div><div><h1><a href="/runs/${encodeURIComponent(s.id)}">${s.summary.scenario}</a></h1>
<div class="meta"><span class="mono">${s.id}</span><span>${fmtTime(s.summary.startedAt)}</span><span>${formatDuration(s.summary.durationS)}</span><span>${formatNumber(s.summary.achievedRps, 0)} req/s achieved</span></div></div></div>${s.notes?.length ? html`<ul class="small" data-testid="notes">${s.notes.map((n) => html`<li>${n.text}${n.author ? html` <span class="muted">— ${n.author}</span>` : ''}</li>`)}</ul>` : ''}</section>`;
}

function picker(v: CompareView): SafeHtml {
  return html`<section class="card"><h2>Compare two runs</h2>
<form method="get" action="/compare" class="toolbar">
<label>Base run <select name="base">${v.choices.map((c) => html`<option value="${c.id}" ${v.base?.id === c.id ? 'selected' : ''}>${c.id} · ${c.scenario} · ${c.status}</option>`)}</select></label>
<label>New run <select name="new">${v.choices.map((c, i) => html`<option value="${c.id}" ${v.next ? (v.next.id === c.id ? 'selected' : '') : i === 0 ? 'selected' : ''}>${c.id} · ${c.scenario} · ${c.status}</option>`)}</select></label>
<button type="submit" class="primary">Compare</button></form>
${v.choices.length < 2 ? html`<p class="muted">Comparing needs at least two runs in the runs folder.</p>` : ''}</section>`;
}

export function renderComparePage(v: CompareView): string {
  const body = !v.base || !v.next
    ? picker(v)
    : html`<div class="grid2">${sideCard('Base run', v.base)}${sideCard('New run', v.next)}</div>
<section class="card" data-testid="compare-table"><h2>Per link: new run against base run</h2>
${v.notes.length ? html`<div class="callout"><strong>Not quite like for like</strong><ul>${v.notes.map((n) => html`<li>${n}</li>`)}</ul></div>` : ''}
<p class="small muted">Changes beyond ±${formatCount(NOISE_BAND * 100)}% (0.1 points for rates) are highlighted: ▲/▼ is the direction, <span class="change worse">&nbsp;worse&nbsp;</span> and <span class="change better">&nbsp;better&nbsp;</span> say what it means for the link.</p>
<table><thead><tr><th>Link</th><th>Figure</th><th class="num">Base</th><th class="num">New</th><th class="num">Change</th></tr></thead><tbody>
${v.links.map((l) => l.metrics.length === 0 ? html`<tr data-link="${l.link}"><td><b>${l.link}</b></td><td colspan="4" class="muted">${l.presence === 'base-only' ? 'only in the base run' : 'only in the new run'}</td></tr>` : l.metrics.map((m, k) => html`<tr data-link="${l.link}" data-metric="${m.key}">${k === 0 ? html`<td rowspan="${String(l.metrics.length)}"><b>${l.link}</b><div class="small">${l.presence === 'both' ? html`${l.basePassed === null ? '' : statusPill(l.basePassed ? 'passed' : 'failed')} → ${l.newPassed === null ? '' : statusPill(l.newPassed ? 'passed' : 'failed')}` : l.presence === 'base-only' ? 'only in the base run' : 'only in the new run'}</div></td>` : ''}<td>${m.label}${k === 0 && l.regressions.length ? html`<div class="small">${l.regressions.join('; ')}</div>` : ''}</td><td class="num">${fmtMetric(m.base, m.unit)}</td><td class="num">${fmtMetric(m.next, m.unit)}</td>${changeCell(m)}</tr>`))}
</tbody></table></section>
<section class="card"><h2>Latency by percentile, base (dashed) vs new (solid)</h2><div class="charts">
${v.links.map((l, i) => html`<div class="chart tall"><canvas data-chart="compare-percentiles" data-link="${String(i)}" role="img" aria-label="${l.link}: latency by percentile, base vs new"></canvas></div>`)}
</div></section>
${picker(v)}`;
  return renderDocument({ title: 'Compare · peakdrill', body, data: v, assets: 'linked', nav: 'compare', charts: true });
}
