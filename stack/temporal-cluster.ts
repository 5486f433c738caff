// A real Temporal Server (not the dev server): built from its Go module into .tools/, persisting to
// PostgreSQL with SQL visibility — the configuration docker-compose.yml gets from auto-setup
// (DB=postgres12), written in ops/temporal/cluster.yaml. Schemas come from the module's own
// schema/postgresql/v12 files, applied with temporal-sql-tool as auto-setup does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { ensureSearchAttributes } from '../lib/temporal';
import { BinaryNotFoundError } from './binaries';
import { freePort, type TemporalServer } from './temporal-server';

/** The server release built; its major.minor matches docker-compose.yml's temporalio/auto-setup tag. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
/** ops/temporal/<CLUSTER_CONFIG_ENV>.yaml is the server's configuration. */
export const CLUSTER_CONFIG_DIR = path.join('ops', 'temporal');
export const CLUSTER_CONFIG_ENV = 'cluster';
/** What auto-setup sets up for DB=postgres12 when nothing overrides it. */
export const CLUSTER_DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

export interface ClusterBinaries {
  /** `temporal-server` (go.temporal.io/server/cmd/server). */
  server: string;
  /** `temporal-sql-tool` (go.temporal.io/server/cmd/tools/sql). */
  sqlTool: string;
  /** The module's schema/postgresql/v12, holding temporal/ and visibility/. */
  schemaDir: string;
}

/** Where a build of `version` is cached, relative to the project root. */
export function clusterToolsDir(version = TEMPORAL_SERVER_VERSION): string {
  return path.join('.tools', 'temporal-server', `v${version}`);
}

function layout(dir: string): ClusterBinaries {
  return {
    server: path.join(dir, 'bin', 'temporal-server'),
    sqlTool: path.join(dir, 'bin', 'temporal-sql-tool'),
    schemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
  };
}

function complete(b: ClusterBinaries): boolean {
  return (
    [b.server, b.sqlTool].every((f) => fs.existsSync(f)) &&
    fs.existsSync(path.join(b.schemaDir, 'temporal', 'versioned'))
  );
}

/** Our environment, passed through to a child process, plus what it is told on top. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // eslint-disable-next-line no-restricted-properties -- the Go toolchain and the server read their own variables
  return { ...process.env, ...extra };
}

function run(cmd: string, args: string[], extra: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: childEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else
        reject(new Error(`${path.basename(cmd)} ${args[0] ?? ''} failed (${signal ?? `exit ${code}`}): ${out.trim()}`));
    });
  });
}

function makeWritable(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) makeWritable(full);
    else fs.chmodSync(full, 0o644);
  }
}

/** Why the cluster cannot be had on this machine (nothing cached, no Go to build it), or undefined. */
export function clusterUnavailableReason(root: string): string | undefined {
  if (complete(layout(path.join(root, clusterToolsDir())))) return undefined;
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0) return undefined;
  return (
    `Temporal Server ${TEMPORAL_SERVER_VERSION} is not built in ${clusterToolsDir()} and Go is not on PATH: ` +
    `install Go 1.25 or later (https://go.dev/dl/) and run again; the first run builds ${TEMPORAL_SERVER_MODULE}/cmd/server ` +
    `and cmd/tools/sql@v${TEMPORAL_SERVER_VERSION} into it (a few minutes)`
  );
}

/**
 * The Temporal Server and its SQL tool, built once into .tools/temporal-server/v<version>/ with
 * `go install` (a few minutes) and reused from there; the build happens in a staging folder that
 * is renamed into place only when complete.
 * @throws BinaryNotFoundError when nothing is cached and Go is not installed, saying what to install.
 */
