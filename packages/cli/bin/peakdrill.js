#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install` through the root `prepare` script).
import('../dist/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/main.js')) {
    console.error('peakdrill: not built yet. Run `npm install` (or `npm run build`) in the peakdrill checkout.');
    process.exit(2);
  }
  throw err;
});
