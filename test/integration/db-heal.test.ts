// The app's database connections against a PostgreSQL of their own that is stopped with SIGTERM (a
// "smart" shutdown: it refuses new connections and waits for every open one) while a pg pool,
// Prisma, the live hub and a LISTEN connection the app cannot reach (like the memory caches') are
// open. The shutdown completes, /readyz's checks name postgres meanwhile (never "migrations
// pending"), and after a restart on the same port everything works again; the hub's subscriber,
// connected throughout, gets the event written while its LISTEN connection was closed. An event
// whose transaction took its id before one the hub passed on, committed while the LISTEN
// connection was lost, is caught up too; the hub passes no event on twice.
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { unavailableProblem } from '../../api/error-border';
import { readiness } from '../../api/health';
import { LiveHub } from '../../api/live/hub';
import { findProjectRoot } from '../../lib/config';
import { createPool, createPrisma, databaseWatch } from '../../lib/db';
import { LiveListener, publish, type LiveEvent } from '../../lib/live';
import { applyMigrations, migrationsDir } from '../../lib/migrations';
import { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from '../../stack/postgres';
import { freePort } from '../../stack/temporal-server';
import { harness, testConfig } from '../helpers/stack';

jest.setTimeout(60_000);

const root = findProjectRoot();
let options: EmbeddedPostgresOptions;
let server: EmbeddedPostgres;
let connection: Connection;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(harness().tmpDir, 'db-heal-'));
  fs.chmodSync(dir, 0o755); // the embedded PostgreSQL may run as another OS user
  options = {
    dataDir: path.join(dir, 'pg'),
    port: await freePort(),
    logFile: path.join(dir, 'pg.log'),
    ephemeral: true,
  };
  server = await startEmbeddedPostgres(root, options);
  await applyMigrations(server.url, migrationsDir(root));
  connection = await Connection.connect({ address: harness().temporalAddress });
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await connection?.close();
  await server?.stop(2_000);
});

