// `npm run worker`: a production worker against an existing Temporal and PostgreSQL.
// Run as many as you like on the same task queue to scale out.
import '../lib/tracing/register';
import { createPool, createPrisma } from '../lib/db';
import type { Config } from '../lib/config';
import { createLogger, type Logger } from '../lib/logger';
import { ensureMemoryMaintenanceSchedule } from '../lib/memory-schedule';
import { serveMetrics } from '../lib/metrics';
import { fail, loadConfigOrExit, onShutdown, requireDatabaseUrl } from '../lib/process';
import { connectClient, connectWorker, DEFAULT_TEMPORAL_ADDRESS, ensureSearchAttributes } from '../lib/temporal';
import { stopTracing } from '../lib/tracing';
import { installTemporalRuntime, sdkMetricsAddress } from './runtime';
import { startWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const databaseUrl = requireDatabaseUrl(config, 'worker');
  const logger = createLogger(config, { name: 'worker' });
  // A worker alone serves /metrics only where WORKER_METRICS_PORT says.
  const metricsPort = config.metrics.workerPort;
  installTemporalRuntime(logger, { metricsAddress: metricsPort ? await sdkMetricsAddress(config) : undefined });
  const metrics = metricsPort ? await serveMetrics(config.api.host, metricsPort) : undefined;
  if (metrics) logger.info({ url: `http://${config.api.host}:${metricsPort}/metrics` }, 'serving metrics');
  const pool = createPool(databaseUrl, config.database.poolSize);
  const prisma = createPrisma(databaseUrl, config.database.poolSize);
  const connection = await connectWorker(config);
  await registerSearchAttributes(config, logger);
  const worker = await startWorker({ config, connection, deps: { prisma, pool, logger } });
  logger.info(
    {
      address: config.temporal.address ?? DEFAULT_TEMPORAL_ADDRESS,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
    },
    'worker polling',
  );
  onShutdown(async () => {
    await worker.shutdown();
    await connection.close();
    await prisma.$disconnect();
    await pool.end();
    metrics?.close();
    await stopTracing();
  });
  await worker.running;
}

/** Best effort: a server that refuses (Temporal Cloud without admin rights) needs them created by hand. */
async function registerSearchAttributes(config: Config, logger: Logger): Promise<void> {
  try {
    const client = await connectClient(config);
    await scheduleMaintenance(client, config, logger);
    const added = await ensureSearchAttributes(client, config.temporal.namespace);
    if (added.length) logger.info({ added }, 'search attributes registered');
    await client.connection.close();
  } catch (err) {
    logger.warn(
      { err },
      'could not register search attributes; create them with `temporal operator search-attribute create` (see README)',
    );
  }
}

/** Best effort too: without the schedule, memory maintenance can still be started by hand. */
async function scheduleMaintenance(client: Awaited<ReturnType<typeof connectClient>>, config: Config, logger: Logger) {
  try {
    const id = await ensureMemoryMaintenanceSchedule(client, config);
    logger.info({ schedule: id ?? 'off', every: config.memory.maintenanceInterval }, 'memory maintenance schedule');
  } catch (err) {
    logger.warn({ err }, 'could not create the memory maintenance schedule; memoryMaintenance will not run on its own');
  }
}

main().catch((err: Error) => fail(`worker stopped: ${err.message}`));
