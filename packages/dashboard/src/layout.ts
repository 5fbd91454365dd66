// The page shell shared by every page: the dashboard links its assets (CSP: self only), the
// report inlines them (and forbids the network with a meta CSP), so a report opens from disk.

import { assetText } from './assets.js';
import { html, jsonForScript, raw, scriptForInline, type SafeHtml } from './html.js';

/** `linked`: served by the dashboard; `inline`: one self-contained file (the report). */
export type AssetMode = 'linked' | 'inline';

export interface DocumentOptions {
  title: string;
  body: SafeHtml;
  /** Page data for the client script (`<script type="application/json" id="pd-data">`). */
  data: unknown;
  assets: AssetMode;
  nav?: 'runs' | 'run' | 'compare';
  /** Whether the page needs chart.js. */
  charts?: boolean;
}

export const REPORT_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function renderDocument(o: DocumentOptions): string {
  const inline = o.assets === 'inline';
  const head = inline
    ? html`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<style>${raw(assetText('dashboard.css').replace(/<\/style/gi, '<\\/style'))}</style>`
    : html`<link rel="stylesheet" href="/assets/dashboard.css">`;
  const scripts = inline
    ? html`${o.charts ? html`<script>${raw(scriptForInline(assetText('chart.umd.js')))}</script>` : ''}
<script>${raw(scriptForInline(assetText('figures.js')))}</script>
<script>${raw(scriptForInline(assetText('dashboard.js')))}</script>`
    : html`${o.charts ? html`<script src="/assets/chart.umd.js"></script>` : ''}
<script src="/assets/figures.js"></script>
<script src="/assets/dashboard.js"></script>`;
  const nav = inline
    ? html`<span class="right">peakdrill report · opens offline · generated ${new Date().toISOString().replace('T', ' ').slice(0, 19)} UTC</span>`
    : html`<nav><a href="/" class="${o.nav === 'runs' ? 'on' : ''}">Runs</a><a href="/compare" class="${o.nav === 'compare' ? 'on' : ''}">Compare</a></nav>`;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${o.title}</title>
${head}
</head>
<body>
<header class="topbar"><a class="brand" href="${inline ? '#' : '/'}">peak<span>drill</span></a>${nav}</header>
<main>
${o.body}
</main>
<script type="application/json" id="pd-data">${raw(jsonForScript(o.data))}</script>
${scripts}
</body>
</html>
`;
  return page.value;
}
