// Runs before each test file (setupFilesAfterEnv): starts its log file afresh and sends the file's
// console output there, so warnings of passing tests stay out of the terminal. Loggers made by the
// test helpers (test/helpers/logs.ts) write to the same file. Failures still print as usual.
import fs from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import { logFileFor } from './test-logs';

const file = logFileFor(expect.getState().testPath);
if (file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '');
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const)
    console[level] = (...args: unknown[]) => fs.appendFileSync(file, `console.${level}: ${format(...args)}\n`);
}
