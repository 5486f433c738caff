// The team's shape on one machine, for the team-load test and bench: `TEMPORAL_SERVER=cluster npm
// start -- --workers N --apis 2` (the Temporal Server built from its Go module, persisting to the
// stack's own embedded PostgreSQL, which also holds Claude Flow's database), started as a user
// starts it, in a process group of its own so one kill stops all of it. Needs nothing from Jest.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../stack/temporal-server';
import { portPair } from './stack-process';

const root = path.join(__dirname, '..', '..');

export interface TeamStack {
  child: ChildProcess;
  /** The two API copies: the stack's own and api-2. */
  apis: [string, string];
  /** Claude Flow's database on the stack's PostgreSQL. */
  databaseUrl: string;
  temporalAddress: string;
  dataDir: string;
  output(): string;
  /** Waits until the output has `text` (after `from`, an offset into it). */
  waitFor(text: string | RegExp, timeoutMs?: number, from?: number): Promise<void>;
  /** The worker copies' pids as the banner names them (worker-2, worker-3, …). */
  workerCopyPids(): number[];
  /** PostgreSQL's postmaster, as the stack's lock file names it now. */
  postgresPid(): number;
  /** SIGTERM, then SIGKILL to the whole group after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL to the whole group. */
  kill(): void;
}

export async function startTeamStack(opts: {
  /** A folder PostgreSQL's unprivileged user can reach (0755). */
  dataDir: string;
  workers: number;
  env: Record<string, string>;
  readyTimeoutMs?: number;
}): Promise<TeamStack> {
  const port = await portPair();
  const pgPort = await freePort();
  const temporalPort = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'CLAUDE_FLOW_API_KEY', 'HOST']) delete env[k];
  Object.assign(env, {
    TEMPORAL_SERVER: 'cluster',
    CLAUDE_FLOW_DATA_DIR: opts.dataDir,
    PORT: String(port),
    TEMPORAL_PORT: String(temporalPort),
    EMBEDDED_POSTGRES_PORT: String(pgPort),
    LOG_LEVEL: 'warn',
    ...opts.env,
  });
  const child = spawn(
    path.join(root, 'node_modules', '.bin', 'tsx'),
    ['stack/start.ts', '--workers', String(opts.workers), '--apis', '2'],
    {
      cwd: root,
      env,
      detached: true,
    },
  );
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // gone already
    }
  };
  /** The output's last lines, and the end of every log file it points at (`see <file>`). */
  const tail = () => {
    const logs = [...new Set([...out.matchAll(/see (\/\S+\.log)/g)].map((m) => m[1]))];
    const ends = logs.map((f) => {
      try {
        return `--- ${f}\n${fs.readFileSync(f, 'utf8').slice(-2000)}`;
      } catch {
        return `--- ${f} (not there)`;
      }
    });
    return [out.slice(-4000), ...ends].join('\n');
  };
  const waitFor = async (text: string | RegExp, timeoutMs = 90_000, from = 0) => {
    const deadline = Date.now() + timeoutMs;
    const has = () => (typeof text === 'string' ? out.slice(from).includes(text) : text.test(out.slice(from)));
    while (!has()) {
      if (child.exitCode !== null) throw new Error(`the stack exited (${child.exitCode}):\n${tail()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}:\n${tail()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stack: TeamStack = {
    child,
    apis: [`http://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`],
    databaseUrl: `postgresql://claude_flow:claude_flow@127.0.0.1:${pgPort}/claude_flow`,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    dataDir: opts.dataDir,
    output: () => out,
    waitFor,
    workerCopyPids: () => [...out.matchAll(/worker-\d+ \(pid (\d+)\)/g)].map((m) => Number(m[1])),
    postgresPid() {
      const lock = JSON.parse(fs.readFileSync(path.join(opts.dataDir, 'claude-flow.lock'), 'utf8')) as {
        children: { name: string; pid: number }[];
      };
      const pg = lock.children.find((c) => c.name === 'postgres');
      if (!pg) throw new Error('no postgres in the stack lock file');
      return pg.pid;
    },
    async stop(graceMs = 60_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => group('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      group('SIGKILL'); // anything of the group still there
      return code;
    },
    kill: () => group('SIGKILL'),
  };
  try {
    await waitFor('Press Ctrl-C to stop.', opts.readyTimeoutMs ?? 240_000);
  } catch (err) {
    stack.kill();
    throw err;
  }
  return stack;
}
