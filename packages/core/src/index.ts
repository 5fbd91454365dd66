export * from './plan.js';
export * from './errors.js';
export * from './protocol.js';
export * from './histogram.js';
export * from './runfiles/summary.js';
export * from './runfiles/hlog.js';
