// `@peakdrill/core/report`: verdicts and figures for people and CI — the one figure formatter,
// the terminal table, GitHub step-summary markdown, JUnit XML and `compare`.
export { formatVerdictTable, verdictRows, overallLine, alignColumns, displayWidth, type VerdictRow } from './table.js';
export { formatVerdictMarkdown } from './markdown.js';
export { renderJUnit, xmlText, xmlAttr } from './junit.js';
export { compareRuns, formatCompare, type Change, type LinkComparison, type RunRef, type CompareResult, type CompareOptions } from './compare.js';
export { formatMs, formatRatio, formatRps, formatCount, formatNumber, formatChange, formatDuration, formatClock, formatBudgetFigure } from './figures.js';
