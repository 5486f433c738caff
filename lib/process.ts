// Shared by the production entry points (npm run worker / api / migrate): configuration errors as
// one line and exit 1, and a single graceful shutdown on SIGINT/SIGTERM.
import { ConfigError, loadConfig, type Config } from './config';

export function fail(line: string): never {
  process.stderr.write(`claude-flow: ${line}\n`);
  process.exit(1);
}

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

/** The database URL, or exit saying how to provide one (production entry points start no database). */
export function requireDatabaseUrl(config: Config, entry: string): string {
  if (config.database.url) return config.database.url;
  return fail(
    `DATABASE_URL is not set: \`npm run ${entry}\` connects to an existing PostgreSQL (use \`npm start\` for the embedded stack)`,
  );
}

/** Runs `stop` once on the first SIGINT/SIGTERM, then exits with its outcome. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: unknown) => fail(`shutdown failed: ${(err as Error).message}`),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
