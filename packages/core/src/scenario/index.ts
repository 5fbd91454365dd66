// The scenario format: YAML → validated, normalized Plan (and quick mode's Plan without a file).

export { loadScenario, parseScenario } from './load.js';
export { MAX_SCENARIO_BYTES, MAX_EXPANDED_BYTES, MAX_BODY_BYTES, MAX_HEADER_BYTES, headerBytes } from './limits.js';
export type { ScenarioOverrides } from './overrides.js';
export { quickPlan, type QuickOptions } from './quick.js';
export { parseDuration, parsePercent, parseRate, formatScenarioDuration, MAX_DURATION_MS, MAX_RATE } from './units.js';
export { parseBudget, formatBudget, PERCENTILES } from './budget.js';
export { parseAbortRule, type AbortRuleInput } from './abort.js';
export { checkAllowlist, isLoopback, hostAllowed } from './allowlist.js';
export {
  parseTemplate,
  scanTemplate,
  isLiteral,
  BUILTINS,
  HELPERS,
  type TemplatePart,
  type ExpressionPart,
  type Builtin,
  type Helper,
  type TemplateProblem,
} from './template.js';
export { parseJsonPath, walkJsonPath, type JsonPathSegment } from './jsonpath.js';
export { describeLoad } from './load-model.js';
export { CsvStream, countCsvRows, parseCsv, parseRecord } from './csv.js';
export { suggest } from './suggest.js';
export { DEFAULT_HTTP, DEFAULT_SHADOW, DEFAULT_MAX_IN_FLIGHT, RATE_LIMITED_STATUSES } from './defaults.js';
export { parseBandwidth, describeFault } from './faults.js';
