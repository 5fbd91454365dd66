// `@peakdrill/core/plan`: what running a Plan needs, without reading YAML — the Plan's types, the
// load profile, templates, JSONPath and CSV records. The engine's worker thread imports this (and
// protocol, metrics, logs), never the scenario reader: that one loads the YAML parser.
export type * from '../plan.js';
export {
  ArrivalSchedule,
  stageTargetAt,
  totalDurationMs,
  startLevel,
  peakLevel,
  plannedAverageRps,
  plannedRates,
  evenShare,
  evenBlock,
  describeLoad,
  describeStages,
  levelUnit,
  type LevelUnit,
  type PlannedRates,
} from './profile.js';
export { shadowTagging, shadowSecretFor } from './shadow.js';
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
export { CsvStream, countCsvRows, parseCsv, parseRecord } from './csv.js';
