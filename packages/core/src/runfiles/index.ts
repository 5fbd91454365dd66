// `@peakdrill/core/runfiles`: the run folder — its summary's types, writing and reading it, and
// the one redactor applied before anything is written or shown.
export * from './summary.js';
export * from './write.js';
export * from './read.js';
export * from './redact.js';
export * from './notes.js';
export * from './observe.js';
