// Jest: TypeScript through SWC; one Temporal dev server and one PostgreSQL for the whole run
// (test/setup/global-setup.ts), a fresh database per test file (test/helpers/stack.ts).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // @octokit/webhooks-methods ships ESM only: Jest (CommonJS here) gets it through the same SWC
  // transform. At run time the app loads it with a native import().
  moduleNameMapper: {
    '^@octokit/webhooks-methods$': '<rootDir>/node_modules/@octokit/webhooks-methods/dist-node/index.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!@octokit/webhooks-methods/)'],
  transform: {
    '^.+\\.(ts|js)$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  // Each test file's logs go to .data/test-logs/<path>.log, not the terminal (TEST_LOGS=terminal: keep them there).
  setupFilesAfterEnv: ['<rootDir>/test/setup/quiet-logs.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
  // The Temporal SDK's native runtime can outlive a test file's last connection; without this a
  // run of a single file (in band) would wait on it forever after the tests are done.
  forceExit: true,
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.js'],
};