export async function findTemporalCluster(opts: {
  root: string;
  install?: boolean;
  log?: (line: string) => void;
}): Promise<ClusterBinaries> {
  const log = opts.log ?? (() => undefined);
  const dir = path.join(opts.root, clusterToolsDir());
  const cached = layout(dir);
  if (complete(cached)) return cached;
  const reason = clusterUnavailableReason(opts.root);
  if (reason) throw new BinaryNotFoundError(reason);
  if (opts.install === false) {
    throw new BinaryNotFoundError(`Temporal Server ${TEMPORAL_SERVER_VERSION} is not built in ${clusterToolsDir()}`);
  }
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.join(staging, 'bin'), { recursive: true });
  const at = `@v${TEMPORAL_SERVER_VERSION}`;
  log(
    `building Temporal Server ${TEMPORAL_SERVER_VERSION} into ${clusterToolsDir()} with go install (one-time, a few minutes)...`,
  );
  const t0 = Date.now();
  const env = { GOBIN: path.join(staging, 'bin'), GOFLAGS: '-mod=mod' };
  await run(
    'go',
    ['install', `${TEMPORAL_SERVER_MODULE}/cmd/server${at}`, `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql${at}`],
    env,
    2_400_000, // 25 minutes seen on a loaded 2-core machine (4.5 CPU minutes)
  );
  fs.renameSync(path.join(staging, 'bin', 'server'), path.join(staging, 'bin', 'temporal-server'));
  fs.renameSync(path.join(staging, 'bin', 'sql'), path.join(staging, 'bin', 'temporal-sql-tool'));
  const modCache = (await run('go', ['env', 'GOMODCACHE'], env, 30_000)).trim();
  const source = path.join(modCache, `${TEMPORAL_SERVER_MODULE}${at}`, 'schema', 'postgresql', 'v12');
  const built = layout(staging);
  fs.cpSync(source, built.schemaDir, { recursive: true });
  makeWritable(path.join(staging, 'schema')); // the module cache is read-only
  if (fs.existsSync(dir) && !complete(cached)) fs.rmSync(dir, { recursive: true, force: true });
  if (!fs.existsSync(dir)) fs.renameSync(staging, dir);
  else fs.rmSync(staging, { recursive: true, force: true }); // another process finished first
  log(`built Temporal Server ${TEMPORAL_SERVER_VERSION} in ${Math.round((Date.now() - t0) / 1000)} s`);
  return cached;
}

/** Where the cluster keeps its data: a PostgreSQL server it reaches over TCP. */
export interface ClusterPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  /** @default 'temporal' */
  database?: string;
  /** @default 'temporal_visibility' */
  visibilityDatabase?: string;
}

export function clusterPostgresFromUrl(url: string, names: { database?: string; visibilityDatabase?: string } = {}) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    ...names,
  } satisfies ClusterPostgres;
}

/**
 * Creates both databases and brings their schemas to the version the server ships, as auto-setup
 * does (create-database, setup-schema -v 0.0, update-schema). Safe to run again on set-up databases.
 */
export async function setupClusterSchema(b: ClusterBinaries, pg: ClusterPostgres): Promise<void> {
  const stores = [
    [pg.database ?? CLUSTER_DATABASES.default, 'temporal'],
    [pg.visibilityDatabase ?? CLUSTER_DATABASES.visibility, 'visibility'],
  ] as const;
  for (const [database, schema] of stores) {
    const common = ['--plugin', 'postgres12', '--ep', pg.host, '--port', String(pg.port), '--user', pg.user];
    common.push('--password', pg.password, '--db', database);
    const tool = (...args: string[]) => run(b.sqlTool, [...common, ...args], {}, 120_000);
    await tool('create-database').catch((err: Error) => {
      if (!/already exists/.test(err.message)) throw err;
    });
    await tool('setup-schema', '-v', '0.0');
    await tool('update-schema', '-d', path.join(b.schemaDir, schema, 'versioned'));
  }
}

export interface TemporalClusterOptions {
  binaries: ClusterBinaries;
  postgres: ClusterPostgres;
  /** The project root: ops/temporal/ is read from here. */
  root: string;
  /** Frontend gRPC port (the address clients and workers use). */
  port: number;
  namespace: string;
  logFile: string;
  /** Namespace retention. @default '24h' (auto-setup's default) */
  retention?: Duration;
  /**
   * Ports of the other services (FRONTEND_HTTP_PORT, HISTORY_GRPC_PORT, ... and PROMETHEUS_PORT);
   * pass a started cluster's `ports` to restart it in place. @default free ports
   */
  ports?: Record<string, number>;
  /** @default 60_000 */
  readyTimeoutMs?: number;
}

export interface TemporalCluster extends TemporalServer {
  metricsUrl: string;
  ports: Record<string, number>;
}

