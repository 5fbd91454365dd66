// @peakdrill/dashboard: the dashboard (express + chart.js) and the self-contained report,
// both over the run-directory contract (DESIGN.md). See docs/dashboard.md.

export { createDashboard, DASHBOARD_CSP, type DashboardOptions } from './app.js';
export { serveDashboard, isLoopback, type ServeOptions, type ServedDashboard } from './serve.js';
export { renderReport, writeReport } from './report.js';
export { LiveHub, type LiveEvent, type LiveSource } from './live.js';
export { buildRunView, displayStatus, type DisplayStatus, type RunView } from './view.js';
export { comparePage, type PageComparison, type LinkComparison as PageLinkComparison, type MetricDelta } from './compare.js';
export { loadPercentiles, percentileCurveDense, readPercentiles, type CurvePoint, type LinkPercentiles } from './percentiles.js';
export { buildSeries, DEFAULT_MAX_POINTS, type LinkSeries, type SeriesSet } from './series.js';
