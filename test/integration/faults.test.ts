// Faults on purpose, with real processes: a worker killed (SIGKILL) in the middle of a turn, and the
// Temporal server restarted mid-session. Nothing may be lost or counted twice.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { findProjectRoot } from '../../lib/config';
import { startTemporalServer, freePort, type TemporalServer } from '../../stack/temporal-server';
import { session } from '../../workflows';
import { sendMessageUpdate, stateQuery } from '../../workflows/contract/session-messages';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { freshDatabase, harness, uniqueTaskQueue, type TestDatabase } from '../helpers/stack';
import { createPrisma, type PrismaClient } from '../../lib/db';

jest.setTimeout(180_000);

const root = findProjectRoot();
let anthropic: FakeServer;
let db: TestDatabase;
let prisma: PrismaClient;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Survived.' });
  db = await freshDatabase();
  prisma = createPrisma(db.url, 2);
});
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await prisma?.$disconnect();
  await db?.drop();
  await anthropic?.close();
});

/**
 * `npm run worker` as its own process, as in production. Node itself runs the worker (tsx loaded
 * as a hook), so SIGKILL reaches the worker, not a launcher that would leave it running.
 */
function startWorkerProcess(address: string, taskQueue: string): ChildProcess {
  const dataDir = fs.mkdtempSync(path.join(harness().tmpDir, 'worker-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: db.url,
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
      CLAUDE_FLOW_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  return child;
}

async function waitForPoller(client: Client, taskQueue: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    if ((res.pollers ?? []).some((p) => Date.now() - Number(p.lastAccessTime?.seconds ?? 0) * 1000 < 5_000)) return;
    if (Date.now() > deadline) throw new Error(`no worker polled ${taskQueue}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function until(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('worker killed during sendMessage: a new worker finishes the turn; one reply, usage counted once', async () => {
  const taskQueue = uniqueTaskQueue('kill');
  const connection = await Connection.connect({ address: harness().temporalAddress });
  const client = new Client({ connection });
  const first = startWorkerProcess(harness().temporalAddress, taskQueue);
  await waitForPoller(client, taskQueue);

  const sessionId = `kill-${Date.now()}`;
  const h = await client.workflow.start(session, {
    taskQueue,
    workflowId: `session-${sessionId}`,
    args: [{ sessionId, title: 'fault', owner: 'ci' }],
  });
  anthropic.reset();
  // The first attempt's provider call is slow; the worker dies while it waits.
  anthropic.script({ reply: 'Survived.', delayMs: 15_000 });
  const reply = h.executeUpdate(sendMessageUpdate, { args: [{ text: 'are you there?' }] });
  await until(() => anthropic.requests.length === 1);
  first.kill('SIGKILL');

  startWorkerProcess(harness().temporalAddress, taskQueue);
  const r = await reply;
  expect(r).toMatchObject({ reply: 'Survived.', userMessageNo: 1, replyMessageNo: 2 });
  expect((await h.query(stateQuery)).messageCount).toBe(2);
  const messages = await prisma.sessionMessage.findMany({ where: { sessionId } });
  expect(messages.map((m) => m.role).sort()).toEqual(['assistant', 'user']);
  const calls = await prisma.aiCall.findMany({ where: { sessionId } });
  expect(calls.filter((c) => c.outcome === 'success')).toHaveLength(1);
  await connection.close();
});

test('Temporal restarted mid-session (same database file): the session carries on', async () => {
  const dir = fs.mkdtempSync(path.join(harness().tmpDir, 'restart-'));
  const port = await freePort();
  const options = {
    executable: harness().temporalCli,
    port,
    namespace: 'default',
    dbFilename: path.join(dir, 'temporal.db'),
    logFile: path.join(dir, 'temporal.log'),
  };
  let server: TemporalServer = await startTemporalServer(options);
  const taskQueue = uniqueTaskQueue('restart');
  try {
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    startWorkerProcess(server.address, taskQueue);
    await waitForPoller(client, taskQueue);
    const sessionId = `restart-${Date.now()}`;
    const h = await client.workflow.start(session, {
      taskQueue,
      workflowId: `session-${sessionId}`,
      args: [{ sessionId, title: 'restart', owner: 'ci' }],
    });
    await h.executeUpdate(sendMessageUpdate, { args: [{ text: 'before the restart' }] });

    await server.stop();
    server = await startTemporalServer(options);
    await waitForPoller(client, taskQueue, 90_000);

    const after = await h.executeUpdate(sendMessageUpdate, { args: [{ text: 'after the restart' }] });
    expect(after).toMatchObject({ reply: 'Survived.', userMessageNo: 3 });
    expect((await h.query(stateQuery)).messageCount).toBe(4);
    await connection.close();
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await server.stop();
  }
});
