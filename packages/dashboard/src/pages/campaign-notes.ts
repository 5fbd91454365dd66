// The run page's notes (`peakdrill note`) and the campaign the run is a round of.

import { fmtTime } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import type { RunView } from '../view.js';

export function runNotesSection(view: RunView): SafeHtml | '' {
  const notes = view.runNotes ?? [];
  const campaign = view.summary.plan?.campaign;
  if (notes.length === 0 && campaign === undefined) return '';
  return html`<section class="card" data-testid="run-notes">
<h2>Notes</h2>
${campaign !== undefined ? html`<p class="small">A round of campaign ${view.api !== null ? html`<a href="/campaigns/${encodeURIComponent(campaign)}">${campaign}</a>` : campaign}.</p>` : ''}
${notes.length ? html`<ul>${notes.map((n) => html`<li>${n.text} <span class="small muted">${n.author ? `— ${n.author}, ` : ''}${fmtTime(n.at)}</span></li>`)}</ul>` : html`<p class="muted small">No notes yet: <code>peakdrill note ${view.id} "..."</code></p>`}
</section>`;
}
