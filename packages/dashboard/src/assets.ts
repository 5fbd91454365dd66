// Static assets: our stylesheet and client script (packages/dashboard/assets/), and chart.js
// from node_modules (resolved with createRequire, never a CDN: the dashboard and the report
// work with no network at all). The client script is one file a concern, classic scripts that
// share `window.pd`, in the order of CLIENT_SCRIPTS: the dashboard links them, the report inlines them.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

const JS = 'text/javascript; charset=utf-8';
const ours = (file: string, type = JS): { path: string; type: string } => ({ path: fileURLToPath(new URL(`../assets/${file}`, import.meta.url)), type });

/**
 * The client script in load order: page.js (the page's data, figure helpers) first, start.js
 * (runs the page its data names) last; each file between adds its part to `window.pd`.
 */
export const CLIENT_SCRIPTS = ['page.js', 'charts.js', 'live.js', 'run.js', 'runs.js', 'compare.js', 'start.js'] as const;

export const ASSET_FILES = {
  'dashboard.css': ours('dashboard.css', 'text/css; charset=utf-8'),
  'page.js': ours('page.js'),
  'charts.js': ours('charts.js'),
  'live.js': ours('live.js'),
  'run.js': ours('run.js'),
  'runs.js': ours('runs.js'),
  'compare.js': ours('compare.js'),
  'start.js': ours('start.js'),
  // the live run page's control buttons (pages/control.ts); never inlined into a report
  'control.js': ours('control.js'),
  // chart.js `exports` hide dist/chart.umd.js, so resolve the package's main file and look next to it.
  'chart.umd.js': { path: join(dirname(require.resolve('chart.js')), 'chart.umd.js'), type: JS },
  // core's figure formatter (verdict/figures.ts, compiled), made a classic script: see figuresScript
  'figures.js': { path: require.resolve('@peakdrill/core/figures'), type: JS },
} as const;

export type AssetName = keyof typeof ASSET_FILES;

const cache = new Map<AssetName, string>();

export function assetText(name: AssetName): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(ASSET_FILES[name].path, 'utf8');
    if (name === 'figures.js') text = figuresScript(text);
    // Our own files may change during development; chart.js never does.
    if (name === 'chart.umd.js') cache.set(name, text);
  }
  return text;
}

/**
 * The browser formats figures with the very module the server uses: its `export function`s
 * become the members of `window.pdFigures`. The module is pure by contract (no imports), so
 * this is a plain rewrite; anything else in it is refused here rather than shipped broken.
 */
export function figuresScript(moduleText: string): string {
  if (/^\s*import\s/m.test(moduleText)) throw new Error('core figures module must stay self-contained (no imports) to run in the browser');
  const names = [...moduleText.matchAll(/^export function (\w+)/gm)].map((m) => m[1]!);
  const body = moduleText.replace(/^export function /gm, 'function ').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  if (/^export\s/m.test(body)) throw new Error('core figures module may only export functions');
  return `window.pdFigures = (function () {\n'use strict';\n${body}\nreturn { ${names.join(', ')} };\n})();\n`;
}
