import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findProjectRoot } from '../../lib/config';
import { applyMigrations, migrationsDir, readMigrations } from '../../lib/migrations';
import { harness } from '../helpers/stack';

async function emptyDatabase(): Promise<string> {
  const name = `m_${Math.random().toString(36).slice(2, 10)}`;
  const c = new pg.Client({ connectionString: harness().pgAdminUrl });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(harness().pgAdminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

const dir = migrationsDir(findProjectRoot());

test('migrations apply once, with Prisma bookkeeping, and are a no-op the second time', async () => {
  const url = await emptyDatabase();
  const first = await applyMigrations(url, dir);
  expect(first.applied).toEqual(readMigrations(dir).map((m) => m.name));
  const rows = await query<{ migration_name: string; checksum: string; finished_at: Date }>(
    url,
    'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name',
  );
  expect(rows.map((r) => r.migration_name)).toEqual(first.applied);
  expect(rows.every((r) => r.finished_at instanceof Date && /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);

  const second = await applyMigrations(url, dir);
  expect(second).toEqual({ applied: [], alreadyApplied: first.applied.length });
});

test('two processes migrating at once: one applies, the other waits and finds nothing to do', async () => {
  const url = await emptyDatabase();
  const [a, b] = await Promise.all([applyMigrations(url, dir), applyMigrations(url, dir)]);
  expect([a.applied.length, b.applied.length].sort()).toEqual([0, readMigrations(dir).length]);
  const rows = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM _prisma_migrations');
  expect(Number(rows[0].n)).toBe(readMigrations(dir).length);
});

test('an edited, already-applied migration is refused with what to do', async () => {
  const url = await emptyDatabase();
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-mig-'));
  fs.cpSync(dir, copy, { recursive: true });
  await applyMigrations(url, copy);
  const first = readMigrations(copy)[0];
  fs.appendFileSync(path.join(copy, first.name, 'migration.sql'), '\n-- edited\n');
  await expect(applyMigrations(url, copy)).rejects.toThrow(`migration ${first.name} was changed after it was applied`);
});

test('a failing migration is rolled back whole and not recorded', async () => {
  const url = await emptyDatabase();
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-mig-'));
  fs.cpSync(dir, copy, { recursive: true });
  fs.mkdirSync(path.join(copy, '99999999999999_broken'));
  fs.writeFileSync(
    path.join(copy, '99999999999999_broken', 'migration.sql'),
    'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;',
  );
  await expect(applyMigrations(url, copy)).rejects.toThrow('migration 99999999999999_broken failed');
  const tables = await query(url, "SELECT 1 FROM pg_tables WHERE tablename = 'half_done'");
  expect(tables).toHaveLength(0);
  const recorded = await query(url, "SELECT 1 FROM _prisma_migrations WHERE migration_name = '99999999999999_broken'");
  expect(recorded).toHaveLength(0);
});
