// The sessions API over the real workflow: create, list, message, checkpoint, approvals, signals,
// and every malformed or refused request answered with a clear 4xx.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { requestApprovalUpdate } from '../../workflows/contract/session-messages';
import request from 'supertest';
import { createApp } from '../../api/app';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { eventually } from '../helpers/sessions';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(60_000);

let anthropic: FakeServer;
let app: TestApp;
const http = () => createApp({ ...app, temporal: app.client });
const api = '/api/claude-flow';

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Sure.' });
  app = await startTestApp({
    env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_MODEL: 'claude-haiku-4-5' },
  });
});
afterAll(async () => {
  await app?.close();
  await anthropic?.close();
});

async function create(body: object = { title: 'API session', owner: 'bob' }): Promise<string> {
  const res = await request(http()).post(`${api}/sessions`).send(body).expect(201);
  return res.body.sessionId as string;
}

test('a session from creation to end, through the API', async () => {
  const id = await create({ title: 'Through the API', owner: 'bob', project: { repo: 'acme/widgets' } });
  const sent = await request(http())
    .post(`${api}/sessions/${id}/messages`)
    .send({ text: 'Plan the release' })
    .expect(200);
  expect(sent.body).toMatchObject({ reply: 'Sure.', userMessageNo: 1, replyMessageNo: 2 });

  const state = await request(http()).get(`${api}/sessions/${id}`).expect(200);
  expect(state.body).toMatchObject({
    sessionId: id,
    title: 'Through the API',
    status: 'active',
    messageCount: 2,
    project: { repo: 'acme/widgets' },
  });
  const messages = await request(http()).get(`${api}/sessions/${id}/messages`).expect(200);
  expect(messages.body.messages.map((m: { content: string }) => m.content)).toEqual(['Plan the release', 'Sure.']);
  // A reply carries its own usage and cost (the user's message has none).
  const [asked, answered] = messages.body.messages;
  expect(asked).not.toHaveProperty('costUsd');
  expect(answered).toMatchObject({
    role: 'assistant',
    inputTokens: expect.any(Number),
    outputTokens: expect.any(Number),
  });
  expect(answered.inputTokens + answered.outputTokens).toBeGreaterThan(0);
  expect(answered.costUsd).toBeGreaterThan(0);

  const cp = await request(http()).post(`${api}/sessions/${id}/checkpoints`).send({ label: 'planned' }).expect(201);
  const cps = await request(http()).get(`${api}/sessions/${id}/checkpoints`).expect(200);
  expect(cps.body.checkpoints).toEqual([
    expect.objectContaining({ checkpointId: cp.body.checkpointId, label: 'planned' }),
  ]);

  const ask = await request(http()).post(`${api}/sessions/${id}/approvals`).send({ title: 'Tag v1.0?' }).expect(201);
  expect((await request(http()).get(`${api}/sessions/${id}/approvals`)).body.pending).toHaveLength(1);
  const decided = await request(http())
    .post(`${api}/sessions/${id}/approvals/${ask.body.requestId}`)
    .send({ decision: 'reject', comment: 'not yet' })
    .expect(200);
  expect(decided.body).toMatchObject({ outcome: 'rejected', comment: 'not yet' });

  await request(http()).post(`${api}/sessions/${id}/end`).send({ reason: 'finished' }).expect(202);
  const listed = await waitFor(async () => {
    const res = await request(http()).get(`${api}/sessions`).query({ owner: 'bob', status: 'ended' });
    return res.body.sessions.some((s: { sessionId: string }) => s.sessionId === id) ? res : undefined;
  });
  expect(listed.body.sessions.find((s: { sessionId: string }) => s.sessionId === id)).toMatchObject({
    title: 'Through the API',
    project: 'acme/widgets',
    messageCount: 2,
    statusReason: 'finished',
  });
  // An ended session refuses messages: 409 with the reason.
  const refused = await request(http()).post(`${api}/sessions/${id}/messages`).send({ text: 'more?' }).expect(409);
  expect(refused.body.detail).toBe(`session ${id} has ended (completed); start a new one or fork it`);
});

