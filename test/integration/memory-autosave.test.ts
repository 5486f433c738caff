// Memory auto-save: the batched write (one statement, idempotent by content, expired names
// replaced), the workflow-result activity, and what sessions save by themselves — exchanges
// (never fed back as context), failed turns under errors/, and the per-session override — on the
// real dev server with the real worker and the Anthropic wire fake.
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { MemoryStore } from '../../lib/memory';
import { session } from '../../workflows';
import { endSignal, sendMessageUpdate } from '../../workflows/contract/session-messages';
import type { SessionInput } from '../../workflows/contract/session';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { startTestApp, testConfig, testLogger, type TestApp } from '../helpers/stack';

jest.setTimeout(60_000);

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

const count = async (sql: string, args: unknown[] = []) => Number((await app.pool.query(sql, args)).rows[0].n);
const events = (ns: string) =>
  count(`SELECT count(*) AS n FROM live_event WHERE channel = $1 AND type = 'memory.set'`, [`memory:${ns}`]);
const versions = (ns: string, key: string) =>
  count(
    `SELECT count(*) AS n FROM memory_entry_version v JOIN memory_entry e ON e.id = v.entry_id
      WHERE e.namespace = $1 AND e.key = $2`,
    [ns, key],
  );

test('saveMany: one statement for many entries; saving the same again changes nothing; a change is a new version', async () => {
  const ns = 'autosave/a/';
  const batch = [
    { namespace: ns, key: 'one', value: { n: 1 }, tags: ['x'], provenance: { sessionId: 's' } },
    { namespace: ns, key: 'two', value: 'text two', tags: ['x', 'y'] },
    { namespace: ns, key: 'big', value: 'z'.repeat(10_000) }, // compressed on the way in
  ];
  const first = await memory.saveMany(batch);
  expect(first.map((e) => [e.key, e.version])).toEqual([
    ['one', 1],
    ['two', 1],
    ['big', 1],
  ]);
  expect(first.find((e) => e.key === 'big')?.compressed).toBe(true);
  expect(await events(ns)).toBe(3);
  expect(await memory.get(ns, 'one')).toMatchObject({ value: { n: 1 }, tags: ['x'], provenance: { sessionId: 's' } });
  expect((await memory.get(ns, 'big'))?.value).toBe('z'.repeat(10_000));

  // A retry: same content, nothing written, no events, no versions.
  expect(await memory.saveMany(batch)).toEqual([]);
  expect(await events(ns)).toBe(3);
  expect(await versions(ns, 'one')).toBe(1);

  // One entry changed: only it gets a version (kept), and one event.
  const changed = await memory.saveMany([{ ...batch[0], value: { n: 2 } }, batch[1]]);
  expect(changed.map((e) => [e.key, e.version])).toEqual([['one', 2]]);
  expect(await events(ns)).toBe(4);
  expect((await memory.versions(ns, 'one')).map((v) => [v.version, v.value])).toEqual([
    [2, { n: 2 }],
    [1, { n: 1 }],
  ]);

  // A repeated name in one batch: the last wins.
  const dup = await memory.saveMany([
    { namespace: ns, key: 'dup', value: 'first' },
    { namespace: ns, key: 'dup', value: 'last' },
  ]);
  expect(dup).toHaveLength(1);
  expect((await memory.get(ns, 'dup'))?.value).toBe('last');
});

test('saveMany replaces an expired entry (history and all) and refuses bad input before writing anything', async () => {
  const ns = 'autosave/b/';
  await memory.set({ namespace: ns, key: 'old', value: 'v1', ttlSeconds: 60 });
  await memory.set({ namespace: ns, key: 'old', value: 'v2', ttlSeconds: 60 });
  await app.pool.query(`UPDATE memory_entry SET expires_at = now() - interval '1 second' WHERE namespace = $1`, [ns]);
  const saved = await memory.saveMany([{ namespace: ns, key: 'old', value: 'fresh' }]);
  expect(saved.map((e) => [e.key, e.version])).toEqual([['old', 1]]);
  expect((await memory.get(ns, 'old'))?.value).toBe('fresh');
  expect(await versions(ns, 'old')).toBe(1);

  await expect(
    memory.saveMany([
      { namespace: ns, key: 'fine', value: 1 },
      { namespace: 'no-slash', key: 'bad', value: 1 },
    ]),
  ).rejects.toThrow(/must end with "\/"/);
  expect(await memory.get(ns, 'fine')).toBeUndefined();
  await expect(memory.saveMany([{ namespace: ns, key: 'v', value: 1, expectedVersion: 1 }])).rejects.toThrow(
    /no expectedVersion/,
  );
});

