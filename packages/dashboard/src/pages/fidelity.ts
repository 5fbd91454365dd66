// The run page's fidelity section (a replay run): how closely the replay followed its recording,
// second by second (requests its schedule put in each second, the recorded ones ÷ speed, against
// those sent then) and in its mix per link, with the recorded and scheduled gaps. Read from the
// run folder's fidelity.json, which `peakdrill run` writes after a replay (core/src/import/fidelity.ts).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCount, formatMs, formatNumber, formatRatio, RUN_FILES, type Fidelity, type FidelitySecond } from '@peakdrill/core';
import { html, type SafeHtml } from '../html.js';

/** Seconds listed in the table; the worst second is named whatever its place. */
const MAX_SECOND_ROWS = 120;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The run's fidelity.json, or undefined when there is none or it does not have the expected shape. */
export function readFidelity(runPath: string): Fidelity | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(runPath, RUN_FILES.fidelity), 'utf8'));
  } catch {
    return undefined;
  }
  const f = raw as Partial<Fidelity> | null;
  if (!f || !Array.isArray(f.links) || !f.gaps || !f.gaps.recorded) return undefined;
  const links = f.links.filter((l) => l && typeof l.name === 'string' && isNum(l.recordedShare) && isNum(l.generatedShare));
  const seconds = Array.isArray(f.seconds) ? f.seconds.filter((x) => x && isNum(x.t) && isNum(x.recorded) && isNum(x.sent)) : undefined;
  return { links, gaps: f.gaps, keys: [], ...(seconds ? { seconds, worstSecondDiff: isNum(f.worstSecondDiff) ? f.worstSecondDiff : null } : {}) };
}

const off = (x: FidelitySecond): number => Math.abs(x.sent - x.recorded) / x.recorded;

function secondsPart(seconds: FidelitySecond[]): SafeHtml {
  const judged = seconds.slice(1).filter((x) => x.recorded > 0);
  const worst = judged.reduce<FidelitySecond | null>((w, x) => (w === null || off(x) > off(w) ? x : w), null);
  return html`<p data-testid="fidelity-worst">${worst
    ? html`Worst second after the first: <b>${formatRatio(off(worst))}</b> off (second ${formatCount(worst.t)}: ${formatCount(worst.recorded)} recorded ÷ speed, ${formatCount(worst.sent)} sent).`
    : 'Fewer than two seconds with recorded requests: nothing to judge after the first.'}</p>
<table data-testid="fidelity-seconds"><thead><tr><th class="num">Second</th><th class="num">Recorded ÷ speed</th><th class="num">Sent</th><th class="num">Off</th></tr></thead><tbody>
${seconds.slice(0, MAX_SECOND_ROWS).map((x) => html`<tr class="${x === worst ? 'failed-row' : ''}" data-second="${x.t}"><td class="num">${formatCount(x.t)}</td><td class="num">${formatCount(x.recorded)}</td><td class="num">${formatCount(x.sent)}</td><td class="num">${x.recorded > 0 ? formatRatio(off(x)) : '—'}</td></tr>`)}
</tbody></table>${seconds.length > MAX_SECOND_ROWS ? html`<p class="small muted">and ${formatCount(seconds.length - MAX_SECOND_ROWS)} more seconds in fidelity.json</p>` : ''}`;
}

export function fidelitySection(f: Fidelity | undefined): SafeHtml | '' {
  if (!f) return '';
  const g = f.gaps;
  return html`<section class="card" data-testid="fidelity">
<h2>Fidelity to the recording</h2>
<p class="small muted">A replay sends each recorded request at its recorded offset ÷ speed. Second 0 holds the start-up, so seconds are judged from the second on.</p>
${f.seconds && f.seconds.length > 0 ? secondsPart(f.seconds) : ''}
<table data-testid="fidelity-links"><thead><tr><th>Link</th><th class="num">Recorded share</th><th class="num">Sent share</th><th class="num">Difference</th></tr></thead><tbody>
${f.links.map((l) => html`<tr data-fidelity-link="${l.name}"><td><b>${l.name}</b></td><td class="num">${formatRatio(l.recordedShare)}</td><td class="num">${formatRatio(l.generatedShare)}</td><td class="num">${formatNumber((l.generatedShare - l.recordedShare) * 100, 2)} pp</td></tr>`)}
</tbody></table>
<p class="small">Gaps between requests: recorded p50 ${formatMs(g.recorded.p50Ms)}, p99 ${formatMs(g.recorded.p99Ms)}${g.generated ? html`; scheduled p50 ${formatMs(g.generated.p50Ms)}, p99 ${formatMs(g.generated.p99Ms)}` : ''}${g.note ? html` <span class="muted">(${g.note})</span>` : ''}</p>
</section>`;
}
