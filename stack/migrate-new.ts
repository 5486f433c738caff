// `npm run migrate:new -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with the
// SQL that takes a database from the committed migrations to prisma/schema.prisma.
//
// `prisma migrate diff` compares the schema as it was at the last migration (the snapshot kept
// beside it, schema.snapshot.prisma) with prisma/schema.prisma. Prisma's CLI wants a reachable
// database even for that, so a throwaway embedded PostgreSQL serves it, and the committed
// migrations plus the new one are replayed into it to prove they apply. Review, then commit.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findProjectRoot } from '../lib/config';
import { applyMigrations, migrationsDir, readMigrations } from '../lib/migrations';
import { startEmbeddedPostgres } from './postgres';
import { freePort } from './temporal-server';

/** The schema as of a migration, kept beside its migration.sql for the next diff. */
const SNAPSHOT = 'schema.snapshot.prisma';

async function main(): Promise<number> {
  const name = process.argv[2];
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    process.stderr.write('usage: npm run migrate:new -- <name>   (lower-case letters, digits and _)\n');
    return 2;
  }
  const root = findProjectRoot();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-migrate-'));
  fs.chmodSync(tmp, 0o755);
  const pg = await startEmbeddedPostgres(root, {
    dataDir: path.join(tmp, 'pg'),
    port: await freePort(),
    logFile: path.join(tmp, 'postgres.log'),
    ephemeral: true,
  });
  try {
    const dir = migrationsDir(root);
    const last = readMigrations(dir).pop();
    const from = last ? ['--from-schema-datamodel', path.join(dir, last.name, SNAPSHOT)] : ['--from-empty'];
    const sql = execFileSync(
      path.join(root, 'node_modules', '.bin', 'prisma'),
      ['migrate', 'diff', ...from, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
      {
        cwd: root,
        // eslint-disable-next-line no-restricted-properties -- passes our environment through to the Prisma CLI
        env: { ...process.env, DATABASE_URL: pg.url },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    if (/^-- This is an empty migration\.?\s*$/m.test(sql) || sql.trim() === '') {
      process.stdout.write('prisma/schema.prisma matches the committed migrations: nothing to write\n');
      return 0;
    }
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const target = path.join(dir, `${stamp}_${name}`);
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, 'migration.sql'), sql);
    fs.copyFileSync(path.join(root, 'prisma', 'schema.prisma'), path.join(target, SNAPSHOT));
    await applyMigrations(pg.url, dir);
    process.stdout.write(
      `wrote ${path.relative(root, target)}/migration.sql (applies cleanly); review it, then commit it\n`,
    );
    return 0;
  } finally {
    await pg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`migrate:new failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
