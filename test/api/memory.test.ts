// The memory API over HTTP: the URL scheme, every bad input as a problem+json 4xx that says what
// is wrong, and nothing half-written.
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../api/app';
import { startTestApp, type TestApp } from '../helpers/stack';

let app: TestApp;
const base = '/api/claude-flow/memory';
const http = () => createApp({ ...app, temporal: app.client });

beforeAll(async () => {
  app = await startTestApp({
    worker: false,
    env: { CLAUDE_FLOW_MEMORY_KEY: randomBytes(32).toString('base64'), CLAUDE_FLOW_MEMORY_MAX_VALUE_BYTES: '4096' },
  });
});
afterAll(async () => {
  await app?.close();
});

const count = async () => Number((await app.pool.query('SELECT count(*) AS n FROM memory_entry')).rows[0].n);

test('PUT creates (201) then updates (200); GET returns the entry; namespaces with slashes and %2F keys work', async () => {
  const put = await request(http())
    .put(`${base}/entries/sessions/abc/notes%2Ftoday`)
    .send({ value: { done: ['a'] }, tags: ['daily'], provenance: { sessionId: 'abc' } })
    .expect(201);
  expect(put.body).toMatchObject({ namespace: 'sessions/abc/', key: 'notes/today', version: 1, valueType: 'json' });
  await request(http())
    .put(`${base}/entries/sessions/abc/notes%2Ftoday`)
    .send({ value: 'text now', expectedVersion: 1 })
    .expect(200);
  const got = await request(http()).get(`${base}/entries/sessions/abc/notes%2Ftoday`).expect(200);
  expect(got.body).toMatchObject({ value: 'text now', valueType: 'text', version: 2, provenance: {} });
  const versions = await request(http()).get(`${base}/versions/sessions/abc/notes%2Ftoday`).expect(200);
  expect(versions.body.versions.map((v: { version: number; value: unknown }) => [v.version, v.value])).toEqual([
    [2, 'text now'],
    [1, { done: ['a'] }],
  ]);
});

