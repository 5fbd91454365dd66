// The "Steer this drill" card of a live run page: set the rate (or VUs), hold, resume, step,
// stop. The buttons call POST /api/runs/:id/control (control.ts on the server; assets/control.js
// in the browser). Never in a report: a file opened from disk steers nothing.

import { levelUnit, type Summary } from '@peakdrill/core';
import { html, type SafeHtml } from '../html.js';
import type { RunView } from '../view.js';

export function controlSection(view: RunView): SafeHtml | '' {
  if (view.status !== 'live' || view.api === null) return '';
  const s: Summary = view.summary;
  const unit = levelUnit(s.model);
  return html`<section class="card" data-testid="control" data-control-api="${view.api}/control">
<div class="toolbar"><h2>Steer this drill</h2><span class="spacer"></span><span class="small muted">each change becomes a stage of the plan, is drawn on the charts and written to control.ndjson (docs/control.md)</span></div>
<div class="toolbar">
<label>Level <input type="number" min="0" step="any" data-control-value aria-label="new level (${unit})"> <span class="small muted">${unit}</span></label>
<button type="button" data-control="rate">Set rate</button>
<button type="button" data-control="step" data-percent="20">+20%</button>
<button type="button" data-control="step" data-percent="-20">−20%</button>
<button type="button" data-control="hold">Hold</button>
<button type="button" data-control="resume">Resume plan</button>
<button type="button" data-control="stop" class="danger">Stop</button>
</div>
<p class="small" data-control-status role="status" aria-live="polite"></p>
</section>`;
}
