// The campaign page: the rounds of one campaign (`campaign:` in the scenario) over weeks, and
// the TPM's question on one screen — which links are ready for the peak, which are not, and
// why — with headroom and p99 trending round to round and the notes written per run.

import type { CampaignReadiness, LinkReadiness, RoundLink } from '@peakdrill/core';
import { fmtTime } from '../format.js';
import { formatMs, formatRatio, formatRps } from '@peakdrill/core';
import { html, type SafeHtml } from '../html.js';
import { renderDocument } from '../layout.js';

/** ↑ / ↓ / → between two rounds' figures (`higherIsBetter` decides the colour). */
function arrow(prev: number | null, cur: number | null, higherIsBetter: boolean): SafeHtml | '' {
  if (prev === null || cur === null || prev === 0) return '';
  const change = (cur - prev) / prev;
  if (Math.abs(change) < 0.02) return html`<span class="muted" title="within 2% of the round before">→</span>`;
  const better = change > 0 === higherIsBetter;
  return html`<span class="${better ? 'good' : 'bad'}" title="${formatRatio(change)} on the round before">${change > 0 ? '↑' : '↓'}</span>`;
}

function trendCells(l: LinkReadiness): SafeHtml[] {
  return l.trend.map((t, i) => {
    const prev = i > 0 ? l.trend[i - 1]! : null;
    if (t.headroom === null && t.p99 === null) return html`<td class="num muted">—</td>`;
    return html`<td class="num" data-round="${t.id}">${t.headroom !== null ? html`${formatRatio(t.headroom)} ${arrow(prev?.headroom ?? null, t.headroom, true)}` : ''}<div class="small">p99 ${formatMs(t.p99)} ${arrow(prev?.p99 ?? null, t.p99, false)}</div></td>`;
  });
}

function roundLinkCell(l: RoundLink | undefined): SafeHtml {
  if (!l) return html`<td class="muted">—</td>`;
  return html`<td class="small ${l.passed === false ? 'bad' : ''}">${l.target !== null ? html`target ${formatRps(l.target)}<br>` : ''}achieved ${formatRps(l.achieved)}${l.headroom !== null ? ` (${formatRatio(l.headroom)})` : ''}<br>p99 ${formatMs(l.p99)}${l.faults.total ? html`<br>faults held ${l.faults.held}/${l.faults.total}` : ''}</td>`;
}

export function renderCampaignPage(c: CampaignReadiness): string {
  const ready = c.links.filter((l) => l.ready).length;
  const body = html`<section class="card hero-card" data-testid="campaign">
<h1>Campaign ${c.name}</h1>
<p>${c.rounds.length} ${c.rounds.length === 1 ? 'round' : 'rounds'} · <b data-testid="ready-count">${ready} of ${c.links.length} links ready for the peak</b></p>
</section>
<section class="card"><h2>Ready for the peak?</h2>
<table data-testid="readiness"><thead><tr><th>Link</th><th>Ready</th><th>Why</th>${c.rounds.map((r, i) => html`<th class="num">round ${i + 1}</th>`)}</tr></thead><tbody>
${c.links.map((l) => html`<tr class="${l.ready ? '' : 'failed-row'}" data-link="${l.name}" data-ready="${l.ready ? 'yes' : 'no'}"><td><b>${l.name}</b></td><td>${l.ready ? html`<span class="pill passed">✓ ready</span>` : html`<span class="pill failed">✗ not ready</span>`}</td><td class="small">${l.why}</td>${trendCells(l)}</tr>`)}
</tbody></table>
<p class="small muted">Ready: in its latest round the link met its throughput target and every budget, and every fault judged on it held. Each round shows headroom (achieved / target) and p99, with the change on the round before.</p>
</section>
<section class="card"><h2>Rounds</h2>
<table data-testid="rounds"><thead><tr><th>Round</th><th>Status</th>${c.links.map((l) => html`<th>${l.name}</th>`)}<th>Notes</th></tr></thead><tbody>
${c.rounds.map((r, i) => html`<tr data-run="${r.id}"><td><a href="/runs/${encodeURIComponent(r.id)}">round ${i + 1}</a><div class="small muted">${fmtTime(r.startedAt)}</div></td><td><span class="pill ${r.status}">${r.status}</span></td>${c.links.map((l) => roundLinkCell(r.links.find((x) => x.name === l.name)))}<td class="small" data-testid="notes">${r.notes.length ? r.notes.map((n) => html`<div>“${n.text}”${n.author ? html` <span class="muted">— ${n.author}</span>` : ''}</div>`) : html`<span class="muted">—</span>`}</td></tr>`)}
</tbody></table>
</section>`;
  return renderDocument({ title: `${c.name} · campaign · peakdrill`, body, data: { page: 'campaign' }, assets: 'linked', nav: 'runs' });
}
