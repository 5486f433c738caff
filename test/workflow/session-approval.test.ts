// The session workflow's approval deadline under the time-skipping test server: the real workflow
// bundle with the real activities on a fresh database. An approval with a "2 hours" deadline and
// default outcome approve stays pending before the deadline and is approved by the deadline when
// it passes — two hours of workflow time in well under a minute of wall time — and the decision is
// auto-saved to decisions/.
import fs from 'node:fs';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, Worker } from '@temporalio/worker';
import type pg from 'pg';
import { createActivities } from '../../activities';
import { createPool, createPrisma, type PrismaClient } from '../../lib/db';
import { MemoryStore } from '../../lib/memory';
import { SEARCH_ATTRIBUTES } from '../../lib/temporal';
import { session } from '../../workflows';
import { decideUpdate, endSignal, requestApprovalUpdate, stateQuery } from '../../workflows/contract/session-messages';
import { freshDatabase, harness, quietTemporal, testConfig, testLogger, type TestDatabase } from '../helpers/stack';

jest.setTimeout(60_000);

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let pool: pg.Pool;
let prisma: PrismaClient;
let memory: MemoryStore;
let worker: Worker;
let running: Promise<void>;
const taskQueue = 'session-approval-ts';

beforeAll(async () => {
  quietTemporal();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: harness().testServer } },
  });
  // The search attributes the session keeps current (the test server has no list call, so add them).
  const { IndexedValueType } = temporal.api.enums.v1;
  await env.client.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(
      Object.keys(SEARCH_ATTRIBUTES).map((name) => [name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  db = await freshDatabase();
  pool = createPool(db.url, 5);
  prisma = createPrisma(db.url, 2);
  const config = testConfig({ DATABASE_URL: db.url });
  memory = new MemoryStore(pool, config.memory);
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { code: fs.readFileSync(harness().bundlePath, 'utf8') },
    activities: createActivities({ config, prisma, pool, logger: testLogger(config), memory, workerIdentity: 't' }),
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await prisma?.$disconnect();
  await pool?.end();
  await db?.drop();
  await env?.teardown();
  await Runtime.instance().shutdown();
});

async function startSession(id: string) {
  return env.client.workflow.start(session, {
    taskQueue,
    workflowId: `session-${id}`,
    args: [{ sessionId: id, title: 'Release', owner: 'alice' }],
  });
}

test('an approval with a 2 hour deadline is approved by the deadline when time passes', async () => {
  const h = await startSession('deadline');
  const wallStart = Date.now();
  const req = await h.executeUpdate(requestApprovalUpdate, {
    args: [{ title: 'Deploy to production', timeout: '2 hours', defaultOutcome: 'approve' }],
  });
  expect(Date.parse(req.deadline ?? '') - Date.parse(req.requestedAt)).toBe(2 * 3600_000);
  expect(await h.query(stateQuery)).toMatchObject({
    status: 'waiting_approval',
    pending: [{ requestId: req.requestId }],
  });

  // Before the deadline nothing is decided.
  await env.sleep('1 hour');
  expect(await h.query(stateQuery)).toMatchObject({
    status: 'waiting_approval',
    pending: [{ requestId: req.requestId }],
  });

  // Past it, the default outcome applies, decided by "deadline".
  await env.sleep('61 minutes');
  const state = await h.query(stateQuery);
  expect(state.status).toBe('active');
  expect(state.pending).toEqual([]);
  // Deciding now is refused: it was decided already.
  const refused = await h
    .executeUpdate(decideUpdate, { args: [{ requestId: req.requestId, decision: 'reject' }] })
    .then(
      () => undefined,
      (err: { cause?: Error }) => err.cause,
    );
  expect(refused?.message).toMatch(/already approved by deadline/);
  expect(Date.now() - wallStart).toBeLessThan(30_000);

  // The decision was auto-saved (CLAUDE_FLOW_MEMORY_AUTOSAVE defaults to all).
  const saved = await eventually(() => memory.get('decisions/sessions/deadline/', req.requestId));
  expect(saved?.value).toMatchObject({
    requestId: req.requestId,
    outcome: 'approved',
    decidedBy: 'deadline',
    title: 'Deploy to production',
  });
  await h.signal(endSignal, { reason: 'done' });
  expect(await h.result()).toMatchObject({ status: 'ended' });
});

test('a decision before the deadline wins; the deadline then changes nothing', async () => {
  const h = await startSession('decided');
  const req = await h.executeUpdate(requestApprovalUpdate, {
    args: [{ title: 'Rotate keys', timeout: '2 hours', defaultOutcome: 'approve' }],
  });
  await env.sleep('30 minutes');
  const outcome = await h.executeUpdate(decideUpdate, {
    args: [{ requestId: req.requestId, decision: 'reject', by: 'bob', comment: 'not today' }],
  });
  expect(outcome).toMatchObject({ outcome: 'rejected', decidedBy: 'bob' });
  await env.sleep('3 hours');
  expect(await h.query(stateQuery)).toMatchObject({ status: 'active', pending: [] });
  const saved = await eventually(() => memory.get('decisions/sessions/decided/', req.requestId));
  expect(saved?.value).toMatchObject({ outcome: 'rejected', decidedBy: 'bob', comment: 'not today' });
  await h.signal(endSignal, {});
  await h.result();
});

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
