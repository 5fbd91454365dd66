export { Drill, assertRunnable, type DrillOptions, type DrillResult } from './drill.js';
export { Aggregator, type SecondReport, type LinkTotals } from './aggregate.js';
export { LocalFleet } from './local.js';
export type { GeneratorFleet } from './generators.js';
export { buildSummary, type SummaryInput } from './summary.js';
export * from './format.js';
export { watchAbortRules, metricValue, type AbortWatch } from './abort.js';
export { runPostChecks, drillFigures } from './post-checks.js';
export * from './distributed/index.js';
