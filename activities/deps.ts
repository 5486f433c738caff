// What activities may touch. Built once per worker process and closed over by every activity.
import type pg from 'pg';
import type { Config } from '../lib/config';
import type { PrismaClient } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { MemoryStore } from '../lib/memory';

export interface ActivityDeps {
  config: Config;
  prisma: PrismaClient;
  pool: pg.Pool;
  logger: Logger;
  memory: MemoryStore;
  /** Identifies this worker process in records it writes. */
  workerIdentity: string;
}
