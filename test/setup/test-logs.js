// Where test logs go: one file per test file, .data/test-logs/<path under test/>.log (gitignored),
// so a passing run prints only jest's results. TEST_LOGS=terminal keeps them on the terminal.
// Shared by the per-file setup (quiet-logs.ts), the helpers that make loggers and the summary reporter.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS: jest loads reporters without a transform */
const path = require('node:path');

const TEST_DIR = path.join(__dirname, '..');
const LOG_DIR = path.join(TEST_DIR, '..', '.data', 'test-logs');

/** The log file of the test file at `testPath`, or undefined when logs stay on the terminal. */
function logFileFor(testPath) {
  if (process.env.TEST_LOGS === 'terminal' || !testPath) return undefined;
  return path.join(LOG_DIR, `${path.relative(TEST_DIR, testPath)}.log`);
}

module.exports = { LOG_DIR, logFileFor };
