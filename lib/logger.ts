// Structured logging (pino). Processes create one root logger and hand children to their parts.
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Config } from './config';

export type Logger = pino.Logger;

interface LoggerOptions {
  /** Also write every line to this file (the embedded stack keeps logs under the data directory). */
  file?: string;
  /** Minimum level echoed to stderr when `file` is set. @default 'warn' */
  consoleLevel?: pino.Level;
  name?: string;
}

export function createLogger(config: Pick<Config, 'logLevel'>, options: LoggerOptions = {}): Logger {
  const level = config.logLevel;
  if (!options.file) return pino({ level, name: options.name });
  fs.mkdirSync(path.dirname(options.file), { recursive: true });
  const streams: pino.StreamEntry[] = [
    { level: level as pino.Level, stream: pino.destination({ dest: options.file, sync: true, mkdir: true }) },
    { level: options.consoleLevel ?? 'warn', stream: process.stderr },
  ];
  return pino({ level, name: options.name }, pino.multistream(streams));
}
