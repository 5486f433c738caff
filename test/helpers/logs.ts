// Loggers for tests: they write to the test file's log (.data/test-logs/<path>.log, see
// test/setup/test-logs.js), not to the terminal. TEST_LOGS=terminal puts them back on the terminal.
import fs from 'node:fs';
import { inspect } from 'node:util';
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import pino from 'pino';
import type { Logger } from '../../lib/logger';
import { logFileFor } from '../setup/test-logs';

/** This test file's log file; undefined when logs stay on the terminal. */
export function testLogFile(): string | undefined {
  return logFileFor(expect.getState().testPath);
}

let destination: pino.DestinationStream | undefined;

/** A pino logger (as lib/logger makes) writing to the test file's log. */
export function fileLogger(level: string): Logger {
  const file = testLogFile();
  if (!file) return pino({ level });
  destination ??= pino.destination({ dest: file, append: true, sync: true, mkdir: true });
  return pino({ level }, destination);
}

/** A logger for the Temporal SDK's own seats (MockActivityEnvironment), writing to the test file's log. */
export function temporalTestLogger(level: LogLevel = 'WARN'): DefaultLogger {
  const file = testLogFile();
  if (!file) return new DefaultLogger(level);
  return new DefaultLogger(level, ({ level: l, message, meta }) =>
    fs.appendFileSync(file, `${new Date().toISOString()} [${l}] ${message}${meta ? ` ${inspect(meta)}` : ''}\n`),
  );
}
