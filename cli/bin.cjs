#!/usr/bin/env node
// The `claude-flow` executable: loads the TypeScript CLI through tsx (no build step).
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS launcher */
require('tsx/cjs/api').register();
require('./main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
