// The direction of imports between packages (.dependency-cruiser.cjs, DESIGN.md) holds on the
// tree, and the rules really bite: a copy of the layout with wrong imports fails them. (The JSON
// output exits 0 either way: the violations it lists are what is checked.)

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Cruise {
  modules: { source: string; dependencies: { module: string; resolved: string; couldNotResolve: boolean }[] }[];
  violations: { from: string; to: string; rule: { name: string } }[];
}

function cruise(cwd: string, ...paths: string[]): Cruise {
  const r = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...paths], { cwd, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  if (!r.stdout) throw new Error(`dependency-cruiser printed nothing (exit ${r.status}): ${r.stderr}`);
  const j = JSON.parse(r.stdout) as { modules: Cruise['modules']; summary: { violations: Cruise['violations'] } };
  return { modules: j.modules, violations: j.summary.violations };
}

const broken = (c: Cruise): string[] => c.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();

/** A workspace package in `root` as the repo has them: linked from node_modules by name, its `exports` pointing at `dist/`. */
function scratchPackage(root: string, pkg: string, exports: Record<string, { default: string }>, sources: Record<string, string>): void {
  const dir = join(root, 'packages', pkg);
  for (const entry of Object.values(exports)) {
    mkdirSync(dirname(join(dir, entry.default)), { recursive: true });
    writeFileSync(join(dir, entry.default), 'export {};\n');
  }
  for (const [file, text] of Object.entries(sources)) {
    mkdirSync(dirname(join(dir, 'src', file)), { recursive: true });
    writeFileSync(join(dir, 'src', file), text);
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `@peakdrill/${pkg}`, type: 'module', exports }));
  mkdirSync(join(root, 'node_modules/@peakdrill'), { recursive: true });
  symlinkSync(dir, join(root, 'node_modules/@peakdrill', pkg));
}

describe('package dependencies', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'pd-deps-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  writeFileSync(join(scratch, 'tsconfig.base.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', allowImportingTsExtensions: true, noEmit: true } }));

  it('the tree follows the rules, and the rules see its imports by name', () => {
    const r = cruise(ROOT, 'packages/core/src', 'packages/engine/src', 'packages/controller/src', 'packages/dashboard/src', 'packages/stack/src', 'packages/cli/src');
    expect(broken(r)).toEqual([]);
    // an import by name that no rule could see (unresolved, or dropped with dist/) would pass vacuously
    const byName = r.modules.flatMap((m) => m.dependencies.filter((d) => d.module.startsWith('@peakdrill/')).map((d) => ({ from: m.source, ...d })));
    expect(byName.filter((d) => d.couldNotResolve || !d.resolved.startsWith('packages/'))).toEqual([]);
    expect(byName.some((d) => d.from.startsWith('packages/engine/src/') && d.resolved.startsWith('packages/core/dist/'))).toBe(true);
  }, 120_000);

  it('wrong imports fail them: the engine importing the controller by name and by path, and core beyond what a worker needs', () => {
    // core with the repo's own exports, so each subpath resolves to the file it really does
    const coreExports = (JSON.parse(readFileSync(join(ROOT, 'packages/core/package.json'), 'utf8')) as { exports: Record<string, { default: string }> }).exports;
    scratchPackage(scratch, 'core', coreExports, {});
    scratchPackage(scratch, 'controller', { '.': { default: './dist/index.js' } }, { 'index.ts': 'export const controller = 1;\n' });
    scratchPackage(scratch, 'engine', { '.': { default: './dist/index.js' } }, {
      'index.ts': "import '@peakdrill/controller';\nimport '../../controller/src/index.ts';\nexport {};\n",
      'worker.ts': "import '@peakdrill/core';\nimport type {} from '@peakdrill/core/scenario';\nexport {};\n",
      // what a worker may import, and a test, which may use all of core
      'models/open.ts': "import '@peakdrill/core/protocol';\nimport '@peakdrill/core/plan';\nimport '@peakdrill/core/metrics';\nimport '@peakdrill/core/logs';\nexport {};\n",
      'worker.test.ts': "import '@peakdrill/core';\nimport '@peakdrill/core/runfiles';\nexport {};\n",
    });
    const r = cruise(scratch, 'packages/engine/src', 'packages/controller/src');
    expect(broken(r)).toEqual([
      'engine-imports-only-core: packages/engine/src/index.ts → packages/controller/dist/index.js',
      'engine-imports-only-core: packages/engine/src/index.ts → packages/controller/src/index.ts',
      'engine-imports-worker-core-only: packages/engine/src/worker.ts → packages/core/dist/index.js',
      'engine-imports-worker-core-only: packages/engine/src/worker.ts → packages/core/dist/scenario/index.js',
      'through-exports-only: packages/engine/src/index.ts → packages/controller/src/index.ts',
    ]);
  }, 120_000);
});
