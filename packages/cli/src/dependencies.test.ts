// The direction of imports between packages (.dependency-cruiser.cjs, DESIGN.md) holds on the
// tree, and the rules really bite: a copy of the layout with a wrong import fails them.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

function cruise(cwd: string, ...paths: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'err', ...paths], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('package dependencies', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'pd-deps-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('the tree follows the rules', () => {
    const r = cruise(ROOT, 'packages/core/src', 'packages/engine/src', 'packages/controller/src', 'packages/dashboard/src', 'packages/stack/src', 'packages/cli/src');
    expect(r.out).toMatch(/no dependency violations found/);
    expect(r.status).toBe(0);
  }, 120_000);

  it('a wrong import fails them: the engine importing the controller, by name and by path', () => {
    // the same layout as the repo: workspace packages linked from node_modules by name
    for (const pkg of ['engine', 'controller']) {
      const dir = join(scratch, 'packages', pkg);
      mkdirSync(join(dir, 'src'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `@peakdrill/${pkg}`, type: 'module', exports: { '.': { default: './src/index.ts' } } }));
      mkdirSync(join(scratch, 'node_modules/@peakdrill'), { recursive: true });
      symlinkSync(dir, join(scratch, 'node_modules/@peakdrill', pkg));
    }
    writeFileSync(join(scratch, 'tsconfig.base.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', allowImportingTsExtensions: true, noEmit: true } }));
    writeFileSync(join(scratch, 'packages/controller/src/index.ts'), 'export const controller = 1;\n');
    writeFileSync(join(scratch, 'packages/engine/src/index.ts'), "import { controller } from '@peakdrill/controller';\nimport { controller as c2 } from '../../controller/src/index.ts';\nexport const x = controller + c2;\n");
    const r = cruise(scratch, 'packages/engine/src', 'packages/controller/src');
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/engine-imports-only-core/);
    expect(r.out).toMatch(/through-exports-only/);
  }, 120_000);
});
