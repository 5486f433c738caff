// `npm start` (stack/start.ts) as a child process, as a user runs it: its output collected, waited
// for, stopped by a signal. Shared by the stack tests.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { findProjectRoot } from '../../lib/config';
import { freePort } from '../../stack/temporal-server';
import { harness } from './stack';

const root = findProjectRoot();

export interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_CLI_PATH: harness().temporalCli, ...extra };
  for (const k of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'CLAUDE_FLOW_API_KEY', 'HOST']) if (!(k in extra)) delete env[k];
  return env;
}

const started: Started[] = [];
/** Kills every stack this file started that still runs. */
export async function stopAll(): Promise<void> {
  // The whole process group: tsx, the stack under it and every copy the stack started (a test
  // that failed midway must leave none of them running).
  for (const s of started) {
    try {
      process.kill(-(s.child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** A data directory PostgreSQL's unprivileged OS user can reach (mkdtemp makes 0700 folders). */
export function dataDirectory(): string {
  const dir = fs.mkdtempSync(path.join(harness().tmpDir, 'stack-'));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Starts `tsx stack/start.ts [args]`; stopAll (in afterAll) kills whatever is left. */
export function startStack(env: NodeJS.ProcessEnv, args: string[] = []): Started {
  // A process group of its own, so stopAll can kill all of it.
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['stack/start.ts', ...args], {
    cwd: root,
    env,
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const s = { child, output: () => out, exited };
  started.push(s);
  return s;
}

export async function waitFor(s: Started, text: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!s.output().includes(text)) {
    if (s.child.exitCode !== null) throw new Error(`stack exited (${s.child.exitCode}):\n${s.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}":\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

/** Two free ports in a row (the second API copy listens on PORT + 1). */
export async function portPair(): Promise<number> {
  for (;;) {
    const p = await freePort();
    const taken = await new Promise<boolean>((resolve) => {
      const s = http.createServer().once('error', () => resolve(true));
      s.listen(p + 1, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (!taken) return p;
  }
}