test('DELETE removes (204), then 404; a stale expectedVersion is a 409 that deletes nothing', async () => {
  await request(http()).put(`${base}/entries/code/del`).send({ value: 1 }).expect(201);
  const stale = await request(http()).delete(`${base}/entries/code/del?expectedVersion=5`).expect(409);
  expect(stale.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(stale.body.detail).toContain('not the expected version 5');
  await request(http()).get(`${base}/entries/code/del`).expect(200);
  await request(http()).delete(`${base}/entries/code/del`).expect(204);
  const gone = await request(http()).get(`${base}/entries/code/del`).expect(404);
  expect(gone.body.detail).toContain('no entry code/del');
  await request(http()).delete(`${base}/entries/code/del`).expect(404);
});

test.each([
  ['an empty key', 'put', '/entries/code/', { value: 1 }, 400, 'key is empty'],
  ['an overlong key', 'put', `/entries/code/${'k'.repeat(513)}`, { value: 1 }, 400, 'at most 512'],
  ['a key with no namespace', 'put', '/entries/lonely', { value: 1 }, 400, 'namespace is required'],
  ['an invalid namespace', 'put', '/entries/bad%20ns/k', { value: 1 }, 400, 'not path-like'],
  ['a missing value', 'put', '/entries/code/k', {}, 400, 'value is required'],
  ['a value over the size limit', 'put', '/entries/code/k', { value: 'x'.repeat(5000) }, 413, 'the limit is 4096'],
  ['a negative TTL', 'put', '/entries/code/k', { value: 1, ttlSeconds: -5 }, 400, 'ttlSeconds must be'],
  ['a TTL as text', 'put', '/entries/code/k', { value: 1, ttlSeconds: 'soon' }, 400, 'ttlSeconds'],
  [
    'an expiry in the past',
    'put',
    '/entries/code/k',
    { value: 1, expiresAt: '2000-01-01T00:00:00Z' },
    400,
    'in the past',
  ],
  ['an unknown field', 'put', '/entries/code/k', { value: 1, colour: 'red' }, 400, 'colour'],
  [
    'a stale expectedVersion',
    'put',
    '/entries/code/k',
    { value: 1, expectedVersion: 3 },
    409,
    'not the expected version 3',
  ],
  [
    'text valueType with a non-string',
    'put',
    '/entries/code/k',
    { value: 1, valueType: 'text' },
    400,
    'needs a string',
  ],
])('%s is a clear %s problem and writes nothing', async (_name, method, path, body, status, message) => {
  const before = await count();
  const res = await request(http())[method as 'put'](`${base}${path}`).send(body).expect(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.detail).toContain(message);
  expect(await count()).toBe(before);
});

test('malformed JSON is a 400 that says so', async () => {
  const res = await request(http())
    .put(`${base}/entries/code/k`)
    .set('Content-Type', 'application/json')
    .send('{"value": ')
    .expect(400);
  expect(res.body.detail).toMatch(/not valid JSON/);
});

test('bulk writes all or nothing', async () => {
  const ok = await request(http())
    .post(`${base}/bulk`)
    .send({
      entries: [
        { namespace: 'bulk/', key: 'a', value: 1 },
        { namespace: 'bulk/', key: 'b', value: 'two' },
      ],
    })
    .expect(200);
  expect(ok.body.entries.map((e: { key: string; version: number }) => [e.key, e.version])).toEqual([
    ['a', 1],
    ['b', 1],
  ]);
  const before = await count();
  const bad = await request(http())
    .post(`${base}/bulk`)
    .send({
      entries: [
        { namespace: 'bulk/', key: 'c', value: 3 },
        { namespace: 'bulk', key: 'd', value: 4 },
      ],
    })
    .expect(400);
  expect(bad.body.detail).toContain('must end with "/"');
  await request(http())
    .post(`${base}/bulk`)
    .send({
      entries: [
        { namespace: 'bulk/', key: 'c', value: 3 },
        { namespace: 'bulk/', key: 'a', value: 9, expectedVersion: 0 },
      ],
    })
    .expect(409);
  expect(await count()).toBe(before);
  await request(http()).post(`${base}/bulk`).send({ entries: [] }).expect(400);
});

test('list filters and pages; bad filters are 400s', async () => {
  for (const k of ['x1', 'x2', 'x3']) {
    await request(http())
      .put(`${base}/entries/listing/${k}`)
      .send({ value: k, tags: k === 'x2' ? ['two'] : [] })
      .expect(201);
  }
  const p1 = await request(http()).get(`${base}/entries?namespace=listing/&limit=2`).expect(200);
  expect(p1.body.entries.map((e: { key: string }) => e.key)).toEqual(['x1', 'x2']);
  const p2 = await request(http())
    .get(`${base}/entries`)
    .query({ namespace: 'listing/', limit: 2, cursor: p1.body.nextCursor })
    .expect(200);
  expect(p2.body.entries.map((e: { key: string }) => e.key)).toEqual(['x3']);
  expect(p2.body.nextCursor).toBeUndefined();
  const tagged = await request(http()).get(`${base}/entries?namespace=listing/&tags=two`).expect(200);
  expect(tagged.body.entries.map((e: { key: string }) => e.key)).toEqual(['x2']);
  expect((await request(http()).get(`${base}/entries?limit=5000`).expect(400)).body.detail).toContain('limit');
  expect((await request(http()).get(`${base}/entries?namespace=nope`).expect(400)).body.detail).toContain(
    'must end with "/"',
  );
  expect((await request(http()).get(`${base}/entries?from=yesterday`).expect(400)).body.detail).toContain('from');
});

test('search ranks hits and bounds the limit', async () => {
  await request(http())
    .put(`${base}/entries/code/retry-policy`)
    .send({ value: 'exponential backoff for activities' })
    .expect(201);
  await request(http())
    .put(`${base}/entries/code/notes`)
    .send({ value: 'we chose a retry policy last week' })
    .expect(201);
  const res = await request(http()).get(`${base}/search?q=retry&namespace=code/`).expect(200);
  expect(res.body.hits.map((h: { key: string }) => h.key)).toEqual(['retry-policy', 'notes']);
  expect(res.body.hits[1].snippet).toContain('<b>retry</b>');
  await request(http()).get(`${base}/search?q=retry&limit=101`).expect(400);
  expect((await request(http()).get(`${base}/search`).expect(400)).body.detail).toContain('q');
});

test('sealed namespaces: stored encrypted, returned in clear; namespaces list counts and bytes', async () => {
  await request(http()).put(`${base}/entries/secrets/api-token`).send({ value: 'sk-very-secret' }).expect(201);
  const row = (await app.pool.query(`SELECT value FROM memory_entry WHERE namespace = 'secrets/'`)).rows[0];
  expect((row.value as Buffer).toString('latin1')).not.toContain('sk-very-secret');
  const got = await request(http()).get(`${base}/entries/secrets/api-token`).expect(200);
  expect(got.body).toMatchObject({ value: 'sk-very-secret', sealed: true });
  const ns = await request(http()).get(`${base}/namespaces`).expect(200);
  expect(ns.body.namespaces.find((n: { namespace: string }) => n.namespace === 'secrets/')).toMatchObject({
    entries: 1,
    bytes: 14,
    sealed: true,
  });
});

test('copy, move and clear namespaces', async () => {
  await request(http()).put(`${base}/entries/proj/a/k`).send({ value: 1 }).expect(201);
  expect(
    (await request(http()).post(`${base}/namespaces/copy`).send({ from: 'proj/', to: 'proj2/' }).expect(200)).body,
  ).toEqual({ copied: 1 });
  await request(http()).post(`${base}/namespaces/copy`).send({ from: 'proj/', to: 'proj2/' }).expect(409);
  expect(
    (await request(http()).post(`${base}/namespaces/move`).send({ from: 'proj2/', to: 'proj3/' }).expect(200)).body,
  ).toEqual({ copied: 1 });
  await request(http()).get(`${base}/entries/proj3/a/k`).expect(200);
  expect((await request(http()).delete(`${base}/namespaces/proj3/`).expect(200)).body).toEqual({ deleted: 1 });
  await request(http()).get(`${base}/entries/proj3/a/k`).expect(404);
  expect(
    (await request(http()).post(`${base}/namespaces/copy`).send({ from: 'proj' }).expect(400)).body.detail,
  ).toContain('to');
});
