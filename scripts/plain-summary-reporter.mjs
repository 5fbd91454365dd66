// A vitest reporter that ends the run with one plain line, `N passed, N failed[, N skipped]`,
// the closing line CI systems read when they do not know vitest's own output.
// A file that failed without a failed test (a beforeAll that threw, an import error) counts as
// one failure, and so does every unhandled error: the line must never read "0 failed" on a red run.
export default class PlainSummaryReporter {
  onTestRunEnd(testModules, unhandledErrors = []) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      if (mod.state() === 'failed' && failedHere === 0) failedHere = 1;
      failed += failedHere;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
