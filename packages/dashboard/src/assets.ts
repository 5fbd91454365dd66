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
  // chart.js `exports` hide dist/chart.umd.js, so resolve the package's main file and look next to it.
  'chart.umd.js': { path: join(dirname(require.resolve('chart.js')), 'chart.umd.js'), type: 'text/javascript; charset=utf-8' },
} as const;

export type AssetName = keyof typeof ASSET_FILES;

const cache = new Map<AssetName, string>();

export function assetText(name: AssetName): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(ASSET_FILES[name].path, 'utf8');
    // Our own files may change during development; chart.js never does.
    if (name === 'chart.umd.js') cache.set(name, text);
  }
  return text;
}
