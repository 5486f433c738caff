// The session workflow on the real dev server with the real worker: messages through the AI router
// (real Anthropic SDK against its wire fake), checkpoints, rollback of conversation + memory + git,
// fork, approvals, children, continue-as-new.
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { LiveListener, type LiveEvent } from '../../lib/live';
import { MemoryStore } from '../../lib/memory';
import { session } from '../../workflows';
import {
  checkpointUpdate,
  decideUpdate,
  endSignal,
  forkUpdate,
  messagesQuery,
  pauseSignal,
  requestApprovalUpdate,
  resumeSignal,
  rollbackUpdate,
  runWorkflowUpdate,
  sendMessageUpdate,
  stateQuery,
} from '../../workflows/contract/session-messages';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { eventually, gitIn, gitRepo, send, sessionStarter } from '../helpers/sessions';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(120_000);

let anthropic: FakeServer;
let app: TestApp;
let memory: MemoryStore;

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Noted.' });
  app = await startTestApp({
    env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_MODEL: 'claude-haiku-4-5' },
  });
  memory = new MemoryStore(app.pool, app.config.memory);
});
afterAll(async () => {
  await app?.close();
  await anthropic?.close();
});

const start = sessionStarter(() => app, 's');

test('sendMessage returns the reply; bodies are stored, the workflow keeps references; usage is counted', async () => {
  const { id, h } = await start();
  anthropic.script({ reply: 'Hello Alice.', usage: { input: 12, output: 3 } });
  const r = await send(h, 'Hi, I am Alice.');
  expect(r).toMatchObject({
    reply: 'Hello Alice.',
    userMessageNo: 1,
    replyMessageNo: 2,
    provider: 'anthropic',
    inputTokens: 12,
  });

  const state = await h.query(stateQuery);
  expect(state).toMatchObject({
    status: 'active',
    messageCount: 2,
    owner: 'alice',
    totals: { inputTokens: 12, outputTokens: 3 },
  });
  const refs = await h.query(messagesQuery, {});
  expect(refs.map((m) => [m.position, m.role, m.preview])).toEqual([
    [1, 'user', 'Hi, I am Alice.'],
    [2, 'assistant', 'Hello Alice.'],
  ]);
  const rows = await app.prisma.sessionMessage.findMany({ where: { sessionId: id }, orderBy: { position: 'asc' } });
  expect(rows.map((m) => m.content)).toEqual(['Hi, I am Alice.', 'Hello Alice.']);
  const usage = await app.prisma.aiCall.findMany({ where: { sessionId: id } });
  expect(usage).toHaveLength(1);
  // The projection follows.
  const row = await eventually(
    () => app.prisma.session.findUnique({ where: { id } }),
    (s) => s?.messageCount === 2,
  );
  expect(row).toMatchObject({ status: 'active', owner: 'alice', messageCount: 2, inputTokens: 12 });
  // The exchange was saved to the session's memory.
  const saved = await memory.get(`sessions/${id}/`, 'exchange-000001');
  expect(saved?.value).toEqual({ user: 'Hi, I am Alice.', assistant: 'Hello Alice.' });
});

