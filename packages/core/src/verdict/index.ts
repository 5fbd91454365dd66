// `@peakdrill/core/verdict`: verdicts against capacity targets and budgets, the verdict window,
// the generator's self-check, recoveries, steadiness and the CI exit code. What reports them
// (figures, the terminal table, markdown, JUnit, `compare`) is `@peakdrill/core/report`.
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
export { GeneratorHealthTally, latenessBoundMs, settleStatus, LATENESS_FLOOR_MS, LATENESS_BUDGET_SHARE, LATENESS_NO_BUDGET_MS } from './generator.js';
export { recoveryOf, judgeRecoveries, recoveriesPassed, planSubject, STABLE_S } from './recovery.js';
export { steadinessOf, formatSteadiness, samplingNoiseCv, steadyCvLimit, cvLimit, RATE_BAND, P99_FACTOR, RATE_CV_MAX, P99_CV_MAX, BREAK_SIGMAS, type StagePools } from './steadiness.js';
export { p99Noise, p99Law, p99Rank, poolOfHistogram, poolOfCounts, type LatencyPool, type P99Noise } from './p99-noise.js';
export { holdStages } from './window.js';
export { chainMap, type ChainMap, type ChainNode, type ChainEdge } from './chain.js';
export { campaignReadiness, type CampaignReadiness, type CampaignRound, type CampaignRun, type LinkReadiness, type RoundLink } from './campaign.js';
