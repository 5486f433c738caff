// More workers and API copies for `npm start -- --workers N --apis M`: each one its own process,
// started exactly as production starts them (`npm run worker`, `npm run api`: workers/main.ts and
// api/main.ts) against the stack's Temporal and PostgreSQL, so one machine runs the shape many
// machines run. Their output goes to logs/<name>.log; stack/start.ts supervises them like the rest.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { SupervisedPart } from './supervise';

/** The most of either that one machine is asked to run. */
export const MAX_COPIES = 16;

export interface Scale {
  /** Worker processes in all, the stack's own included. */
  workers: number;
  /** API copies in all, the stack's own (on PORT) included; the others on the ports after it. */
  apis: number;
}

/** `--workers N` and `--apis M` (also `--workers=N`), each a whole number from 1 to MAX_COPIES. */
export function parseScale(argv: string[]): Scale {
  const scale: Scale = { workers: 1, apis: 1 };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(workers|apis)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unknown option ${argv[i]}; npm start takes --workers N and --apis M`);
    const raw = m[2] ?? argv[++i];
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > MAX_COPIES) {
      throw new Error(
        `--${m[1]} takes a whole number from 1 to ${MAX_COPIES} (${m[1] === 'workers' ? 'worker processes' : 'API copies'} in all), e.g. --${m[1]} 3; got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`,
      );
    }
    scale[m[1] as keyof Scale] = n;
  }
  return scale;
}

export interface Copy extends SupervisedPart {
  name: string;
  pid: number;
  logFile: string;
}

const ROOT = path.resolve(__dirname, '..');
export const ENTRY = { worker: path.join(ROOT, 'workers', 'main.ts'), api: path.join(ROOT, 'api', 'main.ts') };

/** Starts `node --import tsx <entry>` with `env` added, its output appended to `logFile`. */
export function startCopy(name: string, entry: string, env: Record<string, string>, logFile: string): Copy {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    // A copy is configured as the stack is, by the same environment, plus what it must share.
    // eslint-disable-next-line no-restricted-properties
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `was killed (${signal})` : `exited (code ${code})`));
    child.once('error', (err) => resolve(`could not start: ${err.message}`));
  });
  return {
    name,
    pid: child.pid ?? -1,
    logFile,
    ended: exited,
    describe: () => `pid ${child.pid}`,
    // SIGTERM: a worker drains its running activities (its shutdown grace time), an API finishes
    // its requests; whatever is still there a minute later is killed.
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until `url` answers 200 (an API copy's /readyz), or the copy ends, or the deadline passes. */
export async function waitHttpOk(url: string, copy: Copy, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ended: string | undefined;
  void copy.ended.then((how) => (ended = how));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (ended) throw new Error(`${copy.name} ${ended} before it was ready; see ${copy.logFile}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${copy.name} was not ready within ${timeoutMs / 1000} s (${url}: ${last}); see ${copy.logFile}`);
}
