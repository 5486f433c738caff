// `npm run migrate`: applies pending migrations to DATABASE_URL (the stack does this at start).
import { fail, loadConfigOrExit, requireDatabaseUrl } from '../lib/process';
import { applyMigrations, migrationsDir } from '../lib/migrations';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const url = requireDatabaseUrl(config, 'migrate');
  const result = await applyMigrations(url, migrationsDir(config.projectRoot));
  process.stdout.write(
    result.applied.length
      ? `applied ${result.applied.join(', ')}\n`
      : `up to date (${result.alreadyApplied} migrations applied)\n`,
  );
}

main().catch((err: Error) => fail(err.message));
