// The worker thread loads only what a worker needs: importing its entry in a fresh Node process
// loads neither the YAML parser nor the OpenAPI parser (the engine takes core by subpaths:
// protocol, plan, metrics, logs — never the scenario reader).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const WORKER = createRequire(import.meta.url).resolve('@peakdrill/engine/worker');

/** Every module URL Node loads when `entry` is imported (ESM and CommonJS), in a fresh process. */
function modulesLoadedBy(dir: string, entry: string): string[] {
  const log = join(dir, 'loaded.txt');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }
`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const script = `await import(${JSON.stringify(pathToFileURL(entry).href)}); console.log(JSON.stringify(Object.keys(require.cache)));`;
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, '--input-type=commonjs', '-e', `(async () => { ${script} })()`], { encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const cjs = JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
  return [...readFileSync(log, 'utf8').split('\n').filter(Boolean), ...cjs.map((p) => pathToFileURL(p).href)];
}

describe('the worker module graph', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'pd-worker-imports-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('does not load the YAML parser (nor the OpenAPI parser)', () => {
    const loaded = modulesLoadedBy(scratch, WORKER);
    // the probe sees the worker's graph: the engine's own files and core's subpaths
    expect(loaded.some((u) => u.endsWith('/engine/dist/worker.js'))).toBe(true);
    expect(loaded.some((u) => u.endsWith('/engine/dist/generator.js'))).toBe(true);
    expect(loaded.some((u) => u.includes('/core/dist/scenario/runtime.js'))).toBe(true);
    expect(loaded.filter((u) => u.includes('/node_modules/yaml/'))).toEqual([]);
    expect(loaded.filter((u) => u.includes('/node_modules/@readme/'))).toEqual([]);
    expect(loaded.filter((u) => /\/core\/dist\/scenario\/(load|reader|schema|journeys)\.js$/.test(u))).toEqual([]);
  }, 90_000);

  it('the probe would see yaml: the scenario reader loads it', () => {
    const reader = createRequire(import.meta.url).resolve('@peakdrill/core/scenario');
    const loaded = modulesLoadedBy(mkdtempSync(join(scratch, 'reader-')), reader);
    expect(loaded.some((u) => u.includes('/node_modules/yaml/'))).toBe(true);
  }, 90_000);
});