/**
 * A free port below 32768: the SQL schema keeps membership ports in a smallint, and the ports the OS
 * hands out for port 0 are above that.
 */
async function freeSmallPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1 for the Temporal membership ring');
}

const PORT_VARIABLES = [
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
  'PROMETHEUS_PORT',
] as const;

/**
 * Starts the server (frontend, history, matching and worker services in one process) on 127.0.0.1,
 * waits until it serves, and makes sure `namespace` exists and carries Claude Flow's search attributes.
 * The schema must already be set up ({@link setupClusterSchema}).
 */
export async function startTemporalCluster(opts: TemporalClusterOptions): Promise<TemporalCluster> {
  const ports: Record<string, number> = {};
  for (const name of PORT_VARIABLES) {
    ports[name] = opts.ports?.[name] ?? (name.endsWith('MEMBERSHIP_PORT') ? await freeSmallPort() : await freePort());
  }
  const { PROMETHEUS_PORT: metricsPort, ...servicePorts } = ports;
  const env = childEnv({
    DB: 'postgres12',
    POSTGRES_SEEDS: opts.postgres.host,
    DB_PORT: String(opts.postgres.port),
    POSTGRES_USER: opts.postgres.user,
    POSTGRES_PWD: opts.postgres.password,
    DBNAME: opts.postgres.database ?? CLUSTER_DATABASES.default,
    VISIBILITY_DBNAME: opts.postgres.visibilityDatabase ?? CLUSTER_DATABASES.visibility,
    BIND_ON_IP: '127.0.0.1',
    FRONTEND_GRPC_PORT: String(opts.port),
    ...Object.fromEntries(Object.entries(servicePorts).map(([k, v]) => [k, String(v)])),
    PROMETHEUS_ENDPOINT: `127.0.0.1:${metricsPort}`,
    DYNAMIC_CONFIG_FILE_PATH: path.join(opts.root, CLUSTER_CONFIG_DIR, 'dynamicconfig.yaml'),
    LOG_LEVEL: 'warn',
  });
  const args = ['--root', opts.root, '--config', CLUSTER_CONFIG_DIR, '--env', CLUSTER_CONFIG_ENV];
  args.push('--allow-no-auth', 'start');
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  const child: ChildProcess = spawn(opts.binaries.server, args, { env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  const address = `127.0.0.1:${opts.port}`;
  const stop = async (graceMs = 15_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntilReady(address, opts, exited);
  } catch (err) {
    await stop(2_000);
    throw err;
  }
  return {
    address,
    uiUrl: undefined,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    ports,
    pid: child.pid ?? -1,
    stop,
    exited,
    exitSignal: () => child.signalCode,
  };
}

async function waitUntilReady(
  address: string,
  opts: TemporalClusterOptions,
  exited: Promise<number | null>,
): Promise<void> {
  let dead: number | null | undefined;
  void exited.then((code) => (dead = code));
  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  let registered = false;
  while (Date.now() < deadline) {
    if (dead !== undefined) {
      const tail = fs
        .readFileSync(opts.logFile, 'utf8')
        .trim()
        .split('\n')
        .slice(-6)
        .map((l) => l.slice(0, 400))
        .join('\n');
      throw new Error(`Temporal Server exited with code ${dead} while starting (${opts.logFile}):\n${tail}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        const service = connection.workflowService;
        const known = await service.describeNamespace({ namespace: opts.namespace }).then(
          () => true,
          (err: { code?: number }) => {
            if (err.code === 5) return false; // NOT_FOUND: the server answers, the namespace is new
            throw err;
          },
        );
        if (!known && !registered) {
          await service.registerNamespace({
            namespace: opts.namespace,
            workflowExecutionRetentionPeriod: msToTs(opts.retention ?? '24h'),
          });
          registered = true;
        }
        if (known) {
          await ensureSearchAttributes(new Client({ connection, namespace: opts.namespace }), opts.namespace);
          // The frontend serves a namespace once its registry has it, some seconds after registration.
          await service.countWorkflowExecutions({ namespace: opts.namespace });
          return;
        }
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Temporal Server at ${address} not ready after ${timeoutMs} ms (${lastError}); see ${opts.logFile}`);
}
