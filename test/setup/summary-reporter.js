// Ends the run with one plain line, "N passed, N failed, N skipped", for CI logs, and says where
// the test files' logs are (.data/test-logs/), naming those of the files that failed.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS: jest loads reporters without a transform */
const path = require('node:path');
const { LOG_DIR, logFileFor } = require('./test-logs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests, numRuntimeErrorTestSuites } = results;
    const failed = numFailedTests + numRuntimeErrorTestSuites;
    const rel = (p) => path.relative(process.cwd(), p) || '.';
    let logs = '';
    if (process.env.TEST_LOGS !== 'terminal') {
      const failedLogs = results.testResults
        .filter((r) => r.numFailingTests > 0 || r.testExecError)
        .map((r) => logFileFor(r.testFilePath))
        .filter(Boolean);
      logs =
        failedLogs.length > 0
          ? `Logs of the failed test files:\n${failedLogs.map((f) => `  ${rel(f)}\n`).join('')}`
          : `Test logs: ${rel(LOG_DIR)}/ (TEST_LOGS=terminal to see them here)\n`;
    }
    process.stdout.write(
      `\n${numPassedTests} passed, ${failed} failed, ${numPendingTests + numTodoTests} skipped\n${logs}`,
    );
  }
}
module.exports = SummaryReporter;
