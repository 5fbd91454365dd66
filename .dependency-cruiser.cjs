// The direction of imports between packages (DESIGN.md): cli → controller → engine → core;
// dashboard → core; stack stands alone. A package is used only through its `exports`, never by a
// relative path into its files. `npm test` runs this (scripts/check-deps.mjs), so a wrong import
// fails the test command.
/** @type {import('dependency-cruiser').IConfiguration} */
const allowed = {
  core: [],
  engine: ['core'],
  controller: ['core', 'engine'],
  dashboard: ['core'],
  stack: [],
  cli: ['core', 'engine', 'controller', 'dashboard', 'stack'],
};
const pkgs = Object.keys(allowed);

module.exports = {
  forbidden: [
    ...pkgs.map((pkg) => ({
      name: `${pkg}-imports-only-${allowed[pkg].join('-') || 'itself'}`,
      comment: `packages/${pkg} may import ${allowed[pkg].length ? allowed[pkg].map((p) => `@peakdrill/${p}`).join(', ') : 'no other peakdrill package'} (DESIGN.md: the dependency direction)`,
      severity: 'error',
      from: { path: `^packages/${pkg}/src/` },
      to: { path: `^packages/(${pkgs.filter((p) => p !== pkg && !allowed[pkg].includes(p)).join('|')})/` },
    })),
    {
      name: 'through-exports-only',
      comment: "another package is imported by its name (@peakdrill/x), which resolves through its package.json exports, never by a relative path into its files",
      severity: 'error',
      from: { path: '^packages/([^/]+)/src/' },
      to: { path: '^packages/', pathNot: ['^packages/$1/', '^packages/[^/]+/dist/', '^packages/[^/]+/src/[^/]+\\.fixture\\.ts$'] },
    },
    {
      name: 'fixtures-for-tests-only',
      comment: 'a test may use the fixtures of another package (real servers and stacks to drill), nothing else may',
      severity: 'error',
      from: { path: '^packages/', pathNot: '\\.(test|fixture)\\.ts$' },
      to: { path: '\\.fixture\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'a cycle between modules makes the order of initialisation fragile',
      severity: 'error',
      from: { path: '^packages/' },
      // a cycle of type-only imports vanishes at compile time
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'default'] },
  },
};