test('every change of a session is announced on session:<id> and sessions, heard once what it says is stored', async () => {
  const listener = new LiveListener(app.config.database.url as string, app.pool);
  const heard: LiveEvent[] = [];
  // What a dashboard would read when it hears the event: the stored reply must already be there.
  const replyStored: boolean[] = [];
  listener.on('event', (e: LiveEvent) => {
    heard.push(e);
    if (e.type === 'session.updated' && e.channel === 'sessions')
      void app.pool
        .query('SELECT count(*)::int AS n FROM session_message WHERE session_id = $1', [
          (e.data as { sessionId: string }).sessionId,
        ])
        .then((r) => replyStored.push(r.rows[0].n === (e.data as { messageCount: number }).messageCount));
  });
  await listener.start();
  try {
    const { id, h } = await start();
    anthropic.script({ reply: 'Priced.', usage: { input: 1000, output: 500 } });
    await send(h, 'What does this cost?');
    await h.signal(pauseSignal, { reason: 'lunch' });
    const mine = (channel: string) =>
      heard.filter((e) => e.channel === channel && (e.data as { sessionId: string }).sessionId === id);
    await eventually(
      async () => mine(`session:${id}`).map((e) => e.data as { status: string; messageCount: number }),
      (d) => d.some((x) => x.status === 'paused'),
    );
    const updates = mine(`session:${id}`).map((e) => e.data as Record<string, unknown>);
    expect(updates.every((u) => u.title && u.owner === 'alice')).toBe(true);
    expect(updates.find((u) => u.messageCount === 2)).toMatchObject({ status: 'active', inputTokens: 1000 });
    expect(updates.at(-1)).toMatchObject({ status: 'paused', statusReason: 'lunch', messageCount: 2 });
    // The lists' channel hears the same updates, one for one.
    expect(mine('sessions').map((e) => e.data)).toEqual(updates);
    expect(replyStored.length).toBeGreaterThan(0);
    expect(replyStored.every(Boolean)).toBe(true);
    // The reply keeps its own usage and cost (claude-haiku-4-5 is priced).
    const reply = await app.prisma.sessionMessage.findFirst({ where: { sessionId: id, role: 'assistant' } });
    expect(reply).toMatchObject({ inputTokens: 1000, outputTokens: 500 });
    expect(Number(reply?.costUsd)).toBeGreaterThan(0);
  } finally {
    await listener.close();
  }
});

test('concurrent messages are handled one at a time, in arrival order, each seeing the ones before', async () => {
  const { h } = await start();
  anthropic.reset();
  const texts = ['one', 'two', 'three'];
  const replies = await Promise.all(texts.map((t) => send(h, t)));
  expect(replies.map((r) => r.userMessageNo).sort()).toEqual([1, 3, 5]);
  // Whatever order they arrived in, each turn's prompt is the previous turn's prompt plus its reply
  // plus the new message: no turn ran beside another.
  const prompts = anthropic.requests.map((r) => (r.body.messages as { content: string }[]).map((m) => m.content));
  expect(prompts.map((p) => p.length)).toEqual([1, 3, 5]);
  expect(prompts[1].slice(0, 2)).toEqual([...prompts[0], 'Noted.']);
  expect(prompts[2].slice(0, 4)).toEqual([...prompts[1], 'Noted.']);
  expect(prompts[2].filter((_, i) => i % 2 === 0).sort()).toEqual([...texts].sort());
  // Message numbers follow the order the turns ran in.
  const byNo = [...replies].sort((a, b) => a.userMessageNo - b.userMessageNo);
  expect(byNo.map((r) => texts[replies.indexOf(r)])).toEqual(prompts[2].filter((_, i) => i % 2 === 0));
});

test('bad updates are rejected with the reason; a paused session refuses messages until resumed', async () => {
  const { h } = await start();
  await expect(h.executeUpdate(sendMessageUpdate, { args: [{ text: '  ' }] })).rejects.toThrow(
    WorkflowUpdateFailedError,
  );
  await h.signal(pauseSignal, { reason: 'lunch' });
  expect(
    await eventually(
      () => h.query(stateQuery),
      (s) => s.status === 'paused',
    ),
  ).toMatchObject({ statusReason: 'lunch' });
  const err = await send(h, 'hello?').catch((e: unknown) => e);
  expect((err as WorkflowUpdateFailedError).cause?.message).toBe(
    'the session is paused: resume it before sending messages',
  );
  await h.signal(resumeSignal);
  await expect(send(h, 'back')).resolves.toMatchObject({ reply: 'Noted.' });
  await h.signal(endSignal, { reason: 'done' });
  expect(await h.result()).toEqual({ status: 'ended', reason: 'done', messageCount: 2 });
});