test.each([
  ['POST', '/sessions', { owner: 'x' }, 400, 'title'],
  ['POST', '/sessions', { title: 'x', settings: { idleExpiry: 'forever' } }, 400, 'idleExpiry'],
  ['POST', '/sessions', { title: 'x', project: { repo: 'not a repo' } }, 400, 'project.repo'],
  ['POST', '/sessions', { title: 'x', colour: 'blue' }, 400, 'colour'],
  ['GET', '/sessions?status=sleeping', undefined, 400, 'status'],
  ['GET', '/sessions/no-such-session', undefined, 404, 'No session no-such-session'],
  ['GET', '/sessions/bad%20id', undefined, 400, 'path'],
  ['POST', '/sessions/no-such-session/messages', { text: 'hi' }, 404, 'No session'],
  // Past PostgreSQL's integer range: a 400, not the database's out-of-range error as a 500.
  ['GET', '/sessions/no-such-session/messages?from=1&to=9007199254740990', undefined, 400, 'to'],
  ['GET', '/sessions?owner=a%00b', undefined, 400, 'owner'],
])('%s %s %j → %d naming %s', async (method, url, body, status, mention) => {
  const req = method === 'GET' ? request(http()).get(`${api}${url}`) : request(http()).post(`${api}${url}`).send(body);
  const res = await req.expect(status);
  expect(res.headers['content-type']).toMatch(/problem\+json/);
  expect(res.body.detail).toContain(mention);
});

test('refused updates are answered by their failure type, with the reason', async () => {
  const id = await create();
  const empty = await request(http()).post(`${api}/sessions/${id}/messages`).send({ text: '' }).expect(400);
  expect(empty.body.detail).toContain('text');
  const unknownCp = await request(http())
    .post(`${api}/sessions/${id}/rollback`)
    .send({ checkpointId: '00000000-0000-4000-8000-000000000000' })
    .expect(404);
  expect(unknownCp.body.detail).toContain('no checkpoint 00000000-0000-4000-8000-000000000000');
  await request(http()).post(`${api}/sessions/${id}/pause`).send({}).expect(202);
  const paused = await request(http()).post(`${api}/sessions/${id}/messages`).send({ text: 'hello' }).expect(409);
  expect(paused.body.detail).toBe('the session is paused: resume it before sending messages');
  const dup = await request(http()).post(`${api}/sessions`).send({ title: 'again', sessionId: id }).expect(409);
  expect(dup.body.detail).toContain('already exists');
});

test('a session Temporal calls closed while describe() still says running is a 409, not a 500', async () => {
  // A concurrent end: the signal or update is answered "already completed", and describe() (asked
  // only then) still says RUNNING; the call is tried once more and then answered as ended.
  const closed = new WorkflowNotFoundError('workflow execution already completed', 'session-gone', undefined);
  const handle = {
    workflowId: 'session-gone',
    describe: async () => ({ status: { name: 'RUNNING' } }),
    signal: async () => Promise.reject(closed),
    executeUpdate: async () => Promise.reject(closed),
  };
  const temporal = { workflow: { getHandle: () => handle } } as unknown as Client;
  const racing = () => createApp({ ...app, temporal });
  for (const action of ['pause', 'resume', 'end', 'checkpoints']) {
    const res = await request(racing()).post(`${api}/sessions/gone/${action}`).send({}).expect(409);
    expect(res.body.detail).toBe('session gone has ended (completed); start a new one or fork it');
  }
});

