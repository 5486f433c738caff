// Through the API: sealed memory stays sealed for every role below admin on every read path; a
// `_x1` session id is refused at creation; the time-travel routes answer what the OpenAPI document
// says they do (rollback names its branch and what it restored; approvals list decisions).
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../api/app';
import { openApiDocument } from '../../api/openapi';
import { ROUTES } from '../../api/catalog';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(60_000);

const A = '/api/claude-flow';
const ADMIN = 'admin-key-for-sealed-tests-0123456789';
const SECRET = 'sk-live-very-secret-value-4c1d';
let anthropic: FakeServer;
let app: TestApp;
const http = () => createApp({ ...app, temporal: app.client });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const keys: Record<string, string> = {};

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Sure.' });
  app = await startTestApp({
    env: {
      CLAUDE_FLOW_API_KEY: ADMIN,
      CLAUDE_FLOW_MEMORY_KEY: randomBytes(32).toString('base64'),
      CLAUDE_FLOW_MEMORY_SEALED: 'vault/',
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
    },
  });
  for (const role of ['viewer', 'operator'] as const) {
    keys[role] = (await request(http()).post(`${A}/keys`).set(bearer(ADMIN)).send({ name: role, role }).expect(201))
      .body.key as string;
  }
  await request(http())
    .put(`${A}/memory/entries/vault/db/password`)
    .set(bearer(ADMIN))
    .send({ value: SECRET, tags: ['ops'], metadata: { hint: SECRET } })
    .expect(201);
  await request(http())
    .put(`${A}/memory/entries/notes/oncall`)
    .set(bearer(ADMIN))
    .send({ value: 'alice', tags: ['ops'] });
});
afterAll(async () => {
  await app?.close();
  await anthropic?.close();
});

describe('sealed memory through the API', () => {
  const reads = [
    `${A}/memory/entries`,
    `${A}/memory/entries?tags=ops`,
    `${A}/memory/search?q=ops&tags=ops`,
    `${A}/memory/search?q=password`,
    `${A}/memory/search?q=db`,
  ];
  test.each(['viewer', 'operator'])('a %s reading everything sees no sealed plaintext', async (role) => {
    for (const url of reads) {
      const res = await request(http()).get(url).set(bearer(keys[role]));
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain(SECRET);
    }
    const list = await request(http()).get(`${A}/memory/entries`).set(bearer(keys[role])).expect(200);
    expect(list.body.entries).toContainEqual(
      expect.objectContaining({ namespace: 'vault/db/', key: 'password', value: null, withheld: true }),
    );
  });
  test('an admin reads it in plaintext', async () => {
    const res = await request(http()).get(`${A}/memory/entries`).set(bearer(ADMIN)).expect(200);
    expect(JSON.stringify(res.body)).toContain(SECRET);
  });
});

test('a session id that memory would refuse is a 400 at creation, naming the field', async () => {
  const res = await request(http()).post(`${A}/sessions`).set(bearer(ADMIN)).send({ title: 't', sessionId: '_x1' });
  expect(res.status).toBe(400);
  expect(res.body.detail).toMatch(/sessionId/);
  expect(res.body.detail).toMatch(/starting with a letter or digit/);
});

describe('time-travel routes answer as documented', () => {
  const doc = openApiDocument(ROUTES) as {
    paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>>;
  };
  const spec = (path: string, method: string) => doc.paths[`${A}${path}`][method];

  test('the OpenAPI document describes their answers and error codes', () => {
    expect(Object.keys(spec('/sessions/{sessionId}/rollback', 'post').responses)).toEqual(
      expect.arrayContaining(['200', '404', '409', '422']),
    );
    expect(JSON.stringify(spec('/sessions/{sessionId}/rollback', 'post').responses['200'])).toContain('branch');
    expect(Object.keys(spec('/sessions/{sessionId}/fork', 'post').responses)).toEqual(
      expect.arrayContaining(['201', '404', '409']),
    );
    expect(JSON.stringify(spec('/sessions/{sessionId}/approvals', 'get').responses['200'])).toContain('decidedBy');
  });

  test('rollback says what it did; approvals list who decided and when', async () => {
    const created = await request(http()).post(`${A}/sessions`).set(bearer(ADMIN)).send({ title: 'tt' }).expect(201);
    const s = `${A}/sessions/${created.body.sessionId}`;
    await request(http()).post(`${s}/messages`).set(bearer(ADMIN)).send({ text: 'one' }).expect(200);
    const cp = await request(http()).post(`${s}/checkpoints`).set(bearer(ADMIN)).send({}).expect(201);
    await request(http()).post(`${s}/messages`).set(bearer(ADMIN)).send({ text: 'two' }).expect(200);
    const rb = await request(http())
      .post(`${s}/rollback`)
      .set(bearer(ADMIN))
      .send({ checkpointId: cp.body.checkpointId })
      .expect(200);
    expect(rb.body).toMatchObject({
      messageCount: 2,
      rollback: { checkpointId: cp.body.checkpointId, memory: { restored: expect.any(Number), deleted: 1 } },
    });
    const missing = await request(http())
      .post(`${s}/rollback`)
      .set(bearer(ADMIN))
      .send({ checkpointId: '00000000-0000-4000-8000-000000000000' });
    expect(missing.status).toBe(404);

    const asked = await request(http()).post(`${s}/approvals`).set(bearer(ADMIN)).send({ title: 'Ship?' }).expect(201);
    await request(http())
      .post(`${s}/approvals/${asked.body.requestId}`)
      .set(bearer(keys.operator))
      .send({ decision: 'approve' })
      .expect(200);
    const list = await request(http()).get(`${s}/approvals`).set(bearer(keys.viewer)).expect(200);
    expect(list.body).toEqual({
      pending: [],
      decided: [
        expect.objectContaining({
          requestId: asked.body.requestId,
          outcome: 'approved',
          decidedAt: expect.any(String),
        }),
      ],
    });
    const again = await request(http())
      .post(`${s}/approvals/${asked.body.requestId}`)
      .set(bearer(ADMIN))
      .send({ decision: 'reject' });
    expect(again.status).toBe(409);
  });
});
