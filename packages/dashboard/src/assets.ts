// Static assets: our stylesheet and client script (packages/dashboard/assets/), and chart.js
// from node_modules (resolved with createRequire, never a CDN: the dashboard and the report
// work with no network at all).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export const ASSET_FILES = {
  'dashboard.css': { path: fileURLToPath(new URL('../assets/dashboard.css', import.meta.url)), type: 'text/css; charset=utf-8' },
  'dashboard.js': { path: fileURLToPath(new URL('../assets/dashboard.js', import.meta.url)), type: 'text/javascript; charset=utf-8' },
  // the live run page's control buttons (pages/control.ts); never inlined into a report
  'control.js': { path: fileURLToPath(new URL('../assets/control.js', import.meta.url)), type: 'text/javascript; charset=utf-8' },
  // chart.js `exports` hide dist/chart.umd.js, so resolve the package's main file and look next to it.
  'chart.umd.js': { path: join(dirname(require.resolve('chart.js')), 'chart.umd.js'), type: 'text/javascript; charset=utf-8' },
  // core's figure formatter (verdict/figures.ts, compiled), made a classic script: see figuresScript
  'figures.js': { path: require.resolve('@peakdrill/core/figures'), type: 'text/javascript; charset=utf-8' },
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
