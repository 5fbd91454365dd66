// `@peakdrill/core/scenario`: the scenario format, YAML → validated, normalized Plan (and quick
// mode's Plan without a file). It loads the YAML parser; what running a Plan needs is also
// re-exported here, and on its own (no YAML) as `@peakdrill/core/plan` (runtime.ts).

export * from './runtime.js';

export { loadScenario, parseScenario } from './load.js';
export { MAX_SCENARIO_BYTES, MAX_EXPANDED_BYTES, MAX_BODY_BYTES, MAX_HEADER_BYTES, headerBytes } from './limits.js';
export type { ScenarioOverrides } from './overrides.js';
export { quickPlan, type QuickOptions } from './quick.js';
export { parseDuration, parsePercent, parseRate, formatScenarioDuration, MAX_DURATION_MS, MAX_RATE } from './units.js';
export { parseBudget, formatBudget, PERCENTILES } from './budget.js';
export { parseAbortRule, type AbortRuleInput } from './abort.js';
export { checkAllowlist, isLoopback, hostAllowed } from './allowlist.js';
export { suggest } from './suggest.js';
export { DEFAULT_HTTP, DEFAULT_SHADOW, DEFAULT_MAX_IN_FLIGHT, RATE_LIMITED_STATUSES } from './defaults.js';
export { parseBandwidth, describeFault } from './faults.js';
