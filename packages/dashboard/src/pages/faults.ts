// The run page's rehearsal section: each fault of the timeline, what it did, when it was on,
// the contingency plan it exercised and its recovery verdict per link. The charts mark the
// same faults as bands (assets/charts.js, the `pdMarks` plugin).

import type { FaultRecord, Summary } from '@peakdrill/core';
import { formatDuration } from '@peakdrill/core';
import { html, type SafeHtml } from '../html.js';

const secs = (s: number | null): string => (s === null ? 'not back' : `${s} s`);

/** The run page's pass/fail pill (same classes as statusPill, which lives in run.ts: no import cycle). */
const pill = (passed: boolean): SafeHtml => html`<span class="pill ${passed ? 'passed' : 'failed'}" data-status="${passed ? 'passed' : 'failed'}">${passed ? '✓ held' : '✗ did not hold'}</span>`;

function faultRow(f: FaultRecord): SafeHtml {
  const r = f.recovery;
  const on = `${formatDuration(f.injectedAtS ?? f.plannedS.fromS)} – ${formatDuration(f.undoneAtS ?? f.plannedS.toS)}`;
  return html`<tr class="${r && !r.passed ? 'failed-row' : ''}" data-fault="${f.name}">
<td><b>${f.name}</b>${f.plan ? html`<div class="small">plan ${f.plan}</div>` : ''}</td>
<td class="small">${f.what}${f.error ? html`<div class="bad">${f.error}</div>` : ''}</td>
<td class="num">${on}</td>
<td class="small">${r ? r.links.map((l) => html`<div>${l.link}: p99 ${secs(l.p99S)}, errors ${secs(l.errorsS)}</div>`) : ''}</td>
<td class="num">${r?.withinMs !== undefined ? `${r.withinMs / 1000} s` : '—'}</td>
<td>${r ? pill(r.passed) : ''}<div class="small">${r?.reason ?? ''}</div></td>
</tr>`;
}

export function faultsSection(s: Summary): SafeHtml | '' {
  const faults = s.faults ?? [];
  if (faults.length === 0) return '';
  return html`<section class="card" data-testid="faults">
<h2>Faults and recovery</h2>
<p class="small muted">Each fault was injected and undone on the drill's timeline; its band shows on every chart. Recovery: seconds after the fault ended until each link's p99 and error rate were back within budget and stayed there.</p>
<table><thead><tr><th>Fault</th><th>What</th><th class="num">On</th><th>Back within budget</th><th class="num">Budget</th><th>Recovery</th></tr></thead>
<tbody>${faults.map(faultRow)}</tbody></table>
</section>`;
}
