// The real entry points (`npm start`, `npm run worker`) as processes of their own, against the
// harness's Temporal and a fresh database, for what only a whole process shows: tracing hooked in
// at load, metrics served, what was (not) loaded. Killed in `stopAll` if a test leaves them.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findProjectRoot } from '../../lib/config';
import { freePort } from '../../stack/temporal-server';
import { freshDatabase, harness, uniqueTaskQueue, type TestDatabase } from './stack';

const root = findProjectRoot();
const children: ChildProcess[] = [];
const databases: TestDatabase[] = [];

export interface AppProcess {
  /** The API's origin (`npm start`). */
  url: string;
  port: number;
  dataDir: string;
  /** Where module-report.cjs writes what each process loaded. */
  reports: string;
  output: () => string;
  stop(): Promise<number | null>;
}

/**
 * Starts `entry` (stack/start.ts, workers/main.ts) with TEMPORAL_ADDRESS and DATABASE_URL set (so
 * it starts no server of its own), no OTEL_* from the test's environment, and `env` added; resolves
 * once `ready` is printed.
 */
export async function startAppProcess(
  entry: string,
  env: Record<string, string>,
  ready = 'Press Ctrl-C to stop.',
): Promise<AppProcess> {
  const db = await freshDatabase();
  databases.push(db);
  const dataDir = fs.mkdtempSync(path.join(harness().tmpDir, 'app-'));
  const reports = fs.mkdtempSync(path.join(harness().tmpDir, 'modules-'));
  const port = await freePort();
  const full: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_')) full[k] = v;
  for (const k of ['CLAUDE_FLOW_API_KEY', 'HOST']) delete full[k];
  Object.assign(full, {
    TEMPORAL_ADDRESS: harness().temporalAddress,
    DATABASE_URL: db.url,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('app'),
    CLAUDE_FLOW_DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'info',
    NODE_OPTIONS: `--require ${path.join(root, 'test', 'helpers', 'module-report.cjs')}`,
    CF_TEST_MODULE_REPORT: reports,
    ...env,
  });
  // A process group of its own: tsx runs the app in a child, and a kill must reach that child too.
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [entry], {
    cwd: root,
    env: full,
    detached: true,
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 120_000;
  while (!out.includes(ready)) {
    if (child.exitCode !== null) throw new Error(`${entry} exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`${entry} not ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    reports,
    output: () => out,
    // To the app itself, not to tsx: tsx relays a signal by waiting 30 ms for the app to say it got
    // it, and on a loaded machine SIGKILLs it instead (exit 143). tsx then exits with the app's code.
    stop: async () => {
      process.kill(appPid(child.pid as number), 'SIGTERM');
      return exited;
    },
  };
}

/** The process tsx runs the app in (its one child), else tsx itself. */
function appPid(tsx: number): number {
  try {
    const children = fs.readFileSync(`/proc/${tsx}/task/${tsx}/children`, 'utf8').trim().split(/\s+/);
    return Number(children[0]) || tsx;
  } catch {
    return tsx;
  }
}

/** The modules the process running `entry` loaded (written when it exited). */
export function loadedModules(app: AppProcess, entry: string): string[] {
  for (const file of fs.readdirSync(app.reports)) {
    const modules = JSON.parse(fs.readFileSync(path.join(app.reports, file), 'utf8')) as string[];
    if (modules.some((m) => m.endsWith(entry))) return modules;
  }
  throw new Error(`no module report of ${entry} in ${app.reports}`);
}

export async function stopAll(): Promise<void> {
  for (const c of children.splice(0)) {
    try {
      process.kill(-(c.pid as number), 'SIGKILL');
    } catch {
      // the group has ended
    }
  }
  for (const db of databases.splice(0)) await db.drop();
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** One session turn through the API (a session created, one message answered); returns the reply. */
export async function sessionTurnThroughApi(app: AppProcess, text: string): Promise<string> {
  const api = `${app.url}/api/claude-flow`;
  const created = await postJson(`${api}/sessions`, { title: 'A session', owner: 'bob' });
  if (created.status !== 201) throw new Error(`creating a session: ${created.status} ${JSON.stringify(created.body)}`);
  const sent = await postJson(`${api}/sessions/${String(created.body.sessionId)}/messages`, { text });
  if (sent.status !== 200) throw new Error(`sending a message: ${sent.status} ${JSON.stringify(sent.body)}`);
  return String(sent.body.reply);
}
