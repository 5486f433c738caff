// `npm run api`: a production API process against an existing Temporal and PostgreSQL.
// Stateless: run as many copies as you need behind a load balancer.
import '../lib/tracing/register';
import { createPool, createPrisma } from '../lib/db';
import { createLogger } from '../lib/logger';
import { fail, loadConfigOrExit, onShutdown, requireDatabaseUrl } from '../lib/process';
import { connectClient } from '../lib/temporal';
import { stopTracing } from '../lib/tracing';
import { startApi } from './server';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const databaseUrl = requireDatabaseUrl(config, 'api');
  const logger = createLogger(config, { name: 'api' });
  const pool = createPool(databaseUrl, config.database.poolSize);
  const prisma = createPrisma(databaseUrl, config.database.poolSize);
  const temporal = await connectClient(config);
  const api = await startApi({ config, logger, pool, prisma, temporal });
  logger.info({ url: api.url }, 'API listening');
  if (!config.api.apiKey)
    logger.warn('No CLAUDE_FLOW_API_KEY: accepting requests without a key, from this machine only');
  onShutdown(async () => {
    await api.close();
    await temporal.connection.close();
    await prisma.$disconnect();
    await pool.end();
    await stopTracing();
  });
}

main().catch((err: Error) => fail(err.message));
