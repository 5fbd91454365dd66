// `@peakdrill/core/logs`: reading access logs line by line, their formats and route templates —
// what the replay model needs in a worker, without the importers (OpenAPI loads the YAML parser).
export { readLines, checkTextFile, MAX_LINE_BYTES, type Line } from './lines.js';
export { COMBINED, COMMON, KNOWN_VARIABLES, compilePattern, parseTimeLocal, parserFor, type LogEntry } from './log-format.js';
export { routeOf, linkName, isIdSegment, templateUrl, type Route, type RouteParam } from './route.js';
