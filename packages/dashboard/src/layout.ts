// The page shell shared by every page: the dashboard links its assets (CSP: self only), the
// report inlines them (and forbids the network with a meta CSP), so a report opens from disk.

import { createHash } from 'node:crypto';
import { assetText, CLIENT_SCRIPTS } from './assets.js';
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

/** The report's inline style and scripts, exactly as they go into it (what its policy hashes). */
function inlineBlocks(charts: boolean): { style: string; scripts: string[] } {
  return {
    style: assetText('dashboard.css').replace(/<\/style/gi, '<\\/style'),
    scripts: [...(charts ? ['chart.umd.js' as const] : []), 'figures.js' as const, ...CLIENT_SCRIPTS].map((name) => scriptForInline(assetText(name))),
  };
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The report's policy: no network at all, and only its own inline blocks run, named by their
 * SHA-256 (never 'unsafe-inline': markup injected into a report, were an escape ever missed,
 * could not run a script or restyle the page). The pd-data block is JSON, which never executes.
 */
export function reportCsp(blocks = inlineBlocks(true)): string {
  return `default-src 'none'; script-src ${blocks.scripts.map(sha256).join(' ')}; style-src ${sha256(blocks.style)}; img-src data:; base-uri 'none'; form-action 'none'`;
}

export function renderDocument(o: DocumentOptions): string {
  const inline = o.assets === 'inline';
  const blocks = inline ? inlineBlocks(o.charts === true) : null;
  const head = blocks
    ? html`<meta http-equiv="Content-Security-Policy" content="${reportCsp(blocks)}">
<style>${raw(blocks.style)}</style>`
    : html`<link rel="stylesheet" href="/assets/dashboard.css">`;
  const scripts = blocks
    ? html`${blocks.scripts.map((s) => html`<script>${raw(s)}</script>`)}`
    : html`${o.charts ? html`<script src="/assets/chart.umd.js"></script>` : ''}
<script src="/assets/figures.js"></script>
${CLIENT_SCRIPTS.map((name) => html`<script src="/assets/${name}"></script>
`)}<script src="/assets/control.js"></script>`;
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
