// memoryMaintenance under the time-skipping server with the real activities on a real database:
// TTL expiry follows workflow time (nothing expires until time has passed), versions are pruned,
// summaries are skipped with the reason when no provider is configured (and replace their sources
// when one is), and backups are written and rotated.
import fs from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, Worker } from '@temporalio/worker';
import type pg from 'pg';
import { createActivities } from '../../activities';
import { createPool, createPrisma, type PrismaClient } from '../../lib/db';
import { MemoryStore } from '../../lib/memory';
import { memoryMaintenance } from '../../workflows';
import type { MaintenanceReport } from '../../workflows/memory-maintenance';
import { startFakeAnthropic } from '../fakes/anthropic';
import { startFakeOpenAI } from '../fakes/openai';
import { freshDatabase, harness, quietTemporal, testConfig, testLogger, type TestDatabase } from '../helpers/stack';

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let pool: pg.Pool;
let prisma: PrismaClient;
let backupDir: string;

beforeAll(async () => {
  quietTemporal();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: harness().testServer } },
  });
  db = await freshDatabase();
  pool = createPool(db.url, 5);
  prisma = createPrisma(db.url, 2);
  backupDir = fs.mkdtempSync(path.join(harness().tmpDir, 'backups-'));
});
afterAll(async () => {
  await prisma?.$disconnect();
  await pool?.end();
  await db?.drop();
  await env?.teardown();
  await Runtime.instance().shutdown();
});