test('autoSaveWorkflowResult files results under workflows/<type>/ and failures under errors/; off skips', async () => {
  const acts = (env: Record<string, string> = {}) => {
    const config = testConfig({ DATABASE_URL: app.db.url, ...env });
    return createActivities({
      config,
      prisma: app.prisma,
      pool: app.pool,
      logger: testLogger(config),
      memory: new MemoryStore(app.pool, config.memory),
      workerIdentity: 't',
    });
  };
  const a = acts();
  const ok = await a.autoSaveWorkflowResult({
    workflowId: 'codeReview-42',
    type: 'codeReview',
    status: 'completed',
    summary: '3 findings, 1 high',
    details: { findings: 3 },
  });
  expect(ok).toMatchObject({ saved: [{ namespace: 'workflows/codeReview/', key: 'codeReview-42', version: 1 }] });
  expect(await memory.get('workflows/codeReview/', 'codeReview-42')).toMatchObject({
    value: { status: 'completed', summary: '3 findings, 1 high', details: { findings: 3 } },
    tags: ['workflow-result', 'completed'],
    provenance: { workflowId: 'codeReview-42' },
  });
  // A retried activity writes nothing new.
  expect(
    await a.autoSaveWorkflowResult({
      workflowId: 'codeReview-42',
      type: 'codeReview',
      status: 'completed',
      summary: '3 findings, 1 high',
      details: { findings: 3 },
    }),
  ).toEqual({ saved: [] });

  await a.autoSaveWorkflowResult({
    workflowId: 'testRun-7',
    type: 'testRun',
    status: 'failed',
    summary: 'npm test exited 1',
  });
  expect(await memory.get('errors/workflows/testRun/', 'testRun-7')).toMatchObject({
    value: { error: 'npm test exited 1', status: 'failed' },
  });

  const bad = await a
    .autoSaveWorkflowResult({ workflowId: 'x', type: 'no/slash', status: 'completed', summary: '' })
    .catch((err: unknown) => err);
  expect(bad).toBeInstanceOf(ApplicationFailure);
  expect((bad as ApplicationFailure).nonRetryable).toBe(true);
  expect((bad as Error).message).toMatch(/type "no\/slash" must be a workflow type name/);

  const off = acts({ CLAUDE_FLOW_MEMORY_AUTOSAVE: 'exchanges' });
  expect(
    await off.autoSaveWorkflowResult({ workflowId: 'w', type: 'codeReview', status: 'completed', summary: 's' }),
  ).toEqual({ skipped: expect.stringContaining('CLAUDE_FLOW_MEMORY_AUTOSAVE is exchanges') });
});

let n = 0;
async function start(settings: SessionInput['settings'] = {}) {
  const id = `as${++n}-${Date.now()}`;
  const h = await app.client.workflow.start(session, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `session-${id}`,
    args: [{ sessionId: id, title: 'autosave', owner: 'alice', settings }],
  });
  return { id, h };
}

test('a session saves each exchange once, never feeds exchanges back as context, and files failed turns under errors/', async () => {
  const { id, h } = await start();
  await memory.set({ namespace: `sessions/${id}/`, key: 'deploy-notes', value: 'deploys happen on tuesdays' });
  anthropic.reset();
  await h.executeUpdate(sendMessageUpdate, { args: [{ text: 'when do deploys happen?' }] });
  await h.executeUpdate(sendMessageUpdate, { args: [{ text: 'and deploys on fridays?' }] });
  // The second prompt's context has the note but not the first exchange (that is in the messages).
  const system = String(anthropic.requests[1].body.system ?? '');
  expect(system).toContain('deploy-notes: deploys happen on tuesdays');
  expect(system).not.toContain('exchange-');
  expect(await versions(`sessions/${id}/`, 'exchange-000001')).toBe(1);
  expect((await memory.get(`sessions/${id}/`, 'exchange-000003'))?.value).toEqual({
    user: 'and deploys on fridays?',
    assistant: 'Noted.',
  });

  // A turn the provider refuses (400: not retried) fails the update and is remembered.
  anthropic.script({ status: 400 });
  await expect(h.executeUpdate(sendMessageUpdate, { args: [{ text: 'this one fails' }] })).rejects.toThrow();
  const err = await eventually(() => memory.get(`errors/sessions/${id}/`, 'turn-000005'));
  expect(err?.value).toMatchObject({ text: 'this one fails', error: expect.stringMatching(/invalid|request/i) });
  expect(err?.tags).toEqual(['turn-failed']);
  await h.signal(endSignal, {});
  await h.result();
});

test('a session with memoryAutosave off saves nothing by itself', async () => {
  const { id, h } = await start({ memoryAutosave: 'off' });
  await h.executeUpdate(sendMessageUpdate, { args: [{ text: 'hello there' }] });
  anthropic.script({ status: 400 });
  await expect(h.executeUpdate(sendMessageUpdate, { args: [{ text: 'fails' }] })).rejects.toThrow();
  await h.signal(endSignal, {});
  await h.result();
  expect(await count(`SELECT count(*) AS n FROM memory_entry WHERE namespace LIKE $1`, [`%${id}/`])).toBe(0);
  // The conversation itself is stored as always.
  expect(await count(`SELECT count(*) AS n FROM session_message WHERE session_id = $1`, [id])).toBe(2);
});

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