test('rollback restores the conversation, the memory namespaces and the git ref (on a new branch)', async () => {
  const repo = gitRepo();
  const first = gitIn(repo, 'rev-parse', 'HEAD');
  const { id, h } = await start({ project: { path: repo } });
  const ns = `sessions/${id}/`;
  await send(h, 'first question');
  await memory.set({ namespace: ns, key: 'decision', value: 'use postgres' });
  const cp = await h.executeUpdate(checkpointUpdate, { args: [{ label: 'before refactor' }] });
  expect(cp).toMatchObject({ label: 'before refactor', messageCount: 2, gitRef: first });
  expect(cp.memoryEntries).toBeGreaterThanOrEqual(2); // the saved exchange and the decision

  // Life goes on: more messages, memory changes, a new commit.
  await send(h, 'second question');
  await memory.set({ namespace: ns, key: 'decision', value: 'use sqlite' });
  await memory.set({ namespace: ns, key: 'later', value: 'written after the checkpoint' });
  fs.writeFileSync(path.join(repo, 'app.ts'), 'export const version = 2;\n');
  gitIn(repo, 'commit', '-q', '-am', 'feat: version 2');

  const view = await h.executeUpdate(rollbackUpdate, { args: [{ checkpointId: cp.checkpointId }] });
  expect(view.messageCount).toBe(2);
  expect((await memory.get(ns, 'decision'))?.value).toBe('use postgres');
  expect(await memory.get(ns, 'later')).toBeUndefined();
  expect(gitIn(repo, 'rev-parse', 'HEAD')).toBe(first);
  const branch = gitIn(repo, 'rev-parse', '--abbrev-ref', 'HEAD');
  expect(branch).toMatch(new RegExp(`^claude-flow/rollback-${cp.checkpointId.slice(0, 8)}-`));
  expect(view.rollback).toEqual({
    checkpointId: cp.checkpointId,
    branch,
    gitRef: first,
    memory: { restored: cp.memoryEntries, deleted: 2, expired: 0 },
  });
  const active = await app.prisma.sessionMessage.findMany({
    where: { sessionId: id, active: true },
    orderBy: { position: 'asc' },
  });
  expect(active.map((m) => m.content)).toEqual(['first question', 'Noted.']);

  // This history (messages, checkpoint, rollback) feeds the replay test: CF_RECORD_HISTORIES=1 to refresh.
  if (process.env.CF_RECORD_HISTORIES === '1') {
    fs.writeFileSync(
      path.join(__dirname, '..', 'histories', 'session.json'),
      JSON.stringify({ workflowId: h.workflowId, history: await h.fetchHistory() }, null, 2),
    );
  }

  // The conversation continues from the checkpoint: the next prompt has no trace of the rolled-back turn.
  anthropic.reset();
  const next = await send(h, 'third question');
  expect(next.userMessageNo).toBe(5); // numbers are never reused
  expect((anthropic.requests[0].body.messages as { content: string }[]).map((m) => m.content)).toEqual([
    'first question',
    'Noted.',
    'third question',
  ]);
});

test('rollback refuses, changing nothing, when the repository has uncommitted changes', async () => {
  const repo = gitRepo();
  const { id, h } = await start({ project: { path: repo } });
  await send(h, 'hello');
  const cp = await h.executeUpdate(checkpointUpdate, { args: [{}] });
  await send(h, 'more');
  await memory.set({ namespace: `sessions/${id}/`, key: 'wip', value: 'keep me' });
  fs.writeFileSync(path.join(repo, 'app.ts'), 'export const version = 99; // not committed\n');

  const err = await h
    .executeUpdate(rollbackUpdate, { args: [{ checkpointId: cp.checkpointId }] })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(String((err as { cause?: { cause?: { message?: string } } }).cause?.cause?.message)).toContain(
    'has uncommitted changes (app.ts): commit or stash them, then roll back again',
  );
  expect((await h.query(stateQuery)).messageCount).toBe(4);
  expect((await memory.get(`sessions/${id}/`, 'wip'))?.value).toBe('keep me');
  expect(fs.readFileSync(path.join(repo, 'app.ts'), 'utf8')).toContain('version = 99');
});

