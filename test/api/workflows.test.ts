// The workflows and schedules API over a real worker and dev server: the type catalog, starting
// runs (directly and from a session), listing, describing, cancelling, analytics, live end events,
// and schedules that really fire (by interval and by backfill), pause and go away.
// (The time-skipping test server has no Schedules — Temporal's answer is to use a real server —
// so schedules are tested on the dev server with a short interval and a backfill.)
import request from 'supertest';
import { createApp } from '../../api/app';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(60_000);

let app: TestApp;
const http = () => createApp({ ...app, temporal: app.client });
const api = '/api/claude-flow';

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function finished(workflowId: string) {
  return until(`${workflowId} to finish`, async () => {
    const res = await request(http()).get(`${api}/workflows/${workflowId}`).expect(200);
    return res.body.status === 'running' ? undefined : (res.body as Record<string, unknown>);
  });
}

test('the catalog lists types with JSON Schemas of their input', async () => {
  const res = await request(http()).get(`${api}/workflows/types`).expect(200);
  const types = res.body.types as { type: string; inputSchema: { type?: string; properties?: object } }[];
  const ai = types.find((t) => t.type === 'aiTask');
  expect(ai?.inputSchema).toMatchObject({
    type: 'object',
    properties: expect.objectContaining({ messages: expect.anything() }),
  });
  expect(types.map((t) => t.type)).toEqual(expect.arrayContaining(['systemCheck', 'aiTask']));
});

test('bad starts are 400s that name the problem', async () => {
  const unknown = await request(http()).post(`${api}/workflows`).send({ type: 'nope' }).expect(400);
  expect(unknown.body.detail).toMatch(/Unknown workflow type "nope": one of .*aiTask/);
  const bad = await request(http())
    .post(`${api}/workflows`)
    .send({ type: 'aiTask', input: { messages: [] } })
    .expect(400);
  expect(bad.body.detail).toMatch(/input\.messages/);
  await request(http()).post(`${api}/workflows`).send({ type: 'aiTask', extra: 1 }).expect(400);
  await request(http()).get(`${api}/workflows?status=sleeping`).expect(400);
  await request(http()).get(`${api}/workflows/no-such-run`).expect(404);
  // Found by schemathesis: a made-up page token made Temporal take 20 s to refuse it (then a 500).
  const token = await request(http()).get(`${api}/workflows?pageToken=AAAA`).expect(400);
  expect(token.body.detail).toMatch(/pageToken: not a token this API returned/);
  await request(http()).get(`${api}/workflows?since=0020-02-29T00:00:00Z&status=running&sessionId=x`).expect(200);
});

