// Semantic memory search against the wire-level fake OpenAI server, whose embeddings are
// bag-of-words vectors (texts sharing words are closer): embeddings stored on write (never for
// sealed entries), semantic and hybrid ranking, the write kept and marked when the provider is
// down, and clear answers without a provider.
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../api/app';
import { MemoryStore } from '../../lib/memory';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai';
import { startTestApp, testConfig, type TestApp } from '../helpers/stack';

jest.setTimeout(60_000);

let fake: FakeOpenAIServer;
let app: TestApp;
let store: MemoryStore;
const base = '/api/claude-flow/memory';
const memoryKey = randomBytes(32).toString('base64');
const http = () => createApp({ ...app, temporal: app.client, memory: store });

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-embed-test', embeddingDims: 1024 });
  app = await startTestApp({
    worker: false,
    env: {
      OPENAI_API_KEY: 'sk-embed-test',
      OPENAI_BASE_URL: fake.url,
      CLAUDE_FLOW_MEMORY_KEY: memoryKey,
    },
  });
  store = new MemoryStore(app.pool, app.config.memory);
  // "oauth tokens rotate nightly" shares two words with login-notes: the phrase is in no entry.
  await store.bulkSet([
    { namespace: 'code/', key: 'login-notes', value: 'Users sign in with OAuth and the tokens last an hour.' },
    { namespace: 'code/', key: 'db-pool', value: 'The pool holds ten connections to the database.' },
    { namespace: 'code/', key: 'cache-policy', value: 'Responses are cached for five minutes.' },
    { namespace: 'secrets/', key: 'oauth-client', value: 'oauth tokens rotate nightly: client secret s3cr3t' },
  ]);
});
afterAll(async () => {
  await app?.close();
  await fake?.close();
});

const row = async (namespace: string, key: string) =>
  (
    await app.pool.query<{ embedding: number[] | null; embedding_model: string | null; embedding_pending: boolean }>(
      'SELECT embedding, embedding_model, embedding_pending FROM memory_entry WHERE namespace = $1 AND key = $2',
      [namespace, key],
    )
  ).rows[0];

test('unsealed entries store a unit-length embedding and its model; sealed entries get none and are never sent', async () => {
  const r = await row('code/', 'login-notes');
  expect(r.embedding_model).toBe('text-embedding-3-small');
  expect(r.embedding_pending).toBe(false);
  expect(r.embedding).toHaveLength(1024);
  expect(Math.sqrt((r.embedding ?? []).reduce((s, x) => s + x * x, 0))).toBeCloseTo(1, 5);
  const sealed = await row('secrets/', 'oauth-client');
  expect(sealed).toMatchObject({ embedding: null, embedding_model: null, embedding_pending: false });
  const sent = JSON.stringify(fake.requests.filter((q) => q.path === '/v1/embeddings').map((q) => q.body));
  expect(sent).toContain('login notes');
  expect(sent).not.toContain('s3cr3t');
  expect(sent).not.toContain('oauth client');
});

test('semantic search ranks by cosine similarity where full text finds nothing', async () => {
  const q = 'oauth tokens rotate nightly';
  const text = await store.searchResult({ q: `"${q}"`, mode: 'text', namespace: 'code/' });
  expect(text.hits.map((h) => h.key)).toEqual([]);
  const semantic = await store.searchResult({ q, mode: 'semantic' });
  expect(semantic.mode).toBe('semantic');
  expect(semantic.hits[0].key).toBe('login-notes');
  expect(semantic.hits.some((h) => h.sealed)).toBe(false);
  const sims = semantic.hits.map((h) => h.similarity as number);
  expect([...sims].sort((a, b) => b - a)).toEqual(sims);
  expect(sims[0]).toBeGreaterThan(0);
  expect(sims[0]).toBeLessThanOrEqual(1);
  expect(semantic.hits[0].score).toBe(sims[0]);
  // Filters apply to semantic search too.
  expect((await store.searchResult({ q, mode: 'semantic', namespace: 'decisions/' })).hits).toEqual([]);
});

test('hybrid (the default with a provider) fuses the text and semantic rankings', async () => {
  const fused = await store.searchResult({ q: 'oauth tokens rotate nightly' });
  expect(fused.mode).toBe('hybrid');
  expect(fused.note).toBeUndefined();
  expect(fused.hits.find((h) => !h.sealed)?.key).toBe('login-notes');
  const pool = await store.searchResult({ q: 'pool connections', mode: 'hybrid' });
  expect(pool.hits[0].key).toBe('db-pool');
  expect(pool.hits[0].textRank).toBeGreaterThan(0);
  expect(pool.hits[0].similarity).toBeGreaterThan(0);
  expect(pool.hits[0].snippet).toContain('<b>');
});

test('the API answers mode and per-hit similarity', async () => {
  const res = await request(http()).get(`${base}/search?q=oauth%20tokens%20rotate%20nightly&mode=semantic`).expect(200);
  expect(res.body.mode).toBe('semantic');
  expect(res.body.query).toBe('oauth tokens rotate nightly');
  expect(res.body.hits[0]).toMatchObject({ key: 'login-notes', similarity: expect.any(Number) });
  const text = await request(http()).get(`${base}/search?q=pool&mode=text`).expect(200);
  expect(text.body).toMatchObject({ mode: 'text', hits: [{ key: 'db-pool', similarity: null }] });
  await request(http()).get(`${base}/search?q=pool&mode=vector`).expect(400);
});

