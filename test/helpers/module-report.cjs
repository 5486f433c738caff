// Preloaded into a process under test (NODE_OPTIONS=--require …): on exit, writes the paths of
// every module it loaded to $CF_TEST_MODULE_REPORT/modules-<pid>.json, so a test can prove what
// a configuration did not load.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS: node preloads it before any transform */
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.CF_TEST_MODULE_REPORT;
if (dir) {
  process.on('exit', () => {
    fs.writeFileSync(path.join(dir, `modules-${process.pid}.json`), JSON.stringify(Object.keys(require.cache)));
  });
}
