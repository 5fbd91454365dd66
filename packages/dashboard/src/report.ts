// report.html: the run page as one self-contained file (chart.js, styles and data inlined; a
// meta CSP forbids any network), readable from disk, attached to a CI job, mailed to a TPM.

import { join } from 'node:path';
import { readRunDir, RUN_FILES, writeFileAtomic } from '@peakdrill/core';
import { renderRunPage } from './pages/run.js';
import { buildRunView } from './view.js';

/** The report of the run folder `runDir`, as HTML. Throws UserError RUN_NOT_FOUND / RUN_SUMMARY_INVALID. */
export function renderReport(runDir: string): string {
  const run = readRunDir(runDir);
  return renderRunPage(buildRunView(run, { percentiles: true, api: null }), 'inline');
}

/** Writes (atomically) `<runDir>/report.html`; returns its path. */
export function writeReport(runDir: string): string {
  const html = renderReport(runDir);
  const path = join(runDir, RUN_FILES.report);
  writeFileAtomic(path, html);
  return path;
}
