// Structured logging (pino). Processes create one root logger and hand children to their parts.
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config';
import { traceIds, tracingOn } from './tracing';

export type Logger = pino.Logger;

interface LoggerOptions {
  /**
   * Also write every line to this file, as JSON (the embedded stack keeps logs under the data
   * directory); the terminal then gets readable lines (`16:04:05 WARN (claude-flow): message`).
   */
  file?: string;
  /** Minimum level echoed to the terminal when `file` is set. @default 'warn' */
  consoleLevel?: pino.Level;
  /** Where those readable lines go. @default process.stderr */
  console?: NodeJS.WritableStream;
  name?: string;
}

export function createLogger(config: Pick<Config, 'logLevel'>, options: LoggerOptions = {}): Logger {
  const level = config.logLevel;
  // In a span, every line carries its trace_id and span_id (only when tracing is on: no cost off).
  const base: pino.LoggerOptions = { level, name: options.name, ...(tracingOn() ? { mixin: traceIds } : {}) };
  if (!options.file) return pino(base);
  fs.mkdirSync(path.dirname(options.file), { recursive: true });
  const terminal = options.console ?? process.stderr;
  const streams: pino.StreamEntry[] = [
    { level: level as pino.Level, stream: pino.destination({ dest: options.file, sync: true, mkdir: true }) },
    {
      level: options.consoleLevel ?? 'warn',
      stream: pretty({
        destination: terminal,
        sync: true,
        colorize: (terminal as { isTTY?: boolean }).isTTY === true,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname',
        singleLine: true,
      }),
    },
  ];
  return pino(base, pino.multistream(streams));
}