async function until(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

test('a smart shutdown completes with every kind of connection open, and they all heal after the restart', async () => {
  const url = server.url;
  const config = testConfig({ DATABASE_URL: url });
  const client = new Client({ connection });
  const pool = createPool(url, 4);
  const prisma = createPrisma(url, 2);
  cleanups.push(
    () => pool.end(),
    () => prisma.$disconnect(),
  );
  const watch = databaseWatch(url);
  cleanups.push(watch.start(200));
  const hub = new LiveHub(url, pool);
  const unreachable = new LiveListener(url, pool);
  cleanups.push(
    () => hub.close(),
    () => unreachable.close(),
  );
  const got: LiveEvent[] = [];
  await hub.subscribe({ channels: new Set(['memory:heal/']), deliver: (e) => got.push(e) });
  await unreachable.start();
  // Idle connections in both pools, and one a writer opened before the shutdown.
  await Promise.all([pool.query('SELECT pg_sleep(0.05)'), pool.query('SELECT 1'), prisma.$queryRaw`SELECT 1`]);
  const writer = new pg.Client({ connectionString: url });
  writer.on('error', () => undefined);
  await writer.connect();
  await publish(pool, 'memory:heal/', 'memory.set', { n: 1 });
  await until('event 1', () => got.length === 1);

  const t0 = Date.now();
  process.kill(server.pid, 'SIGTERM');
  await until('the watch to see the shutdown', () => watch.state === 'shutting-down');
  const during = await readiness(config, pool, client);
  expect(during.checks.postgres).toMatchObject({
    ok: false,
    detail: expect.stringMatching(/^postgres is shutting down/),
  });
  expect(during.checks.migrations.detail).not.toMatch(/pending/);
  // Written after the hub let go of its LISTEN connection: only in live_event.
  await publish(writer, 'memory:heal/', 'memory.set', { n: 2 });
  await writer.end();

  expect(await within(server.exited, 15_000, 'the shutdown')).toBe(0);
  const shutdownMs = Date.now() - t0;
  const down = await readiness(config, pool, client);
  expect(down.checks.postgres).toMatchObject({ ok: false, detail: expect.stringMatching(/^postgres unreachable/) });
  expect(down.checks.migrations.detail).toMatch(/^not checked: postgres unreachable/);

  server = await startEmbeddedPostgres(root, options);
  await until('the watch to see it back', () => watch.state === 'up');
  const healedMs = Date.now() - t0;
  await until('event 2 (caught up)', () => got.length === 2);
  await publish(pool, 'memory:heal/', 'memory.set', { n: 3 });
  await until('event 3', () => got.length === 3);
  expect(got.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
  expect(await prisma.$queryRaw`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  const after = await readiness(config, pool, client);
  expect(after.checks.postgres.ok).toBe(true);
  expect(after.checks.migrations).toMatchObject({ ok: true, detail: 'all applied' });
  console.log(`smart shutdown completed in ${shutdownMs} ms; healthy again ${healedMs} ms after SIGTERM`);
});

test('an event committed after a higher id went out and the LISTEN connection was lost is caught up, and nothing twice', async () => {
  // The hub's LISTEN connection carries a name of its own, so the test can end just that one.
  const hubUrl = new URL(server.url);
  hubUrl.searchParams.set('application_name', 'db-heal-late-hub');
  const pool = createPool(server.url, 4);
  const hub = new LiveHub(hubUrl.toString(), pool);
  const held = new pg.Client({ connectionString: server.url });
  // From another database: a database's own sessions cannot close it to new connections.
  const adminUrl = new URL(server.url);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  cleanups.push(
    () => hub.close(),
    () => pool.end(),
    () => held.end(),
    () => admin.end(),
  );
  await Promise.all([held.connect(), admin.connect()]);
  const channel = 'workflow:late-commit';
  const n = (e: LiveEvent) => (e.data as { n: string }).n;
  // Committed before anyone subscribed: a catch-up does not bring it, however recent.
  await publish(pool, channel, 'step', { n: 'before' });
  const got: LiveEvent[] = [];
  await hub.subscribe({ channels: new Set([channel]), deliver: (e) => got.push(e) });

  // A transaction takes an id and stays open while a later id commits and goes out.
  await held.query('BEGIN');
  const late = await publish(held, channel, 'step', { n: 'late' });
  const next = await publish(pool, channel, 'step', { n: 'next' });
  expect(BigInt(late.id)).toBeLessThan(BigInt(next.id));
  await until('the later id', () => got.length === 1);
  expect(got.map(n)).toEqual(['next']);

  // The LISTEN connection is lost, and cannot come back (no new connections to the database) until
  // the held transaction has committed: its event is only in live_event, below the hub's mark.
  const db = pg.escapeIdentifier((await held.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db);
  await admin.query(`ALTER DATABASE ${db} ALLOW_CONNECTIONS false`);
  try {
    const ended = await admin.query(
      `SELECT pg_terminate_backend(pid, 10000) AS ended FROM pg_stat_activity WHERE application_name = 'db-heal-late-hub'`,
    );
    expect(ended.rows).toEqual([{ ended: true }]);
    await held.query('COMMIT');
  } finally {
    await admin.query(`ALTER DATABASE ${db} ALLOW_CONNECTIONS true`);
  }
  await until('the late event (caught up)', () => got.length >= 2);
  const after = await publish(pool, channel, 'step', { n: 'after' });
  await until('the event after', () => got.some((e) => e.id === after.id));
  expect(got.map(n)).toEqual(['next', 'late', 'after']);
  expect(got.map((e) => e.id)).toEqual([next.id, late.id, after.id]);
});

test('a backlog is in id order across a change in digit count (9, 10, 11 — not 10, 11, 9)', async () => {
  const pool = createPool(server.url, 1);
  cleanups.push(() => pool.end());
  const hub = new LiveHub(server.url, pool);
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push((await publish(pool, 'workflow:order', 'step', { i })).id);
  const first = (BigInt(ids[0]) - 1n).toString();
  expect((await hub.backlog(['workflow:order'], first)).map((e) => e.id)).toEqual(ids);
  expect((await hub.backlog(['workflow:order'], first, 3)).map((e) => e.id)).toEqual(ids.slice(0, 3));
});

test('a connection a request holds, ended by the server between its queries, neither crashes the process nor reads as a 500', async () => {
  const pool = createPool(server.url, 2);
  cleanups.push(() => pool.end());
  const held = await pool.connect();
  const pid = (await held.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  // What a fast shutdown does to every backend: the held connection ends while it runs no query.
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  await admin.end();
  const fault = await held.query('SELECT 1').then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(fault).toBeInstanceOf(Error);
  expect(unavailableProblem(fault)).toMatchObject({ status: 503 });
  held.release(true);
  expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
});
