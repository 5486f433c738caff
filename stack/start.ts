// `npm start`: the whole system in one foreground process.
//
// Starts what is not configured (a Temporal dev server unless TEMPORAL_ADDRESS is set, an embedded
// PostgreSQL unless DATABASE_URL is set), applies migrations, then runs the worker and the API in
// this process. `--workers N` and `--apis M` add worker processes and API copies (on the ports
// after PORT), each started as production starts it (stack/copies.ts), to run on one machine the
// shape that runs on many. Ctrl-C or SIGTERM stops everything in reverse order; nothing is left
// running.
//
// Faults heal. A Temporal dev server, PostgreSQL or worker of ours that ends on its own is started
// again the same way (stack/supervise.ts: back-off from 1 s to 30 s; more than 5 restarts within
// 5 minutes stops the stack), and says so on the terminal and in the log. The API and the worker
// keep running through it and reconnect by themselves; the database connections heal as lib/db.ts
// describes (a PostgreSQL shutting down is let go of, so its shutdown completes).
import '../lib/tracing/register';
import path from 'node:path';
import { startApi, type ApiServer } from '../api/server';
import { readiness } from '../api/health';
import { ConfigError, loadConfig, type Config } from '../lib/config';
import {
  createPool,
  createPrisma,
  databaseWatch,
  redactUrl,
  type DatabaseStateChange,
  type DatabaseWatch,
} from '../lib/db';
import { createLogger, type Logger } from '../lib/logger';
import { ensureMemoryMaintenanceSchedule } from '../lib/memory-schedule';
import { connectClient, connectWorker, ensureSearchAttributes } from '../lib/temporal';
import { stopTracing } from '../lib/tracing';
import { installTemporalRuntime, sdkMetricsAddress } from '../workers/runtime';
import { startWorker, type WorkerHandle } from '../workers/worker';
import { BinaryNotFoundError, findBinary, TEMPORAL_CLI } from './binaries';
import { ENTRY, parseScale, startCopy, waitHttpOk, type Copy, type Scale } from './copies';
import { AlreadyRunningError, StackLock } from './lock';
import { applyMigrations, migrationsDir } from '../lib/migrations';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './postgres';
import { Supervisor, type SupervisedPart } from './supervise';
import { startSdkDownloadedServer, startTemporalServer, type TemporalServer } from './temporal-server';
import {
  clusterPostgresFromUrl,
  findTemporalCluster,
  setupClusterSchema,
  startTemporalCluster,
} from './temporal-cluster';

const say = (line = '') => process.stdout.write(`${line}\n`);
const fail = (line: string) => process.stderr.write(`claude-flow: ${line}\n`);

type Step = () => Promise<void>;

/** How often a new connection is tried, which is how a PostgreSQL starting a smart shutdown shows. */
const PROBE_EVERY_MS = 2_000;

/** A child process of ours (the Temporal dev server, PostgreSQL) as a supervised part. */
interface ChildPart<T> extends SupervisedPart {
  child: T;
}