test('fork starts a new session from a checkpoint, keeping the parent link', async () => {
  const { id, h } = await start();
  await send(h, 'shared history');
  const cp = await h.executeUpdate(checkpointUpdate, { args: [{ label: 'fork point' }] });
  await send(h, 'only in the parent');
  const fork = await h.executeUpdate(forkUpdate, { args: [{ checkpointId: cp.checkpointId, title: 'Alternative' }] });
  const child = app.client.workflow.getHandle(fork.workflowId);
  const state = await eventually(
    () => child.query(stateQuery),
    (s) => s.messageCount === 2,
  );
  expect(state).toMatchObject({
    title: 'Alternative',
    messageCount: 2,
    parent: { sessionId: id, checkpointId: cp.checkpointId },
  });
  anthropic.reset();
  await send(child, 'in the fork');
  expect((anthropic.requests[0].body.messages as { content: string }[]).map((m) => m.content)).toEqual([
    'shared history',
    'Noted.',
    'in the fork',
  ]);
  expect((await h.query(stateQuery)).messageCount).toBe(4);
});

test('approval: waiting_approval until decided; deciding twice is refused', async () => {
  const { h } = await start();
  const req = await h.executeUpdate(requestApprovalUpdate, { args: [{ title: 'Deploy to production?' }] });
  expect((await h.query(stateQuery)).status).toBe('waiting_approval');
  const outcome = await h.executeUpdate(decideUpdate, {
    args: [{ requestId: req.requestId, decision: 'approve', comment: 'ship it' }],
  });
  expect(outcome).toMatchObject({ outcome: 'approved', comment: 'ship it', decidedBy: 'user' });
  expect((await h.query(stateQuery)).status).toBe('active');
  const again = await h
    .executeUpdate(decideUpdate, { args: [{ requestId: req.requestId, decision: 'reject' }] })
    .catch((e: unknown) => e);
  expect((again as WorkflowUpdateFailedError).cause?.message).toMatch(/was already approved by user/);
});

test('approval deadline: the default outcome applies when nobody decides in time', async () => {
  const { h } = await start();
  await h.executeUpdate(requestApprovalUpdate, {
    args: [{ title: 'Auto?', timeout: '1 second', defaultOutcome: 'reject' }],
  });
  const state = await eventually(
    () => h.query(stateQuery),
    (s) => s.pending.length === 0,
    15_000,
  );
  expect(state.status).toBe('active');
});

test('runWorkflow starts a child workflow and tracks it', async () => {
  const { h } = await start();
  const { workflowId } = await h.executeUpdate(runWorkflowUpdate, { args: [{ type: 'systemCheck' }] });
  expect(workflowId).toMatch(/^session-.*-systemCheck-\d+$/);
  await app.client.workflow.getHandle(workflowId).result();
  const state = await eventually(
    () => h.query(stateQuery),
    (s) => s.children[0]?.status === 'completed',
  );
  expect(state.children).toEqual([expect.objectContaining({ workflowId, type: 'systemCheck', status: 'completed' })]);
  const bad = await h.executeUpdate(runWorkflowUpdate, { args: [{ type: 'rm -rf' }] }).catch((e: unknown) => e);
  expect((bad as WorkflowUpdateFailedError).cause?.message).toMatch(/^unknown workflow type "rm -rf"; one of: /);
});

