// `npm run sessions:rebuild`: rewrites the sessions table from Temporal (e.g. after restoring a
// database backup, or if the projection was damaged). Safe to run any time.
import { createPrisma } from '../lib/db';
import { fail, loadConfigOrExit, requireDatabaseUrl } from '../lib/process';
import { rebuildSessionProjection } from '../lib/session-projection';
import { connectClient } from '../lib/temporal';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const prisma = createPrisma(requireDatabaseUrl(config, 'sessions:rebuild'), 2);
  const client = await connectClient(config);
  try {
    const r = await rebuildSessionProjection(client, prisma, config.temporal.taskQueue);
    process.stdout.write(`rebuilt ${r.sessions} session(s)${r.failed.length ? `; ${r.failed.length} failed` : ''}\n`);
    for (const f of r.failed) process.stdout.write(`  ${f.workflowId}: ${f.error}\n`);
    if (r.failed.length) process.exitCode = 1;
  } finally {
    await client.connection.close();
    await prisma.$disconnect();
  }
}

main().catch((err: Error) => fail(err.message));
