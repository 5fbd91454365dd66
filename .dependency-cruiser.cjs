// The direction of imports between packages (DESIGN.md): cli → controller → engine → core;
// dashboard → core; stack stands alone. A package is used only through its `exports`, never by a
// relative path into its files. The engine (the worker thread) imports only the parts of core a
// worker needs. `npm test` runs this (packages/cli/src/dependencies.test.ts), so a wrong import
// fails the test command.
//
// A package imported by name resolves through its `exports` to its compiled `dist/` entry (the
// test command builds first): those edges are kept (`doNotFollow`, not `exclude`), or no rule
// about another package would ever see an import by name.
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

// What a worker needs of core (docs/design/modules.md): the root entry and the other subpaths load
// the YAML parser, the importers and the run-file writers. Each subpath's file is read from core's
// own `exports`, so moving an entry there moves it here too.
const WORKER_CORE = ['./protocol', './plan', './metrics', './logs'];
const coreExports = require('./packages/core/package.json').exports;
const workerCoreFiles = WORKER_CORE.map((k) => `^packages/core/${coreExports[k].default.replace(/^\.\//, '').replace(/\./g, '\\.')}$`);

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
      name: 'engine-imports-worker-core-only',
      comment: `the engine (the worker thread) imports only ${WORKER_CORE.map((k) => `@peakdrill/core${k.slice(1)}`).join(', ')}: the rest of core loads the YAML parser and the run-file writers, which a worker never needs (its tests may use all of core)`,
      severity: 'error',
      from: { path: '^packages/engine/src/', pathNot: '\\.(test|fixture)\\.ts$' },
      to: { path: '^packages/core/', pathNot: workerCoreFiles },
    },
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
    doNotFollow: { path: ['node_modules', '(^|/)dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'default'] },
  },
};
