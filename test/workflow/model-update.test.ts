// modelUpdate's approval deadline under the time-skipping server, with the real activities on a real
// database and the real SDKs against the provider fakes: nobody decides within a day, so the
// default outcome applies (reject by default; approve when asked), decided by "deadline".
import fs from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, Worker } from '@temporalio/worker';
import type pg from 'pg';
import { createActivities } from '../../activities';
import { createPool, createPrisma, type PrismaClient } from '../../lib/db';
import { MemoryStore } from '../../lib/memory';
import { modelUpdate } from '../../workflows';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { type FakeOpenAIServer, startFakeOpenAI } from '../fakes/openai';
import { freshDatabase, harness, quietTemporal, testConfig, testLogger, type TestDatabase } from '../helpers/stack';

jest.setTimeout(60_000);

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let pool: pg.Pool;
let prisma: PrismaClient;
let anthropic: FakeServer;
let openai: FakeOpenAIServer;

beforeAll(async () => {
  quietTemporal();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: harness().testServer } },
  });
  db = await freshDatabase();
  pool = createPool(db.url, 5);
  prisma = createPrisma(db.url, 2);
  anthropic = await startFakeAnthropic({ apiKey: 'k' });
  openai = await startFakeOpenAI({ apiKey: 'k' });
  anthropic.respond = () => ({ reply: 'Paris.', usage: { input: 10, output: 2 } });
  openai.respond = () => ({ reply: 'Lyon.', usage: { input: 10, output: 2 } });
});
afterAll(async () => {
  await anthropic?.close();
  await openai?.close();
  await prisma?.$disconnect();
  await pool?.end();
  await db?.drop();
  await env?.teardown();
  await Runtime.instance().shutdown();
});

test('without a decision the default outcome applies at the deadline', async () => {
  const config = testConfig({
    DATABASE_URL: db.url,
    ANTHROPIC_API_KEY: 'k',
    ANTHROPIC_BASE_URL: anthropic.url,
    ANTHROPIC_MODEL: 'claude-haiku-4-5',
    OPENAI_API_KEY: 'k',
    OPENAI_BASE_URL: openai.url,
    CLAUDE_FLOW_AI_ROUTES: JSON.stringify({ chat: ['openai:gpt-4o-mini'] }),
  });
  const memory = new MemoryStore(pool, config.memory);
  const taskQueue = 'model-update-ts';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { code: fs.readFileSync(harness().bundlePath, 'utf8') },
    activities: createActivities({ config, prisma, pool, logger: testLogger(config), memory, workerIdentity: 't' }),
  });
  const input = {
    task: 'chat' as const,
    candidate: 'anthropic:claude-haiku-4-5',
    cases: [{ id: 'capital', prompt: 'Capital of France?', expected: 'paris', scorer: 'contains' as const }],
  };
  const day = 24 * 3600 * 1000;
  await worker.runUntil(async () => {
    const t0 = await env.currentTimeMs();
    const rejected = await env.client.workflow.execute(modelUpdate, {
      taskQueue,
      workflowId: 'mu-deadline-reject',
      args: [{ ...input, approval: { timeoutMs: day } }],
    });
    expect(rejected).toMatchObject({ outcome: 'rejected', decision: { outcome: 'rejected', decidedBy: 'deadline' } });
    expect(rejected.change).toBeUndefined();
    expect((await env.currentTimeMs()) - t0).toBeGreaterThanOrEqual(day);

    const approved = await env.client.workflow.execute(modelUpdate, {
      taskQueue,
      workflowId: 'mu-deadline-approve',
      args: [{ ...input, approval: { timeoutMs: day, defaultOutcome: 'approve' } }],
    });
    expect(approved).toMatchObject({
      outcome: 'approved',
      decision: { decidedBy: 'deadline' },
      change: { route: ['anthropic:claude-haiku-4-5', 'openai:gpt-4o-mini'], settings: { key: 'ai.routes.chat' } },
    });
  });
  const entry = await memory.get('decisions/routing/', 'chat');
  expect(entry).toMatchObject({ version: 2, provenance: { workflowId: 'mu-deadline-approve' } });
});