test('a run is started, described with its result, listed, counted, and announces its end live', async () => {
  const started = await request(http()).post(`${api}/workflows`).send({ type: 'systemCheck' }).expect(202);
  expect(started.body).toMatchObject({ type: 'systemCheck', workflowId: expect.stringMatching(/^systemCheck-/) });
  const done = await finished(started.body.workflowId);
  expect(done).toMatchObject({ status: 'completed', result: { postgresVersion: expect.any(String) } });
  expect(done.durationMs).toEqual(expect.any(Number));

  // No AI provider is configured: an optional model call reports why it was skipped.
  const ai = await request(http())
    .post(`${api}/workflows`)
    .send({ type: 'aiTask', input: { messages: [{ role: 'user', content: 'hi' }], optional: true } })
    .expect(202);
  const aiDone = await finished(ai.body.workflowId);
  expect(aiDone.result).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/provider/i) });
  const ended = await until('the completed event', async () => {
    const r = await app.pool.query<{ type: string }>(`SELECT type FROM live_event WHERE channel = $1`, [
      `workflow:${ai.body.workflowId}`,
    ]);
    return r.rows.some((e) => e.type === 'completed') ? r.rows : undefined;
  });
  expect(ended.map((e) => e.type)).toContain('completed');
  // A development workflow's outcome is saved to memory (auto-save); a bare model call's is not.
  const evalRun = await request(http())
    .post(`${api}/workflows`)
    .send({
      type: 'promptEval',
      input: {
        cases: [{ id: 'a', prompt: 'Say x', expected: 'x', scorer: 'exact' }],
        configurations: [{ route: ['anthropic'] }],
      },
    })
    .expect(202);
  expect(await finished(evalRun.body.workflowId)).toMatchObject({ status: 'completed' });
  const saved = await request(http())
    .get(`${api}/memory/entries/workflows/promptEval/${evalRun.body.workflowId}`)
    .expect(200);
  expect(saved.body.value).toMatchObject({
    workflowId: evalRun.body.workflowId,
    type: 'promptEval',
    status: 'completed',
    summary: expect.stringMatching(/provider|configured/i),
  });
  await request(http()).get(`${api}/memory/entries/workflows/aiTask/${ai.body.workflowId}`).expect(404);

  // Taken ids are a conflict, not a second run.
  await request(http())
    .post(`${api}/workflows`)
    .send({ type: 'systemCheck', workflowId: started.body.workflowId })
    .expect(409);

  const listed = await until('visibility to list the run', async () => {
    const res = await request(http()).get(`${api}/workflows?type=systemCheck&status=completed&limit=500`).expect(200);
    const runs = res.body.runs as { workflowId: string }[];
    return runs.some((r) => r.workflowId === started.body.workflowId) ? runs : undefined;
  });
  expect(listed[0]).toMatchObject({ type: 'systemCheck', status: 'completed', startTime: expect.any(String) });

  const page = await request(http()).get(`${api}/workflows?limit=1`).expect(200);
  expect(page.body.runs).toHaveLength(1);
  if (page.body.nextPageToken) {
    const next = await request(http()).get(`${api}/workflows?limit=1&pageToken=${page.body.nextPageToken}`).expect(200);
    expect(next.body.runs[0]?.workflowId).not.toBe(page.body.runs[0].workflowId);
  }

  const stats = await until('analytics to count the runs', async () => {
    const res = await request(http()).get(`${api}/analytics/workflows`).expect(200);
    const t = (res.body.types as { type: string; completed: number }[]).find((x) => x.type === 'systemCheck');
    return t && t.completed >= 1 ? res.body : undefined;
  });
  const sys = (stats.types as { type: string }[]).find((x) => x.type === 'systemCheck');
  expect(sys).toMatchObject({ successRate: expect.any(Number), p50Ms: expect.any(Number), p95Ms: expect.any(Number) });

  // A finished run cannot be cancelled.
  await request(http()).post(`${api}/workflows/${started.body.workflowId}/cancel`).expect(409);
});

test('a run no worker polls is still described at once, with no progress, instead of holding the request', async () => {
  // deployPrep on a task queue nobody polls: its progress query would wait for a worker forever.
  const handle = await app.client.workflow.start('deployPrep', {
    taskQueue: 'nobody-polls-this-queue',
    workflowId: `unpolled-${Date.now()}`,
    args: [{ repoPath: '/tmp' }],
  });
  try {
    const res = await request(http()).get(`${api}/workflows/${handle.workflowId}`).timeout(15_000).expect(200);
    expect(res.body).toMatchObject({ workflowId: handle.workflowId, type: 'deployPrep', status: 'running' });
    expect(res.body.progress).toBeUndefined();
  } finally {
    await handle.terminate('test over');
  }
});

test('a run started for a session is its child and is listed by session', async () => {
  const session = await request(http()).post(`${api}/sessions`).send({ title: 'runs' }).expect(201);
  const sessionId = session.body.sessionId as string;
  const bad = await request(http())
    .post(`${api}/workflows`)
    .send({ type: 'aiTask', sessionId, input: { messages: 'x' } })
    .expect(400);
  expect(bad.body.detail).toMatch(/input\.messages/);
  const run = await request(http()).post(`${api}/workflows`).send({ type: 'systemCheck', sessionId }).expect(202);
  expect(run.body.workflowId).toMatch(new RegExp(`^session-${sessionId}-systemCheck-`));
  const done = await finished(run.body.workflowId);
  expect(done).toMatchObject({ status: 'completed', sessionId, parentWorkflowId: `session-${sessionId}` });
  const listed = await until('the session filter', async () => {
    const res = await request(http()).get(`${api}/workflows?sessionId=${sessionId}`).expect(200);
    return res.body.runs.length ? res.body.runs : undefined;
  });
  expect(listed).toEqual([expect.objectContaining({ workflowId: run.body.workflowId, sessionId })]);
  await request(http()).post(`${api}/workflows`).send({ type: 'systemCheck', sessionId: 'nope' }).expect(404);
});

