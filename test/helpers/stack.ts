// Per-test-file access to the shared harness: a fresh database, a config pointing at the shared
// Temporal server with a task queue of its own, and a running worker.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pg from 'pg';
import { dataConverterFor, payloadCodec } from '../../lib/codec';
import { loadConfig, type Config } from '../../lib/config';
import { createPool, createPrisma, type PrismaClient } from '../../lib/db';
import type { Logger } from '../../lib/logger';
import { installTemporalRuntime } from '../../workers/runtime';
import { startWorker, type WorkerHandle } from '../../workers/worker';
import { harness } from '../setup/harness';
import { fileLogger } from './logs';

export { harness };

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** A new database cloned from the migrated template (milliseconds, not a migration run). */
export async function freshDatabase(): Promise<TestDatabase> {
  const h = harness();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: h.pgAdminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(h.templateDatabase)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(h.pgAdminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: h.pgAdminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/**
 * A workspace of the test's own, holding a copy of the project's custom workflow definitions: a
 * test that writes definitions (the API's create and save routes, a fuzzer) never writes into the
 * checkout.
 */
function testWorkspace(tmpDir: string): string {
  const dir = fs.mkdtempSync(path.join(tmpDir, 'workspace-'));
  fs.cpSync(
    path.join(__dirname, '..', '..', '.claude-flow', 'workflows'),
    path.join(dir, '.claude-flow', 'workflows'),
    {
      recursive: true,
    },
  );
  return dir;
}

/** A Config as the app would load it, pointed at the harness; `env` adds or overrides settings. */
export function testConfig(env: Record<string, string> = {}): Config {
  const h = harness();
  const dataDir = fs.mkdtempSync(path.join(h.tmpDir, 'data-'));
  return loadConfig({
    env: {
      TEMPORAL_ADDRESS: h.temporalAddress,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue(),
      CLAUDE_FLOW_DATA_DIR: dataDir,
      ...(env.CLAUDE_FLOW_WORKSPACE ? {} : { CLAUDE_FLOW_WORKSPACE: testWorkspace(h.tmpDir) }),
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
}

/** The app's logger, writing to the test file's log (.data/test-logs/), not the terminal. */
export function testLogger(config: Config): Logger {
  return fileLogger(config.logLevel);
}

/** The Temporal SDK logging to the test file's log (call before the first connection): retry tests fail activities on purpose. */
export function quietTemporal(): void {
  installTemporalRuntime(fileLogger('warn'));
}

/** Everything a test needs to run workflows for real: database, clients and a worker. */
export interface TestApp {
  config: Config;
  db: TestDatabase;
  prisma: PrismaClient;
  pool: pg.Pool;
  client: Client;
  logger: Logger;
  worker: WorkerHandle | undefined;
  close(): Promise<void>;
}

export async function startTestApp(opts: { env?: Record<string, string>; worker?: boolean } = {}): Promise<TestApp> {
  const db = await freshDatabase();
  const config = testConfig({ DATABASE_URL: db.url, ...opts.env });
  const logger = testLogger(config);
  quietTemporal();
  const prisma = createPrisma(db.url, 5);
  const pool = createPool(db.url, 5);
  const connection = await Connection.connect({ address: config.temporal.address as string });
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFor(payloadCodec(config.payloads)),
  });
  let worker: WorkerHandle | undefined;
  let native: NativeConnection | undefined;
  if (opts.worker !== false) {
    native = await NativeConnection.connect({ address: config.temporal.address as string });
    worker = await startWorker({
      config,
      connection: native,
      deps: { prisma, pool, logger },
      bundle: { code: fs.readFileSync(harness().bundlePath, 'utf8') },
      shutdownGraceTime: '1 second',
    });
  }
  return {
    config,
    db,
    prisma,
    pool,
    client,
    logger,
    worker,
    async close() {
      await worker?.shutdown();
      await native?.close();
      await connection.close();
      await prisma.$disconnect();
      await pool.end();
      await db.drop();
    },
  };
}
