// The run page's steadiness section: per hold stage and link, the coefficient of variation of
// the per-second achieved rate and p99, and the link's outlier seconds (those broke it when it
// is unsteady; they are also ticked in red under every time chart by assets/charts.js).

import type { Summary } from '@peakdrill/core';
import { formatRatio } from '@peakdrill/core';
import { html, type SafeHtml } from '../html.js';

const upTo = (limit: number | undefined): SafeHtml | '' => (limit !== undefined ? html`<br><span class="small muted">up to ${formatRatio(limit)}</span>` : '');

export function steadinessSection(s: Summary): SafeHtml | '' {
  const stages = s.steadiness ?? [];
  if (stages.length === 0) return '';
  return html`<section class="card" data-testid="steadiness">
<h2>Smooth curves</h2>
<p class="small muted">Per hold stage: the coefficient of variation (spread over mean) of each link's per-second achieved rate and p99. Steady: rate CV ≤ 10% and p99 CV ≤ 50%, plus the sampling noise expected at the link's own rate (about 1/√n at n requests a second), shown as "up to". A second breaks it when its rate is more than 15% (or three times the noise) off the stage's median or its p99 is above twice the median; those seconds are ticked in red under the charts.</p>
<table><thead><tr><th>Stage</th><th>Link</th><th class="num">Rate CV</th><th class="num">p99 CV</th><th>Steady</th><th>Outlier seconds (they broke an unsteady link)</th></tr></thead><tbody>
${stages.flatMap((st) => st.links.map((l) => html`<tr class="${l.steady ? '' : 'failed-row'}" data-steadiness="${l.link}">
<td class="small">hold at ${st.rate}/s · s ${st.fromS}–${st.toS}</td><td><b>${l.link}</b></td><td class="num">${formatRatio(l.rateCv)}${upTo(l.rateCvLimit)}</td><td class="num">${formatRatio(l.p99Cv)}${upTo(l.p99CvLimit)}</td>
<td>${l.steady ? 'steady' : html`<span class="bad">unsteady</span>`}</td>
<td class="small">${l.broken.length === 0 ? '—' : l.broken.slice(0, 8).map((b) => html`<div>s ${b.t}: ${b.why}${b.fault ? ` (fault ${b.fault})` : ''}</div>`)}${l.broken.length > 8 ? html`<div class="muted">and ${l.broken.length - 8} more</div>` : ''}</td>
</tr>`))}
</tbody></table>
</section>`;
}
