// Verdicts against capacity targets and budgets, and everything that reports them: the
// terminal table, GitHub step-summary markdown, JUnit XML, the CI exit code, and `compare`.
export { steadyWindow, verdictWindow, type SteadyWindow, type VerdictWindow } from './window.js';
export { linkSecondFromInterval, tallyOutcomes, NON_ERROR_OUTCOMES, type LinkSecond } from './seconds.js';
export {
  budgetLabel,
  budgetMetric,
  throughputLabel,
  resolveTarget,
  percentileMs,
  evaluateBudget,
  evaluateThroughput,
  budgetFailureMessage,
  formatMeasured,
  formatAllowed,
  type WindowFacts,
} from './budget.js';
export { computeVerdicts, describeWindow, THROUGHPUT_TOLERANCE, type VerdictInput } from './verdicts.js';
export { readRunSeconds, rebuildVerdictsFromRunDir, rebuildVerdicts } from './run-dir.js';
export { budgetsPassed, exitCodeOf, applyVerdicts } from './gate.js';
export { formatVerdictTable, verdictRows, overallLine, alignColumns, displayWidth, type VerdictRow } from './table.js';
export { formatVerdictMarkdown } from './markdown.js';
export { renderJUnit, xmlText, xmlAttr } from './junit.js';
export { compareRuns, formatCompare, type Change, type LinkComparison, type RunRef, type CompareResult, type CompareOptions } from './compare.js';
export { formatMs, formatRatio, formatRps, formatCount, formatNumber, formatChange, formatDuration, formatClock, formatBudgetFigure } from './figures.js';
export { GeneratorHealthTally, latenessBoundMs, settleStatus, LATENESS_FLOOR_MS, LATENESS_BUDGET_SHARE, LATENESS_NO_BUDGET_MS } from './generator.js';
export { recoveryOf, judgeRecoveries, recoveriesPassed, planSubject, STABLE_S } from './recovery.js';
export { steadinessOf, formatSteadiness, samplingNoiseCv, steadyCvLimit, RATE_BAND, P99_FACTOR, RATE_CV_MAX, P99_CV_MAX, BREAK_SIGMAS } from './steadiness.js';
export { holdStages } from './window.js';
export { chainMap, type ChainMap, type ChainNode, type ChainEdge } from './chain.js';
export { campaignReadiness, type CampaignReadiness, type CampaignRound, type CampaignRun, type LinkReadiness, type RoundLink } from './campaign.js';