function childPart<T extends TemporalServer | EmbeddedPostgres>(child: T): ChildPart<T> {
  return {
    child,
    ended: child.exited.then((code) => {
      const signal = child.exitSignal?.();
      return `exited (${signal ? `signal ${signal}` : `code ${code}`})`;
    }),
    stop: () => child.stop(),
    describe: () => `pid ${child.pid}`,
  };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  let config: Config;
  let scale: Scale;
  try {
    scale = parseScale(process.argv.slice(2));
  } catch (err) {
    fail((err as Error).message);
    process.exit(1);
  }
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      fail(err.message);
      process.exit(1);
    }
    throw err;
  }
  let lock: StackLock;
  try {
    lock = StackLock.acquire(config.dataDir, (l) => say(l));
  } catch (err) {
    if (err instanceof AlreadyRunningError) {
      fail(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logsDir = path.join(config.dataDir, 'logs');
  const logger = createLogger(config, { file: path.join(logsDir, 'claude-flow.log'), name: 'claude-flow' });
  installTemporalRuntime(logger, { metricsAddress: await sdkMetricsAddress(config) });

  // Teardown steps, run last-first.
  const teardown: Step[] = [async () => lock.release(), stopTracing];
  let stopping = false;
  const stop = async (code: number, why?: string) => {
    if (stopping) return;
    stopping = true;
    if (why) fail(why);
    say('stopping...');
    for (const step of teardown.reverse()) {
      try {
        await step();
      } catch (err) {
        logger.error({ err }, 'shutdown step failed');
      }
    }
    say('stopped');
    logger.flush();
    process.exit(code);
  };
  // Ctrl-C reaches us more than once (the terminal signals the whole group, and tsx forwards it):
  // the first signal stops, later ones within a second are the same keypress.
  let firstSignalAt = 0;
  const onSignal = () => {
    if (!stopping) {
      firstSignalAt = Date.now();
      void stop(0);
    } else if (Date.now() - firstSignalAt > 1_000) {
      fail('still stopping (waiting for running work to finish and the databases to close)');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  /** A line for the terminal and the log (at info: warnings would reach the terminal a second time). */
  const report = (line: string, level: 'info' | 'warn' | 'error') => {
    if (level === 'info') say(line);
    else fail(line);
    logger.info({ severity: level }, line);
  };
  const supervise = <T extends SupervisedPart>(name: string, first: T, start: () => Promise<T>, seeLog: string) =>
    new Supervisor<T>({
      name,
      first,
      start,
      report,
      stopping: () => stopping,
      giveUp: (why) => void stop(1, `${why}${seeLog}`),
    });

  try {
    // The cluster persists to PostgreSQL, so it starts once PostgreSQL serves; the dev server needs nothing.
    const cluster = !config.temporal.address && config.temporal.server === 'cluster';
    const startPg = async () => (config.database.url ? undefined : startPostgres(config, logsDir, lock));
    const [temporalServer, postgres]: [TemporalServer | undefined, EmbeddedPostgres | undefined] = cluster
      ? await startPg().then(async (pg) => {
          try {
            return [
              await startClusterTemporal(config, logsDir, lock, pg?.adminUrl ?? (config.database.url as string)),
              pg,
            ];
          } catch (err) {
            await pg?.stop(); // not supervised yet: nothing else would stop it
            throw err;
          }
        })
      : await Promise.all([
          config.temporal.address ? undefined : startEmbeddedTemporal(config, logsDir, lock),
          startPg(),
        ]);
    if (temporalServer) {
      const temporalSupervisor = supervise(
        cluster ? 'Temporal Server' : 'Temporal dev server',
        childPart(temporalServer),
        async () =>
          childPart(
            cluster
              ? await startClusterTemporal(config, logsDir, lock, postgres?.adminUrl ?? (config.database.url as string))
              : await startEmbeddedTemporal(config, logsDir, lock),
          ),
        `; see ${logsDir}/temporal.log`,
      );
      teardown.push(() => temporalSupervisor.stop());
    }
    if (postgres) {
      const postgresSupervisor = supervise(
        'PostgreSQL',
        childPart(postgres),
        async () => childPart(await startPostgres(config, logsDir, lock)),
        `; see ${logsDir}/postgres.log`,
      );
      teardown.push(() => postgresSupervisor.stop());
    }
    const resolved: Config = {
      ...config,
      temporal: {
        ...config.temporal,
        address: temporalServer?.address ?? config.temporal.address,
        uiUrl: config.temporal.uiUrl ?? temporalServer?.uiUrl,
      },
      database: { ...config.database, url: postgres?.url ?? config.database.url },
    };
    const databaseUrl = resolved.database.url as string;

    const migrated = await applyMigrations(databaseUrl, migrationsDir(config.projectRoot));
    if (migrated.applied.length) logger.info({ applied: migrated.applied }, 'migrations applied');

    const pool = createPool(databaseUrl, config.database.poolSize);
    const prisma = createPrisma(databaseUrl, config.database.poolSize);
    teardown.push(async () => {
      await prisma.$disconnect();
      await pool.end();
    });
    const stopWatching = watchDatabase(databaseWatch(databaseUrl), report, () => stopping);
    teardown.push(stopWatching);

    const [client, firstConnection] = await Promise.all([connectClient(resolved), connectWorker(resolved)]);
    let nativeConnection = firstConnection;
    teardown.push(() => nativeConnection.close());
    teardown.push(() => client.connection.close());
    if (!temporalServer) await registerSearchAttributes(client, resolved, logger);

    const launchWorker = async (): Promise<SupervisedPart> => {
      const handle: WorkerHandle = await startWorker({
        config: resolved,
        connection: nativeConnection,
        deps: { prisma, pool, logger },
      });
      return {
        ended: handle.running.then(
          () => 'stopped',
          (err: Error) => `stopped: ${err.message}`,
        ),
        stop: () => handle.shutdown(),
      };
    };
    let worker = await launchWorker();
    const workerSupervisor = supervise(
      'The worker',
      worker,
      async () => {
        // What is left of the one that stopped, then a fresh connection: the old one may be what failed.
        await worker.stop().catch(() => undefined);
        const old = nativeConnection;
        nativeConnection = await connectWorker(resolved);
        await old.close().catch(() => undefined);
        worker = await launchWorker();
        return worker;
      },
      `; see ${logsDir}/claude-flow.log`,
    );
    teardown.push(() => workerSupervisor.stop());
    await ensureMemoryMaintenanceSchedule(client, resolved);

    const api: ApiServer = await startApi({ config: resolved, logger, pool, prisma, temporal: client });
    teardown.push(() => api.close());

    await waitReady(resolved, pool, client);
    const copies = await startCopies(scale, resolved, logsDir, supervise, (step) => teardown.push(step));
    banner(resolved, api, temporalServer, postgres, (performance.now() - t0) / 1000, copies);
  } catch (err) {
    await stop(1, (err as Error).message);
  }
}

/**
 * The worker processes and API copies beyond the stack's own, each supervised (restarted when it
 * ends on its own, like the rest of the stack) and stopped at teardown, APIs first. Resolves once
 * every API copy answers /readyz.
 */
async function startCopies(
  scale: Scale,
  config: Config,
  logsDir: string,
  supervise: <T extends SupervisedPart>(
    name: string,
    first: T,
    start: () => Promise<T>,
    seeLog: string,
  ) => {
    stop(): Promise<void>;
  },
  onTeardown: (step: Step) => void,
): Promise<{ workers: Copy[]; apis: { copy: Copy; url: string }[] }> {
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: config.temporal.address as string,
    DATABASE_URL: config.database.url as string,
    ...(config.temporal.uiUrl ? { TEMPORAL_UI_URL: config.temporal.uiUrl } : {}),
  };
  const out = { workers: [] as Copy[], apis: [] as { copy: Copy; url: string }[] };
  const run = (name: string, entry: string, extra: Record<string, string>) => {
    const logFile = path.join(logsDir, `${name}.log`);
    const first = startCopy(name, entry, { ...env, ...extra }, logFile);
    const s = supervise(
      name,
      first,
      async () => startCopy(name, entry, { ...env, ...extra }, logFile),
      `; see ${logFile}`,
    );
    onTeardown(() => s.stop());
    return first;
  };
  for (let i = 2; i <= scale.workers; i++) out.workers.push(run(`worker-${i}`, ENTRY.worker, {}));
  for (let i = 2; i <= scale.apis; i++) {
    const port = config.api.port + i - 1;
    const host = config.api.host === '0.0.0.0' || config.api.host === '::' ? '127.0.0.1' : config.api.host;
    out.apis.push({ copy: run(`api-${i}`, ENTRY.api, { PORT: String(port) }), url: `http://${host}:${port}` });
  }
  await Promise.all(out.apis.map((a) => waitHttpOk(`${a.url}/readyz`, a.copy)));
  return out;
}

/**
 * Says on the terminal (and in the log) when PostgreSQL starts shutting down, becomes unreachable
 * and is reachable again, and keeps the watch's spare connection and probe going. Returns the stop.
 */
function watchDatabase(
  watch: DatabaseWatch,
  report: (line: string, level: 'info' | 'warn' | 'error') => void,
  stopping: () => boolean,
): () => Promise<void> {
  const unlessStopping = (fn: (change: DatabaseStateChange) => void) => (change: DatabaseStateChange) => {
    if (!stopping()) fn(change);
  };
  const onShuttingDown = unlessStopping(() =>
    report(
      'PostgreSQL is shutting down (new connections are refused); closing our idle connections so the shutdown can finish',
      'warn',
    ),
  );
  const onDown = unlessStopping((c) => report(`PostgreSQL ${c.detail}`, 'warn'));
  const onUp = unlessStopping((c) =>
    report(`PostgreSQL is reachable again (${((c.outageMs ?? 0) / 1000).toFixed(1)} s without it)`, 'info'),
  );
  watch.on('shutting-down', onShuttingDown);
  watch.on('down', onDown);
  watch.on('up', onUp);
  const stopProbing = watch.start(PROBE_EVERY_MS);
  return async () => {
    watch.off('shutting-down', onShuttingDown);
    watch.off('down', onDown);
    watch.off('up', onUp);
    await stopProbing();
  };
}

async function startEmbeddedTemporal(config: Config, logsDir: string, lock: StackLock): Promise<TemporalServer> {
  const options = {
    port: config.temporal.port,
    uiPort: config.temporal.uiPort,
    dbFilename: path.join(config.dataDir, 'temporal', 'temporal.db'),
    namespace: config.temporal.namespace,
    logFile: path.join(logsDir, 'temporal.log'),
    // The Web UI decodes encrypted payloads through the API's codec endpoint.
    uiCodecEndpoint: config.payloads.key ? `http://127.0.0.1:${config.api.port}/api/claude-flow/codec` : undefined,
  };
  let executable: string;
  try {
    executable = findBinary(TEMPORAL_CLI, {
      configured: config.temporal.cliPath,
      configuredName: 'TEMPORAL_CLI_PATH',
      root: config.projectRoot,
      log: (l) => say(l),
    });
  } catch (err) {
    if (!(err instanceof BinaryNotFoundError) || config.temporal.cliPath) throw err;
    say(`${err.message}; trying the Temporal SDK's own download (needs internet access)...`);
    return await startSdkDownloadedServer(options);
  }
  const server = await startTemporalServer({ executable, ...options });
  lock.setChild('temporal', server.pid);
  return server;
}

let clusterPorts: Record<string, number> | undefined;

/**
 * TEMPORAL_SERVER=cluster: the Temporal Server built from its Go module (.tools/), persisting to
 * `pgUrl`'s server in the databases temporal and temporal_visibility (set up on first start).
 */
async function startClusterTemporal(
  config: Config,
  logsDir: string,
  lock: StackLock,
  pgUrl: string,
): Promise<TemporalServer> {
  const binaries = await findTemporalCluster({ root: config.projectRoot, log: (l) => say(l) });
  const postgres = clusterPostgresFromUrl(pgUrl);
  await setupClusterSchema(binaries, postgres);
  const server = await startTemporalCluster({
    binaries,
    postgres,
    root: config.projectRoot,
    port: config.temporal.port,
    ports: clusterPorts, // a restart keeps the membership ring's ports
    namespace: config.temporal.namespace,
    logFile: path.join(logsDir, 'temporal.log'),
  });
  clusterPorts = server.ports;
  lock.setChild('temporal', server.pid);
  return server;
}

async function startPostgres(config: Config, logsDir: string, lock: StackLock): Promise<EmbeddedPostgres> {
  const pg = await startEmbeddedPostgres(config.projectRoot, {
    dataDir: path.join(config.dataDir, 'postgres'),
    port: config.database.embeddedPort,
    logFile: path.join(logsDir, 'postgres.log'),
  });
  lock.setChild('postgres', pg.pid);
  return pg;
}

async function registerSearchAttributes(
  client: Awaited<ReturnType<typeof connectClient>>,
  config: Config,
  logger: Logger,
) {
  try {
    const added = await ensureSearchAttributes(client, config.temporal.namespace);
    if (added.length) logger.info({ added }, 'search attributes registered');
  } catch (err) {
    logger.warn(
      { err },
      `could not register search attributes on ${config.temporal.address}; create them with \`temporal operator search-attribute create\` (see README)`,
    );
  }
}

async function waitReady(
  config: Config,
  pool: Parameters<typeof readiness>[1],
  client: Parameters<typeof readiness>[2],
) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await readiness(config, pool, client);
    if (r.ready) return;
    if (Date.now() > deadline) {
      const failing = Object.entries(r.checks)
        .filter(([, c]) => !c.ok)
        .map(([name, c]) => `${name}: ${c.detail}`);
      throw new Error(`not ready after 30 s (${failing.join('; ')})`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}

function banner(
  config: Config,
  api: ApiServer,
  temporal: TemporalServer | undefined,
  pg: EmbeddedPostgres | undefined,
  seconds: number,
  copies: { workers: Copy[]; apis: { copy: Copy; url: string }[] },
) {
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const ns = config.temporal.namespace;
  say();
  say(`Claude Flow is ready in ${seconds.toFixed(1)} s`);
  say(`  Dashboard    ${api.url}/`);
  say(`  API          ${api.url}/api/claude-flow`);
  say(`  Health       ${api.url}/readyz`);
  if (copies.apis.length) say(`  API copies   ${copies.apis.map((a) => a.url).join(', ')} (logs/api-<n>.log)`);
  if (copies.workers.length) {
    say(
      `  Workers      ${copies.workers.length + 1}: this process and ${copies.workers.map((w) => `${w.name} (pid ${w.pid})`).join(', ')}`,
    );
  }
  if (temporal?.uiUrl) say(`  Temporal UI  ${temporal.uiUrl}/namespaces/${ns}/workflows`);
  say(
    `  Temporal     ${config.temporal.address} namespace ${ns}, task queue ${config.temporal.taskQueue}` +
      (temporal
        ? config.temporal.server === 'cluster'
          ? ' (Temporal Server, history in PostgreSQL: databases temporal and temporal_visibility)'
          : ` (embedded dev server, history in ${rel(path.join(config.dataDir, 'temporal'))})`
        : ''),
  );
  say(
    `  PostgreSQL   ${redactUrl(config.database.url as string)}${pg ? ` (embedded, data in ${rel(path.join(config.dataDir, 'postgres'))})` : ''}`,
  );
  say(`  Logs         ${rel(path.join(config.dataDir, 'logs'))}/`);
  if (!config.api.apiKey) {
    say();
    say('  !! No CLAUDE_FLOW_API_KEY is set: the API accepts requests without a key, from this machine only.');
  }
  say();
  say('Press Ctrl-C to stop.');
}

void main();
