// `npm start`: the whole system in one foreground process.
//
// Starts what is not configured (a Temporal dev server unless TEMPORAL_ADDRESS is set, an embedded
// PostgreSQL unless DATABASE_URL is set), applies migrations, then runs the worker and the API in
// this process. Ctrl-C or SIGTERM stops everything in reverse order; nothing is left running.
import path from 'node:path';
import { startApi, type ApiServer } from '../api/server';
import { readiness } from '../api/health';
import { ConfigError, loadConfig, type Config } from '../lib/config';
import { createPool, createPrisma, redactUrl } from '../lib/db';
import { createLogger, type Logger } from '../lib/logger';
import { ensureMemoryMaintenanceSchedule } from '../lib/memory-schedule';
import { connectClient, connectWorker, ensureSearchAttributes } from '../lib/temporal';
import { installTemporalRuntime } from '../workers/runtime';
import { startWorker, type WorkerHandle } from '../workers/worker';
import { BinaryNotFoundError, findBinary, TEMPORAL_CLI } from './binaries';
import { AlreadyRunningError, StackLock } from './lock';
import { applyMigrations, migrationsDir } from '../lib/migrations';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './postgres';
import { startSdkDownloadedServer, startTemporalServer, type TemporalServer } from './temporal-server';

const say = (line = '') => process.stdout.write(`${line}\n`);
const fail = (line: string) => process.stderr.write(`claude-flow: ${line}\n`);

type Step = () => Promise<void>;

async function main(): Promise<void> {
  const t0 = performance.now();
  let config: Config;
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
  installTemporalRuntime(logger);

  // Teardown steps, run last-first.
  const teardown: Step[] = [async () => lock.release()];
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

  try {
    const [temporalServer, postgres] = await Promise.all([
      config.temporal.address ? undefined : startEmbeddedTemporal(config, logsDir, lock),
      config.database.url ? undefined : startPostgres(config, logsDir, lock),
    ]);
    if (temporalServer) {
      teardown.push(() => temporalServer.stop());
      void temporalServer.exited.then((c) =>
        stop(1, `the Temporal dev server exited unexpectedly (code ${c}); see ${logsDir}/temporal.log`),
      );
    }
    if (postgres) {
      teardown.push(() => postgres.stop());
      void postgres.exited.then((c) =>
        stop(1, `PostgreSQL exited unexpectedly (code ${c}); see ${logsDir}/postgres.log`),
      );
    }
    const resolved: Config = {
      ...config,
      temporal: { ...config.temporal, address: temporalServer?.address ?? config.temporal.address },
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

    const [client, nativeConnection] = await Promise.all([connectClient(resolved), connectWorker(resolved)]);
    teardown.push(() => nativeConnection.close());
    teardown.push(() => client.connection.close());
    if (!temporalServer) await registerSearchAttributes(client, resolved, logger);

    const worker: WorkerHandle = await startWorker({
      config: resolved,
      connection: nativeConnection,
      deps: { prisma, pool, logger },
    });
    teardown.push(() => worker.shutdown());
    worker.running.catch((err: Error) => void stop(1, `the worker stopped: ${err.message}`));
    await ensureMemoryMaintenanceSchedule(client, resolved);

    const api: ApiServer = await startApi({ config: resolved, logger, pool, prisma, temporal: client });
    teardown.push(() => api.close());

    await waitReady(resolved, pool, client);
    banner(resolved, api, temporalServer, postgres, (performance.now() - t0) / 1000);
  } catch (err) {
    await stop(1, (err as Error).message);
  }
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
  lock.addChild('temporal', server.pid);
  return server;
}

async function startPostgres(config: Config, logsDir: string, lock: StackLock): Promise<EmbeddedPostgres> {
  const pg = await startEmbeddedPostgres(config.projectRoot, {
    dataDir: path.join(config.dataDir, 'postgres'),
    port: config.database.embeddedPort,
    logFile: path.join(logsDir, 'postgres.log'),
  });
  lock.addChild('postgres', pg.pid);
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
) {
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const ns = config.temporal.namespace;
  say();
  say(`Claude Flow is ready in ${seconds.toFixed(1)} s`);
  say(`  API          ${api.url}/api/claude-flow`);
  say(`  Health       ${api.url}/readyz`);
  if (temporal?.uiUrl) say(`  Temporal UI  ${temporal.uiUrl}/namespaces/${ns}/workflows`);
  say(
    `  Temporal     ${config.temporal.address} namespace ${ns}, task queue ${config.temporal.taskQueue}` +
      (temporal ? ` (embedded dev server, history in ${rel(path.join(config.dataDir, 'temporal'))})` : ''),
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
