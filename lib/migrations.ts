// Applies prisma/migrations/*/migration.sql in name order, keeping Prisma's `_prisma_migrations`
// bookkeeping so Prisma's own tools agree about what is applied. (Prisma 6's wasm schema engine
// cannot run `migrate deploy` against Postgres offline; see DESIGN §4.)
//
// Safe when several processes start at once: one holds an advisory lock while the others wait,
// then find nothing left to do.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/** Advisory lock key shared by every Claude Flow process ("cflow" in ASCII). */
const MIGRATION_LOCK_KEY = 0x63666c6f77;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export function migrationsDir(projectRoot: string): string {
  return path.join(projectRoot, 'prisma', 'migrations');
}

export function readMigrations(dir: string): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
}

async function appliedMigrations(client: pg.ClientBase): Promise<AppliedRow[]> {
  const res = await client.query<AppliedRow>(
    `SELECT migration_name, checksum FROM "_prisma_migrations"
      WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
  );
  return res.rows;
}

/** Applies every pending migration, each in its own transaction with its bookkeeping row. */
export async function applyMigrations(databaseUrl: string, dir: string): Promise<MigrationResult> {
  const migrations = readMigrations(dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(BOOKKEEPING);
    const applied = new Map((await appliedMigrations(client)).map((r) => [r.migration_name, r.checksum]));
    const done: string[] = [];
    for (const m of migrations) {
      const checksum = applied.get(m.name);
      if (checksum !== undefined) {
        if (checksum !== m.checksum) {
          throw new MigrationError(
            `migration ${m.name} was changed after it was applied to this database: restore prisma/migrations/${m.name}/migration.sql and put the change in a new migration (npm run migrate:new -- <name>)`,
          );
        }
        continue;
      }
      const id = randomUUID();
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [id, m.checksum, m.name],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`);
      }
      done.push(m.name);
    }
    return { applied: done, alreadyApplied: migrations.length - done.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

/** Names of committed migrations that this database has not applied (empty: up to date). */
export async function pendingMigrations(
  query: (sql: string) => Promise<{ rows: AppliedRow[] }>,
  dir: string,
): Promise<string[]> {
  let rows: AppliedRow[];
  try {
    rows = (
      await query(
        `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      )
    ).rows;
  } catch {
    return readMigrations(dir).map((m) => m.name);
  }
  const have = new Set(rows.map((r) => r.migration_name));
  return readMigrations(dir)
    .map((m) => m.name)
    .filter((n) => !have.has(n));
}