async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('export → import gives a new session with the same conversation, which carries on', async () => {
  const id = await create({ title: 'To move', owner: 'carol' });
  await request(http()).post(`${api}/sessions/${id}/messages`).send({ text: 'remember the blue door' }).expect(200);
  const exported = await request(http()).get(`${api}/sessions/${id}/export`).expect(200);
  expect(exported.body).toMatchObject({
    format: 'claude-flow-session',
    version: 1,
    session: { title: 'To move', owner: 'carol' },
  });
  expect(exported.body.messages.map((m: { content: string }) => m.content)).toEqual([
    'remember the blue door',
    'Sure.',
  ]);

  const imported = await request(http()).post(`${api}/sessions/import`).send(exported.body).expect(201);
  const newId = imported.body.sessionId as string;
  expect(newId).not.toBe(id);
  const state = await request(http()).get(`${api}/sessions/${newId}`).expect(200);
  expect(state.body).toMatchObject({ title: 'To move', messageCount: 2 });
  anthropic.reset();
  await request(http()).post(`${api}/sessions/${newId}/messages`).send({ text: 'which door?' }).expect(200);
  expect((anthropic.requests[0].body.messages as { content: string }[]).map((m) => m.content)).toEqual([
    'remember the blue door',
    'Sure.',
    'which door?',
  ]);
  const again = await request(http()).get(`${api}/sessions/${newId}/export`).expect(200);
  expect(again.body.messages).toHaveLength(4);

  const bad = await request(http())
    .post(`${api}/sessions/import`)
    .send({ ...exported.body, format: 'other' })
    .expect(400);
  expect(bad.body.detail).toContain('format');
});

test('the projection can be rebuilt from Temporal', async () => {
  const id = await create({ title: 'Projected', owner: 'dave' });
  await app.prisma.session.deleteMany({ where: { id } });
  const res = await request(http()).post(`${api}/sessions/rebuild-projection`).expect(200);
  expect(res.body.sessions).toBeGreaterThanOrEqual(1);
  const row = await app.prisma.session.findUnique({ where: { id } });
  expect(row).toMatchObject({ title: 'Projected', owner: 'dave', status: 'active' });
  // A row ahead of every snapshot the workflow will take (its revision would refuse them all) is
  // put back too, at the workflow's revision, and the session's next change lands on it.
  await app.prisma.session.update({
    where: { id },
    data: { title: 'Stale', revision: BigInt(Number.MAX_SAFE_INTEGER) },
  });
  await request(http()).post(`${api}/sessions/rebuild-projection`).expect(200);
  const state = await request(http()).get(`${api}/sessions/${id}`).expect(200);
  const repaired = await app.prisma.session.findUnique({ where: { id } });
  expect(repaired).toMatchObject({ title: 'Projected', status: 'active' });
  expect(Number(repaired?.revision)).toBe(state.body.revision);
  await request(http()).post(`${api}/sessions/${id}/pause`).send({}).expect(202);
  const paused = await eventually(
    () => app.prisma.session.findUnique({ where: { id } }),
    (r) => r?.status === 'paused',
  );
  expect(paused).toMatchObject({ status: 'paused', title: 'Projected' });
});

test('approval timeouts past a year and NUL characters are refused, through the API and by the workflow', async () => {
  // Found by schemathesis: a 10^23-day timer failed the session's workflow task (500s after it).
  const id = await create({ title: 'Limits' });
  const huge = await request(http())
    .post(`${api}/sessions/${id}/approvals`)
    .send({ title: 'x', timeout: '99999999999999999999999 days', defaultOutcome: 'approve' })
    .expect(400);
  expect(huge.body.detail).toMatch(/timeout: at most 366 days/);
  await request(http()).post(`${api}/sessions/${id}/approvals`).send({ title: 'a\u0000b' }).expect(400);
  await request(http())
    .post(`${api}/sessions`)
    .send({ title: 'idle', settings: { idleExpiry: '100000 days' } })
    .expect(400);
  // The Temporal CLI reaches the workflow without the API: its validator says no, and nothing breaks.
  const h = app.client.workflow.getHandle(`session-${id}`);
  await expect(
    h.executeUpdate(requestApprovalUpdate, {
      args: [{ title: 'x', timeout: '99999999999999999999999 days', defaultOutcome: 'approve' }],
    }),
  ).rejects.toThrow(/update|longer than a year/i);
  await expect(h.executeUpdate(requestApprovalUpdate, { args: [{ title: 'a\u0000b' }] })).rejects.toThrow();
  await request(http()).post(`${api}/sessions/${id}/approvals`).send({ title: 'Still fine?' }).expect(201);
});