test('a long session continues as new at the threshold and keeps everything', async () => {
  const { id, h } = await start({ settings: { continueAsNewAfter: 4 } });
  const firstRunId = (await h.describe()).runId;
  const revisions: { runs: number; revision: number | undefined }[] = [];
  for (let i = 1; i <= 5; i++) {
    await send(h, `message ${i}`);
    const { runs, revision } = await h.query(stateQuery);
    revisions.push({ runs, revision });
  }
  const state = await h.query(stateQuery);
  expect(state.runs).toBeGreaterThanOrEqual(2);
  expect(state.messageCount).toBe(10);
  // The first run closed as continued-as-new.
  const first = app.client.workflow.getHandle(h.workflowId, firstRunId);
  expect((await first.describe()).status.name).toBe('CONTINUED_AS_NEW');
  const rows = await app.prisma.sessionMessage.count({ where: { sessionId: id, active: true } });
  expect(rows).toBe(10);
  // The sessions row's revision grows with every snapshot, across the runs: the new run's writes
  // are never taken for older ones.
  expect(new Set(revisions.map((r) => r.runs)).size).toBeGreaterThanOrEqual(2);
  const numbers = revisions.map((r) => r.revision as number);
  expect(numbers.every((r, i) => Number.isSafeInteger(r) && (i === 0 || r > numbers[i - 1]))).toBe(true);
  const row = await eventually(
    () => app.prisma.session.findUnique({ where: { id } }),
    (r) => r?.messageCount === 10,
  );
  expect(row).toMatchObject({ messageCount: 10 });
  expect(Number(row?.revision)).toBeGreaterThanOrEqual(numbers[4]);
});

test('a row written while a turn runs (a newer snapshot without the turn) is written again after it', async () => {
  const { id, h } = await start();
  await eventually(
    () => app.prisma.session.findUnique({ where: { id } }),
    (r) => r !== null,
  );
  anthropic.respond = (body: unknown) => (JSON.stringify(body).includes('slow turn') ? { delayMs: 5000 } : undefined);
  try {
    const reply = send(h, 'slow turn');
    await eventually(
      async () => anthropic.requests.some((r) => JSON.stringify(r.body).includes('slow turn')),
      (asked) => asked,
    );
    // The main loop writes the paused session while the turn waits for its answer.
    await h.signal(pauseSignal, { reason: 'mid-turn' });
    await reply;
  } finally {
    anthropic.respond = undefined;
  }
  // It did: a paused row without the turn was announced, and the turn's own (older) row was refused.
  const announced = await app.pool.query<{ data: { status: string; messageCount: number } }>(
    `SELECT data FROM live_event WHERE channel = $1 AND type = 'session.updated' ORDER BY id`,
    [`session:${id}`],
  );
  expect(announced.rows.map((e) => e.data)).toContainEqual(
    expect.objectContaining({ status: 'paused', messageCount: 0 }),
  );
  const row = await eventually(
    () => app.prisma.session.findUnique({ where: { id } }),
    (r) => r?.messageCount === 2,
  );
  expect(row).toMatchObject({ status: 'paused', messageCount: 2 });
  expect(Number(row?.revision)).toBe((await h.query(stateQuery)).revision);
});

test('after an operator resets the workflow to an earlier point, its new writes still land', async () => {
  const { id, h } = await start();
  await send(h, 'before the reset point');
  await send(h, 'discarded by the reset');
  const written = await eventually(
    () => app.prisma.session.findUnique({ where: { id } }),
    (r) => r?.messageCount === 4,
  );
  // Back to the workflow task that completed the first message's update.
  const { runId } = await h.describe();
  const events = (await app.client.workflow.getHandle(h.workflowId, runId).fetchHistory()).events ?? [];
  const firstDone = events.findIndex((e) => e.workflowExecutionUpdateCompletedEventAttributes);
  const taskDone = events.slice(firstDone).find((e) => e.workflowTaskCompletedEventAttributes);
  await app.client.workflowService.resetWorkflowExecution({
    namespace: app.config.temporal.namespace,
    workflowExecution: { workflowId: h.workflowId, runId },
    workflowTaskFinishEventId: taskDone?.eventId,
    reason: 'test: reset to after the first message',
    requestId: `reset-${id}`,
    resetReapplyType: temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_NONE,
  });
  const after = app.client.workflow.getHandle(h.workflowId);
  await eventually(
    () => after.describe(),
    (d) => d.runId !== runId,
  );
  expect((await after.query(stateQuery)).messageCount).toBe(2);
  // The reset's state is older than the row, yet what the workflow writes from now on is newer.
  await after.signal(pauseSignal, { reason: 'after the reset' });
  const row = await eventually(
    () => app.prisma.session.findUnique({ where: { id } }),
    (r) => r?.status === 'paused',
  );
  expect(row).toMatchObject({ status: 'paused', statusReason: 'after the reset', messageCount: 2 });
  expect(Number(row?.revision)).toBeGreaterThan(Number(written?.revision));
});