let runs = 0;
/** Runs `fn` with a worker (real activities, `settings` added to the config) polling throughout. */
async function withWorker<T>(
  settings: Record<string, string>,
  fn: (run: () => Promise<MaintenanceReport>) => Promise<T>,
): Promise<T> {
  const config = testConfig({ DATABASE_URL: db.url, ...settings });
  const memory = new MemoryStore(pool, config.memory);
  const taskQueue = `maintenance-${++runs}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { code: fs.readFileSync(harness().bundlePath, 'utf8') },
    activities: createActivities({ config, prisma, pool, logger: testLogger(config), memory, workerIdentity: 't' }),
  });
  let n = 0;
  // A short execution timeout: once a run completes, the test server skips ahead to that timer
  // (the default is ten years), which would otherwise expire everything by the next run.
  const run = () =>
    env.client.workflow.execute(memoryMaintenance, {
      taskQueue,
      workflowId: `mm-${runs}-${++n}`,
      workflowExecutionTimeout: '1 minute',
    });
  return worker.runUntil(fn(run));
}

const count = async (sql: string) => Number((await pool.query(sql)).rows[0].n);

test('expiry waits for time to pass; versions are pruned; summaries skip without a provider; backups rotate', async () => {
  const seed = new MemoryStore(pool, testConfig({ DATABASE_URL: db.url, CLAUDE_FLOW_MEMORY_VERSIONS: '10' }).memory);
  await seed.set({ namespace: 'ttl/', key: 'soon', value: 'gone in an hour', ttlSeconds: 3600 });
  await seed.set({ namespace: 'ttl/', key: 'later', value: 'gone in a day', ttlSeconds: 86_400 });
  for (let i = 0; i < 5; i++) await seed.set({ namespace: 'notes/', key: 'busy', value: `v${i}` });
  const settings = {
    CLAUDE_FLOW_MEMORY_VERSIONS: '2',
    CLAUDE_FLOW_MEMORY_SUMMARIZE_OVER: '1',
    CLAUDE_FLOW_MEMORY_BACKUP_DIR: backupDir,
    CLAUDE_FLOW_MEMORY_BACKUP_KEEP: '2',
  };

  await withWorker(settings, async (runMaintenance) => {
    const first = await runMaintenance();
    expect(first.expired).toBe(0);
    expect(first.versionsPruned).toBe(3);
    expect(first.summaries).toEqual({ skipped: expect.stringContaining('summarize') });
    expect(first.embeddings).toEqual({ skipped: expect.stringContaining('no embedding provider') });
    expect(first.backup).toMatchObject({ entries: 3, removed: [] });
    expect(await count(`SELECT count(*) AS n FROM memory_entry WHERE key = 'soon'`)).toBe(1);

    await env.sleep('2 hours');
    const second = await runMaintenance();
    expect(second.expired).toBe(1);
    expect(Date.parse(second.at) - Date.parse(first.at)).toBeGreaterThanOrEqual(2 * 3600_000);
    expect(await count(`SELECT count(*) AS n FROM memory_entry WHERE key = 'soon'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM memory_entry WHERE key = 'later'`)).toBe(1);
    expect(second.backup).toMatchObject({ entries: 2 });

    await env.sleep('1 hour');
    const third = await runMaintenance();
    expect(third.expired).toBe(0);
    const files = fs.readdirSync(backupDir).sort();
    expect(files).toHaveLength(2);
    expect(third.backup).toMatchObject({ removed: [path.basename((first.backup as { file: string }).file)] });
    // A backup is an export document the import accepts.
    const doc = fs.readFileSync(path.join(backupDir, files[1]), 'utf8');
    expect(JSON.parse(doc.split('\n')[0])).toMatchObject({ format: 'claude-flow-memory', entries: 2 });
  });
});

test('with a provider, the oldest entries of an oversized namespace are replaced by one summary', async () => {
  const fake = await startFakeAnthropic({
    apiKey: 'k',
    defaultReply: 'Summary: the team chose Postgres and Temporal.',
  });
  try {
    const seed = new MemoryStore(pool, testConfig({ DATABASE_URL: db.url }).memory);
    for (let i = 0; i < 6; i++) await seed.set({ namespace: 'log/', key: `day-${i}`, value: `entry ${i}` });
    const report = await withWorker(
      { CLAUDE_FLOW_MEMORY_SUMMARIZE_OVER: '4', ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
      (run) => run(),
    );
    // 6 entries over a threshold of 4: all but the newest 2 are summarised.
    expect(report.summaries).toEqual([{ namespace: 'log/', removed: 4 }]);
    const left = (await seed.list({ namespace: 'log/' })).entries;
    expect(left.map((e) => e.key).sort()).toEqual(['day-4', 'day-5', expect.stringMatching(/^summary-/)]);
    const summary = left.find((e) => e.key.startsWith('summary-'));
    expect(summary).toMatchObject({ value: 'Summary: the team chose Postgres and Temporal.', tags: ['summary'] });
    expect((summary?.metadata as { summarizes: unknown[] }).summarizes).toHaveLength(4);
  } finally {
    await fake.close();
  }
});

test('with an embedding provider, entries written without one are embedded by maintenance', async () => {
  const fake = await startFakeOpenAI({ apiKey: 'sk-embed', embeddingDims: 64 });
  try {
    // Written while no provider was configured: no embedding, nothing pending.
    const plain = new MemoryStore(pool, testConfig({ DATABASE_URL: db.url }).memory);
    for (let i = 0; i < 3; i++)
      await plain.set({ namespace: 'embed-me/', key: `note-${i}`, value: `note number ${i}` });
    const missing = `SELECT count(*) AS n FROM memory_entry WHERE namespace = 'embed-me/' AND embedding IS NULL`;
    expect(await count(missing)).toBe(3);
    const report = await withWorker({ OPENAI_API_KEY: 'sk-embed', OPENAI_BASE_URL: fake.url }, (run) => run());
    expect(report.embeddings).toEqual({ embedded: expect.any(Number) });
    expect((report.embeddings as { embedded: number }).embedded).toBeGreaterThanOrEqual(3);
    expect(await count(missing)).toBe(0);
    // Nothing is owed any more: a second pass embeds nothing.
    const again = await withWorker({ OPENAI_API_KEY: 'sk-embed', OPENAI_BASE_URL: fake.url }, (run) => run());
    expect(again.embeddings).toEqual({ embedded: 0 });
  } finally {
    await fake.close();
  }
});