test('schedules fire, pause, trigger, backfill and are deleted', async () => {
  const id = `sched-${Date.now()}`;
  const bad = [
    { scheduleId: id, type: 'systemCheck' },
    { scheduleId: id, type: 'systemCheck', cron: '0 3 * * *', every: '1h' },
    { scheduleId: id, type: 'systemCheck', cron: 'every day' },
    { scheduleId: id, type: 'nope', every: '1h' },
    { scheduleId: id, type: 'aiTask', every: '1h', input: { messages: [] } },
  ];
  for (const body of bad) {
    const res = await request(http()).post(`${api}/schedules`).send(body).expect(400);
    expect(res.body.detail).toMatch(/cron|every|type|input/);
  }
  const created = await request(http())
    .post(`${api}/schedules`)
    .send({ scheduleId: id, type: 'systemCheck', every: '2s', note: 'test' })
    .expect(201);
  expect(created.body).toMatchObject({ scheduleId: id, type: 'systemCheck', every: '2s', paused: false });
  await request(http()).post(`${api}/schedules`).send({ scheduleId: id, type: 'systemCheck', every: '1h' }).expect(409);

  // It fires by itself.
  const fired = await until('the schedule to fire', async () => {
    const res = await request(http()).get(`${api}/schedules/${id}`).expect(200);
    return res.body.runs >= 1 ? res.body : undefined;
  });
  expect(fired.recentRuns[0]).toMatchObject({ workflowId: expect.stringMatching(new RegExp(`^${id}`)) });

  // Paused, it stops firing.
  const paused = await request(http()).post(`${api}/schedules/${id}/pause`).send({ note: 'quiet' }).expect(200);
  expect(paused.body).toMatchObject({ paused: true, note: 'quiet' });
  const before = paused.body.runs as number;
  await new Promise((r) => setTimeout(r, 4_500));
  expect((await request(http()).get(`${api}/schedules/${id}`).expect(200)).body.runs).toBe(before);

  // A trigger runs it now even while paused; a backfill runs it for past times.
  await request(http()).post(`${api}/schedules/${id}/trigger`).expect(202);
  await until('the trigger', async () => {
    const res = await request(http()).get(`${api}/schedules/${id}`).expect(200);
    return res.body.runs > before ? true : undefined;
  });
  const now = Date.now();
  await request(http())
    .post(`${api}/schedules/${id}/backfill`)
    .send({ start: new Date(now - 7_000).toISOString(), end: new Date(now - 1_000).toISOString() })
    .expect(202);
  await until('the backfill', async () => {
    const res = await request(http()).get(`${api}/schedules/${id}`).expect(200);
    return res.body.runs >= before + 3 ? true : undefined;
  });
  await request(http())
    .post(`${api}/schedules/${id}/backfill`)
    .send({ start: new Date(now).toISOString(), end: new Date(now - 1).toISOString() })
    .expect(400);

  const unpaused = await request(http()).post(`${api}/schedules/${id}/unpause`).send({}).expect(200);
  expect(unpaused.body.paused).toBe(false);
  const listed = await until('the schedule list', async () => {
    const res = await request(http()).get(`${api}/schedules`).expect(200);
    return (res.body.schedules as { scheduleId: string }[]).find((s) => s.scheduleId === id);
  });
  expect(listed).toMatchObject({ type: 'systemCheck', every: '2s' });
  await request(http()).delete(`${api}/schedules/${id}`).expect(204);
  await request(http()).get(`${api}/schedules/${id}`).expect(404);
});
