// Export and import over HTTP: a streamed JSONL download, an idempotent upload, and bad lines as
// a problem+json 400 naming the line and field with nothing written.
import request from 'supertest';
import { createApp } from '../../api/app';
import { startTestApp, type TestApp } from '../helpers/stack';

let app: TestApp;
const base = '/api/claude-flow/memory';
const http = () => createApp({ ...app, temporal: app.client });

beforeAll(async () => {
  app = await startTestApp({ worker: false });
});
afterAll(async () => {
  await app?.close();
});

test('GET /memory/export streams JSONL; POST /memory/import of it is idempotent', async () => {
  await request(http())
    .put(`${base}/entries/code/x`)
    .send({ value: 'one', tags: ['t'] })
    .expect(201);
  await request(http())
    .put(`${base}/entries/other/y`)
    .send({ value: { two: 2 } })
    .expect(201);
  const res = await request(http())
    .get(`${base}/export?namespace=code/`)
    .buffer(true)
    .parse((r, cb) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString()));
      r.on('end', () => cb(null, text));
    });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
  const doc = res.body as string;
  const lines = doc.trimEnd().split('\n');
  expect(JSON.parse(lines[0])).toMatchObject({ namespace: 'code/', namespaces: ['code/'], entries: 1 });
  expect(JSON.parse(lines[1])).toMatchObject({ namespace: 'code/', key: 'x', value: 'one', tags: ['t'], version: 1 });

  const again = await request(http())
    .post(`${base}/import`)
    .set('Content-Type', 'application/x-ndjson')
    .send(doc)
    .expect(200);
  expect(again.body).toEqual({ imported: 0, unchanged: 1, expired: 0 });
  await request(http()).delete(`${base}/namespaces/code/`).expect(200);
  const restored = await request(http())
    .post(`${base}/import`)
    .set('Content-Type', 'application/x-ndjson')
    .send(doc)
    .expect(200);
  expect(restored.body).toEqual({ imported: 1, unchanged: 0, expired: 0 });
  expect((await request(http()).get(`${base}/entries/code/x`).expect(200)).body.value).toBe('one');
});

test('a bad line is a 400 naming it, and nothing of the document is written', async () => {
  const manifest = { format: 'claude-flow-memory', version: 1, namespace: null, namespaces: ['imp/'], entries: 2 };
  const good = {
    namespace: 'imp/',
    key: 'ok',
    valueType: 'text',
    value: 'fine',
    tags: [],
    metadata: {},
    expiresAt: null,
    version: 1,
    provenance: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  const bad = { ...good, key: 'bad', tags: 'not-a-list' };
  const res = await request(http())
    .post(`${base}/import`)
    .set('Content-Type', 'application/x-ndjson')
    .send([manifest, good, bad].map((l) => JSON.stringify(l)).join('\n'))
    .expect(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.detail).toMatch(/^line 3: tags: /);
  await request(http()).get(`${base}/entries/imp/ok`).expect(404);
});

test('an import sent as JSON is a 400 saying how to send it; a bad export namespace is a 400', async () => {
  const res = await request(http()).post(`${base}/import`).send({ format: 'claude-flow-memory' }).expect(400);
  expect(res.body.detail).toContain('application/x-ndjson');
  const ns = await request(http()).get(`${base}/export?namespace=nope`).expect(400);
  expect(ns.body.detail).toContain('must end with "/"');
});