test('a run from the session takes {type, input}; "params" still works as its deprecated name; both is a 400', async () => {
  const id = await create({ title: 'Runs' });
  const run = (body: object) => request(http()).post(`${api}/sessions/${id}/workflows`).send(body);
  const ask = (content: string) => ({ messages: [{ role: 'user', content }] });
  const viaInput = await run({ type: 'aiTask', input: ask('asked through input') }).expect(201);
  const viaParams = await run({ type: 'aiTask', params: ask('asked through params') }).expect(201);
  // Each run got its input: the model saw both questions.
  for (const r of [viaInput, viaParams]) await app.client.workflow.getHandle(r.body.workflowId).result();
  const asked = anthropic.requests.map((q) => JSON.stringify(q.body.messages));
  expect(asked).toEqual(
    expect.arrayContaining([
      expect.stringContaining('asked through input'),
      expect.stringContaining('asked through params'),
    ]),
  );

  const both = await run({ type: 'aiTask', input: ask('a'), params: ask('b') }).expect(400);
  expect(both.body.detail).toMatch(/params: .*"input".*not both/);
  // A wrong input is a 400 naming the field, under either name.
  for (const body of [
    { type: 'aiTask', input: { messages: [] } },
    { type: 'aiTask', params: { messages: [] } },
  ]) {
    const bad = await run(body).expect(400);
    expect(bad.body.detail).toContain('messages');
  }
});

test('the list finds sessions by a part of their title, case-insensitively; % and _ are plain characters', async () => {
  const owner = 'titles';
  const a = await create({ title: 'Release 100% done', owner });
  const b = await create({ title: 'release notes_v2', owner });
  await create({ title: 'Release 1000 done', owner });
  const ids = (res: { body: { sessions: { sessionId: string }[] } }) =>
    res.body.sessions.map((s) => s.sessionId).sort();
  const list = (title: string) => request(http()).get(`${api}/sessions`).query({ owner, title }).expect(200);
  await waitFor(async () => ((await list('release')).body.total === 3 ? true : undefined));
  expect(ids(await list('100%'))).toEqual([a]);
  expect(ids(await list('NOTES_'))).toEqual([b]);
  expect((await list('nothing like it')).body).toMatchObject({ total: 0, sessions: [] });
});

test('a message sent again with the same Idempotency-Key is answered with the first reply, not sent twice', async () => {
  const id = await create({ title: 'Idempotent', owner: 'bob' });
  const send = (text: string, key?: string) => {
    const r = request(http()).post(`${api}/sessions/${id}/messages`).send({ text });
    return key === undefined ? r : r.set('Idempotency-Key', key);
  };
  const first = await send('once', 'k-1').expect(200);
  expect(first.body).toMatchObject({ reply: 'Sure.', userMessageNo: 1, replyMessageNo: 2 });
  // The client lost the answer and sends again: the same answer, no second turn.
  const again = await send('once', 'k-1').expect(200);
  expect(again.body).toEqual(first.body);
  // The same key on another kind of update is its own request.
  await request(http()).post(`${api}/sessions/${id}/checkpoints`).set('Idempotency-Key', 'k-1').send({}).expect(201);
  expect((await send('twice', 'k-2').expect(200)).body).toMatchObject({ userMessageNo: 3 });
  const messages = await request(http()).get(`${api}/sessions/${id}/messages`).expect(200);
  expect(messages.body.messages.map((m: { content: string }) => m.content)).toEqual([
    'once',
    'Sure.',
    'twice',
    'Sure.',
  ]);

  for (const bad of ['', 'has space', 'x'.repeat(201), 'é']) {
    const res = await send('never', bad).expect(400);
    expect(res.body.detail).toMatch(/^Idempotency-Key: give 1 to 200 visible ASCII characters/);
  }
  expect((await request(http()).get(`${api}/sessions/${id}`).expect(200)).body.messageCount).toBe(4);
});