test('a rewrite replaces the embedding; with the provider down the write stands and is marked, then caught up', async () => {
  fake.embeddingScript({ status: 503 });
  const info = await store.set({ namespace: 'code/', key: 'cache-policy', value: 'Responses are cached overnight.' });
  expect(info.version).toBe(2);
  expect((await store.get('code/', 'cache-policy'))?.value).toBe('Responses are cached overnight.');
  expect(await row('code/', 'cache-policy')).toMatchObject({ embedding: null, embedding_pending: true });
  // Semantic search meanwhile answers from what is embedded.
  const hits = await store.search({ q: 'cached overnight', mode: 'semantic' });
  expect(hits.map((h) => h.key)).not.toContain('cache-policy');
  // The next successful write drains pending entries.
  await store.set({ namespace: 'code/', key: 'deploy', value: 'Deploys run on Fridays.' });
  const caught = await row('code/', 'cache-policy');
  expect(caught.embedding_pending).toBe(false);
  expect(caught.embedding).toHaveLength(1024);
  expect((await store.search({ q: 'cached overnight', mode: 'semantic' }))[0].key).toBe('cache-policy');
});

test('embedPending embeds entries written before a provider was configured, and reports a provider failure', async () => {
  const plain = new MemoryStore(app.pool, app.config.memory, { embedder: null });
  await plain.set({ namespace: 'notes/', key: 'old', value: 'written without embeddings' });
  expect(await row('notes/', 'old')).toMatchObject({ embedding: null, embedding_pending: false });
  fake.embeddingScript({ status: 500 });
  await expect(store.embedPending()).rejects.toThrow(/pending/);
  expect(await store.embedPending()).toBeGreaterThanOrEqual(1);
  expect((await row('notes/', 'old')).embedding).toHaveLength(1024);
  expect(await store.embedPending()).toBe(0);
  expect((await row('secrets/', 'oauth-client')).embedding).toBeNull();
});

test('copies are embedded again where unsealed and never where sealed', async () => {
  await store.copyNamespace('code/', 'backup/');
  await store.copyNamespace('code/', 'secrets/copy/');
  expect((await row('backup/', 'login-notes')).embedding).toHaveLength(1024);
  expect(await row('secrets/copy/', 'login-notes')).toMatchObject({ embedding: null, embedding_pending: false });
  expect(await store.embedPending()).toBe(0);
});

test('semantic search with the provider down is a 503; hybrid falls back to text with a note', async () => {
  fake.embeddingScript({ status: 503 });
  await expect(store.search({ q: 'pool', mode: 'semantic' })).rejects.toMatchObject({ status: 503 });
  fake.embeddingScript({ status: 503 });
  const r = await store.searchResult({ q: 'pool', mode: 'hybrid' });
  expect(r).toMatchObject({ mode: 'text', note: expect.stringContaining('embedding provider failed') });
  expect(r.hits[0].key).toBe('db-pool');
});

describe('without an embedding provider', () => {
  let bare: MemoryStore;
  beforeAll(() => {
    bare = new MemoryStore(
      app.pool,
      testConfig({ DATABASE_URL: app.db.url, CLAUDE_FLOW_MEMORY_KEY: memoryKey }).memory,
    );
  });

  test('mode=semantic is a 400 saying how to configure one', async () => {
    expect(bare.embedder).toBeUndefined();
    await expect(bare.search({ q: 'pool', mode: 'semantic' })).rejects.toMatchObject({
      status: 400,
      detail: expect.stringMatching(/no embedding provider is configured.*OPENAI_API_KEY.*OPENAI_BASE_URL/),
    });
    const res = await request(createApp({ ...app, temporal: app.client, memory: bare }))
      .get(`${base}/search?q=pool&mode=semantic`)
      .expect(400);
    expect(res.body.detail).toContain('OPENAI_BASE_URL');
  });

  test('hybrid falls back to text with a note; the default is text', async () => {
    const r = await bare.searchResult({ q: 'pool', mode: 'hybrid' });
    expect(r).toMatchObject({ mode: 'text', note: expect.stringContaining('OPENAI_API_KEY') });
    expect(r.hits[0].key).toBe('db-pool');
    expect(await bare.searchResult({ q: 'pool', namespace: 'code/' })).toMatchObject({
      mode: 'text',
      hits: [{ key: 'db-pool' }],
    });
    expect((await bare.searchResult({ q: 'pool' })).note).toBeUndefined();
  });

  test('CLAUDE_FLOW_MEMORY_EMBEDDINGS=off turns embeddings off even with a provider', () => {
    const off = testConfig({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: fake.url, CLAUDE_FLOW_MEMORY_EMBEDDINGS: 'off' });
    expect(new MemoryStore(app.pool, off.memory).embedder).toBeUndefined();
  });
});
