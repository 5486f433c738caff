// A worker in a process of its own, for tests that kill it (SIGKILL) mid-run: the production
// startWorker with the harness's prebuilt workflow bundle (CF_TEST_BUNDLE), configured by the
// environment it is given. Prints "worker ready" once it polls.
import fs from 'node:fs';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../lib/config';
import { createPool, createPrisma } from '../../lib/db';
import { createLogger } from '../../lib/logger';
import { installTemporalRuntime } from '../../workers/runtime';
import { startWorker } from '../../workers/worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  installTemporalRuntime(createLogger({ logLevel: 'error' }));
  const url = config.database.url as string;
  const pool = createPool(url, 3);
  const prisma = createPrisma(url, 3);
  const connection = await NativeConnection.connect({ address: config.temporal.address as string });
  const worker = await startWorker({
    config,
    connection,
    deps: { prisma, pool, logger },
    bundle: { code: fs.readFileSync(process.env.CF_TEST_BUNDLE as string, 'utf8') },
  });
  process.stdout.write('worker ready\n');
  await worker.running;
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
