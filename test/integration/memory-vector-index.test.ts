// Semantic search through the process's vector index (lib/memory/vector-index.ts): real PostgreSQL,
// embeddings from the wire-level fake OpenAI server (bag-of-words vectors). Checked: answers equal
// exact search over every embedded entry; writes, rewrites, deletes and clears of this process and
// of another are seen by the next search (deletions through memory_embedding_gone, pruned after a day); a transaction committing after a later one is not missed;
// filtered searches are exact; while the index loads, search answers in SQL and says so.
import type pg from 'pg';
import { createPool } from '../../lib/db';
import { MemoryStore } from '../../lib/memory';
import { seeded } from '../../bench/random';
import { SEMANTIC_CANDIDATES } from '../../lib/memory/search';
import { bagOfWordsEmbedding, startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai';
import { freshDatabase, testConfig, type TestDatabase } from '../helpers/stack';

jest.setTimeout(180_000);

const DIMS = 256;
const MODEL = 'text-embedding-3-small';
/** More than SQL compares, so an answer from the newest SEMANTIC_CANDIDATES alone would miss some. */
const ENTRIES = SEMANTIC_CANDIDATES + 1_500;

let fake: FakeOpenAIServer;
let db: TestDatabase;
let pool: pg.Pool;
let other: pg.Pool;
let store: MemoryStore;
let elsewhere: MemoryStore;

// Deterministic notes over a vocabulary of 400 words, 8 words each.
const WORDS = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}q`);
const rand = seeded(17);
const words = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');

const config = (url: string) =>
  testConfig({ DATABASE_URL: url, OPENAI_API_KEY: 'sk-vec', OPENAI_BASE_URL: fake.url, OPENAI_EMBEDDING_MODEL: MODEL })
    .memory;

/** Exact semantic ranking over every embedded live entry (optionally under a namespace): the truth. */
async function exact(q: string, limit: number, namespace?: string): Promise<string[]> {
  const r = await pool.query<{ name: string }>(
    `SELECT e.namespace || e.key AS name FROM memory_entry e
       CROSS JOIN LATERAL (SELECT sum(a::float8 * b) AS s FROM unnest(e.embedding, $1::float8[]) t(a, b)) x
      WHERE e.embedding IS NOT NULL AND (e.expires_at IS NULL OR e.expires_at > now()) AND x.s > 0
        AND ($3::text IS NULL OR e.namespace LIKE $3 || '%')
      ORDER BY x.s DESC, e.updated_at DESC, e.namespace, e.key LIMIT $2`,
    [bagOfWordsEmbedding(q, DIMS), limit, namespace ?? null],
  );
  return r.rows.map((row) => row.name);
}

const names = async (q: string, limit: number, namespace?: string) => {
  const r = await store.searchResult({ q, mode: 'semantic', limit, ...(namespace ? { namespace } : {}) });
  expect(r.note).toBeUndefined();
  return r.hits.map((h) => h.namespace + h.key);
};

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-vec', embeddingDims: DIMS });
  db = await freshDatabase();
  pool = createPool(db.url, 4);
  other = createPool(db.url, 2);
  store = new MemoryStore(pool, config(db.url));
  elsewhere = new MemoryStore(other, config(db.url));
  for (let i = 0; i < ENTRIES; i += 1_000) {
    await store.bulkSet(
      Array.from({ length: Math.min(1_000, ENTRIES - i) }, (_, j) => ({
        namespace: `notes/${(i + j) % 7}/`,
        key: `n${i + j}`,
        value: words(8),
      })),
    );
  }
  const pending = await pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM memory_entry WHERE embedding IS NULL OR embedding_pending',
  );
  expect(Number(pending.rows[0].n)).toBe(0);
  await store.vectors?.load(MODEL, DIMS);
});
afterAll(async () => {
  store?.close();
  elsewhere?.close();
  await pool?.end();
  await other?.end();
  await db?.drop();
  await fake?.close();
});

test('while the index loads, search answers in SQL and says so; once loaded, it holds every embedded entry', async () => {
  const starting = new MemoryStore(pool, config(db.url));
  try {
    const first = await starting.searchResult({ q: words(3), mode: 'semantic' });
    expect(first.note).toMatch(/vector index is loading .*newest 5,000 embedded entries/);
    expect(first.hits.length).toBeGreaterThan(0);
    await starting.vectors?.load(MODEL, DIMS);
    expect(starting.vectors?.status()).toMatchObject({ state: 'ready', model: MODEL, dims: DIMS, size: ENTRIES });
    expect((await starting.searchResult({ q: words(3), mode: 'semantic' })).note).toBeUndefined();
  } finally {
    starting.close();
  }
});

test('answers equal exact search over every embedded entry', async () => {
  let same = 0;
  let total = 0;
  for (let i = 0; i < 30; i++) {
    const q = words(3);
    const [got, want] = [await names(q, 10), await exact(q, 10)];
    total += want.length;
    same += got.filter((n) => want.includes(n)).length;
  }
  expect(total).toBeGreaterThan(250);
  expect(same / total).toBeGreaterThanOrEqual(0.95);
});

test("a write, a rewrite and a delete, in this process or another, are in the next search's answer", async () => {
  const q = 'zebra quokka narwhal';
  await store.set({ namespace: 'fresh/', key: 'mine', value: 'zebra quokka narwhal' });
  expect((await names(q, 3))[0]).toBe('fresh/mine');
  await elsewhere.set({ namespace: 'fresh/', key: 'theirs', value: 'zebra quokka narwhal axolotl' });
  expect((await names(q, 3)).slice(0, 2).sort()).toEqual(['fresh/mine', 'fresh/theirs']);
  await elsewhere.set({ namespace: 'fresh/', key: 'mine', value: 'something else entirely' });
  expect((await names(q, 3))[0]).toBe('fresh/theirs');
  expect(await names('something else entirely', 1)).toEqual(['fresh/mine']);
  // Deletions are read like changes (memory_embedding_gone): a search that never meets the deleted
  // entries (filtered to another namespace) drops them from the index all the same.
  const before = store.vectors?.status().size ?? 0;
  await elsewhere.delete('fresh/', 'theirs');
  await names(q, 3, 'notes/1/');
  expect(store.vectors?.status().size).toBe(before - 1);
  expect(await names(q, 3)).not.toContain('fresh/theirs');
  expect(await elsewhere.clearNamespace('fresh/')).toBe(1);
  await names(q, 3, 'notes/1/');
  expect(store.vectors?.status().size).toBe(before - 2);
  expect(await names('something else entirely', 3)).not.toContain('fresh/mine');
});

test('memory maintenance forgets deletions older than a day', async () => {
  const noted = async () =>
    Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM memory_embedding_gone')).rows[0].n);
  expect(await noted()).toBeGreaterThanOrEqual(2);
  await pool.query(`UPDATE memory_embedding_gone SET created_at = now() - interval '2 days'`);
  await store.set({ namespace: 'fresh/', key: 'brief', value: 'here and gone' });
  await store.delete('fresh/', 'brief');
  await store.expire();
  expect(await noted()).toBe(1);
});

test('an embedding committed after a later one is still found', async () => {
  await store.set({ namespace: 'late/', key: 'slow', value: 'placeholder text' });
  await store.set({ namespace: 'late/', key: 'quick', value: 'placeholder text too' });
  const slow = await other.connect();
  try {
    await slow.query('BEGIN');
    await slow.query(`UPDATE memory_entry SET embedding = $1::real[] WHERE namespace = 'late/' AND key = 'slow'`, [
      bagOfWordsEmbedding('pangolin ocelot', DIMS),
    ]);
    // A later transaction commits first, and a search reads it (the index moves on).
    await pool.query(`UPDATE memory_entry SET embedding = $1::real[] WHERE namespace = 'late/' AND key = 'quick'`, [
      bagOfWordsEmbedding('pangolin ocelot tapir', DIMS),
    ]);
    expect((await names('pangolin ocelot', 2))[0]).toBe('late/quick');
    await slow.query('COMMIT');
  } finally {
    slow.release();
  }
  expect(await names('pangolin ocelot', 2)).toEqual(['late/slow', 'late/quick']);
});

test('a filtered search scores every entry within the filters exactly', async () => {
  for (let i = 0; i < 10; i++) {
    const q = words(3);
    expect(await names(q, 10, 'notes/3/')).toEqual(await exact(q, 10, 'notes/3/'));
  }
});

test('an entry that expired or lost its embedding is not answered', async () => {
  await store.set({ namespace: 'gone/', key: 'soon', value: 'wombat dingo', ttlSeconds: 3600 });
  expect((await names('wombat dingo', 1))[0]).toBe('gone/soon');
  await pool.query(`UPDATE memory_entry SET expires_at = now() - interval '1 second' WHERE namespace = 'gone/'`);
  expect(await names('wombat dingo', 3)).not.toContain('gone/soon');
});
