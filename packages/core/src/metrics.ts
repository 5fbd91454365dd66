// `@peakdrill/core/metrics`: the histogram factory (histogram.ts) and hlog tags (runfiles/hlog.ts).
export * from './histogram.js';
export * from './runfiles/hlog.js';