test('a run still going when its session continues as new shows as finished once it ends', async () => {
  const { h } = await start({ settings: { continueAsNewAfter: 2 } });
  // The run's model call takes a few seconds; the session's own turns answer at once.
  anthropic.respond = (body: unknown) => (JSON.stringify(body).includes('slow run') ? { delayMs: 3000 } : undefined);
  try {
    const { workflowId } = await h.executeUpdate(runWorkflowUpdate, {
      args: [{ type: 'aiTask', input: { task: 'chat', messages: [{ role: 'user', content: 'slow run' }] } }],
    });
    const firstRunId = (await h.describe()).runId;
    await send(h, 'one');
    await send(h, 'two');
    await eventually(
      () => h.describe(),
      (d) => d.runId !== firstRunId,
    );
    expect((await h.query(stateQuery)).children).toEqual([expect.objectContaining({ workflowId, status: 'running' })]);
    await app.client.workflow.getHandle(workflowId).result();
    const state = await eventually(
      () => h.query(stateQuery),
      (s) => s.children[0]?.status !== 'running',
    );
    expect(state.runs).toBeGreaterThanOrEqual(2);
    expect(state.children).toEqual([expect.objectContaining({ workflowId, type: 'aiTask', status: 'completed' })]);
    expect(state.runningChildren).toBe(0);
  } finally {
    anthropic.respond = undefined;
  }
});

test('a session id that memory would refuse fails the workflow at once, typed', async () => {
  const h = await app.client.workflow.start(session, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `session-_x1-${Date.now()}`,
    args: [{ sessionId: '_x1', title: 't', owner: 'alice' }],
  });
  const err = (await h.result().catch((e: unknown) => e)) as { cause?: { type?: string; message?: string } };
  expect(err.cause).toEqual(
    expect.objectContaining({ type: 'InvalidRequest', message: expect.stringMatching(/^sessionId "_x1" is not/) }),
  );
});

test('a title with a NUL character fails the workflow at once, before any activity', async () => {
  const h = await app.client.workflow.start(session, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `session-nul-${Date.now()}`,
    args: [{ sessionId: `nul-${Date.now()}`, title: 'bad\u0000title', owner: 'alice' }],
  });
  const err = (await h.result().catch((e: unknown) => e)) as { cause?: { type?: string; message?: string } };
  expect(err.cause).toEqual(
    expect.objectContaining({ type: 'InvalidRequest', message: expect.stringContaining('NUL') }),
  );
});

test("a caller's mistake inside an activity fails at once instead of being retried", async () => {
  // Bypasses the API's checks: a namespace memory refuses reaches the activities.
  const { h } = await start({ settings: { memoryNamespaces: ['not a namespace/'] } });
  const started = Date.now();
  const checkpoint = (await h.executeUpdate(checkpointUpdate, { args: [{}] }).catch((e: unknown) => e)) as {
    cause?: { cause?: { type?: string; message?: string } };
  };
  expect(checkpoint.cause?.cause).toEqual(
    expect.objectContaining({ type: 'InvalidRequest', message: expect.stringMatching(/not a namespace/) }),
  );
  // One attempt, no retry back-off (the store's first retry alone would wait a second); before the
  // activity border it retried without end and the request never answered.
  expect(Date.now() - started).toBeLessThan(5_000);
  // The session goes on: the refused checkpoint left nothing behind.
  expect((await h.query(stateQuery)).checkpoints).toEqual([]);
});
