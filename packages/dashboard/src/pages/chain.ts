// The run page's chain map: the services and dependencies the drill's requests went through
// (from Server-Timing), laid out left to right by call depth, each with its p99, the error
// share of the links through it and its owner; a node with no owner, over its SLA, or seen
// only under load is drawn in red with the reason. Server-rendered SVG: no script needed, so
// the report shows it too.

import type { ChainMap, ChainNode } from '@peakdrill/core';
import { formatMs, formatRatio } from '@peakdrill/core';
import { html, type SafeHtml } from '../html.js';

const W = 190;
const H = 62;
const GAP_X = 70;
const GAP_Y = 14;
const PAD = 12;

const FLAG_TEXT: Record<ChainNode['flags'][number], string> = {
  'no-owner': 'no owner',
  'over-sla': 'over its SLA',
  'only-under-load': 'only under load',
};

/** Columns by call depth from the entry (breadth first); unreached nodes go to column 1. */
function depths(map: ChainMap): Map<string, number> {
  const d = new Map<string, number>();
  const queue: string[] = [];
  for (const n of map.nodes) if (n.kind === 'entry') { d.set(n.id, 0); queue.push(n.id); }
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const e of map.edges) {
      if (e.from !== id || d.has(e.to)) continue;
      d.set(e.to, d.get(id)! + 1);
      queue.push(e.to);
    }
  }
  for (const n of map.nodes) if (!d.has(n.id)) d.set(n.id, 1);
  return d;
}

export function chainSection(map: ChainMap | undefined): SafeHtml | '' {
  if (!map || map.nodes.length === 0) return '';
  const depth = depths(map);
  const columns: ChainNode[][] = [];
  for (const n of map.nodes) (columns[depth.get(n.id)!] ??= []).push(n);
  const at = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => col.forEach((n, r) => at.set(n.id, { x: PAD + c * (W + GAP_X), y: PAD + r * (H + GAP_Y) })));
  const width = PAD * 2 + columns.length * W + (columns.length - 1) * GAP_X;
  const height = PAD * 2 + Math.max(...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y;
  const flagged = map.nodes.filter((n) => n.flags.length > 0);
  const edge = (e: ChainMap['edges'][number]): SafeHtml => {
    const a = at.get(e.from);
    const b = at.get(e.to);
    if (!a || !b) return html``;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    const back = x2 <= x1; // a call back to an earlier column (payment → order): arc under the boxes
    const d = back ? `M${a.x + W / 2},${a.y + H} C${a.x + W / 2},${a.y + H + 40} ${b.x + W / 2},${b.y + H + 40} ${b.x + W / 2},${b.y + H}` : `M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2},${y2}`;
    return html`<path d="${d}" class="chain-edge" data-edge="${e.from}>${e.to}" marker-end="url(#chain-arrow)"><title>${e.from} → ${e.to}: p99 ${formatMs(e.p99)}, ${e.count} answers</title></path>`;
  };
  const box = (n: ChainNode): SafeHtml => {
    const p = at.get(n.id)!;
    const bad = n.flags.length > 0;
    return html`<g class="chain-node ${bad ? 'flagged' : ''}" data-node="${n.id}" data-kind="${n.kind}" data-flags="${n.flags.join(' ')}" transform="translate(${p.x},${p.y})">
<rect width="${W}" height="${H}" rx="6"></rect>
<text x="8" y="16" class="name">${n.id}</text>
<text x="8" y="32" class="figures">${n.kind === 'entry' ? `entry · errors ${formatRatio(n.errorShare)}` : `p99 ${formatMs(n.p99)} · errors ${formatRatio(n.errorShare)}`}</text>
<text x="8" y="48" class="owner">${n.owner ? `${n.owner}${n.slaMs !== undefined ? ` · SLA ${formatMs(n.slaMs)}` : ''}` : ''}${bad ? `${n.owner ? ' · ' : ''}⚠ ${n.flags.map((f) => FLAG_TEXT[f]).join(', ')}` : ''}</text>
<title>${n.id}: ${n.links.join(', ')}</title>
</g>`;
  };
  return html`<section class="card" data-testid="chain">
<h2>The chain map</h2>
<p class="small muted">The services and dependencies each link's requests went through, from their Server-Timing answers: p99 of the hop (worst over links), the error share of the links through it, and its owner from the scenario's <code>owners:</code>. Red: no owner, over its SLA, or seen only under load (absent from every quiet second of the drill).</p>
<div class="chain-scroll"><svg class="chain" width="${width}" height="${height + 40}" viewBox="0 0 ${width} ${height + 40}" role="img" aria-label="chain map">
<defs><marker id="chain-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"></path></marker></defs>
${map.edges.map(edge)}
${map.nodes.map(box)}
</svg></div>
${flagged.length ? html`<ul class="small" data-testid="chain-flags">${flagged.map((n) => html`<li><b>${n.id}</b>: ${n.flags.map((f) => FLAG_TEXT[f]).join(', ')} (links: ${n.links.join(', ')})</li>`)}</ul>` : ''}
</section>`;
}
