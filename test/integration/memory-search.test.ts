// Search on a small known corpus: any meaningful word matches, key > tags > value weights, partial
// and misspelt words through the word list (pg_trgm), filters, snippets and bounded limits.
import type pg from 'pg';
import { createPool } from '../../lib/db';
import { MemoryStore } from '../../lib/memory';
import { freshDatabase, testConfig, type TestDatabase } from '../helpers/stack';

let db: TestDatabase;
let pool: pg.Pool;
let store: MemoryStore;

beforeAll(async () => {
  db = await freshDatabase();
  pool = createPool(db.url, 5);
  store = new MemoryStore(pool, testConfig({ DATABASE_URL: db.url }).memory);
  await store.bulkSet([
    {
      namespace: 'code/',
      key: 'authentication-flow',
      value: 'Users log in with OAuth; tokens refresh every hour.',
      tags: ['security'],
    },
    {
      namespace: 'code/',
      key: 'database-pool',
      value: 'The pool holds ten connections; authentication uses pgbouncer.',
    },
    {
      namespace: 'decisions/',
      key: 'adr-007',
      value: { title: 'Use Temporal', why: 'durable retries for workflows' },
      tags: ['authentication'],
    },
    {
      namespace: 'errors/',
      key: 'timeout-2026',
      value: 'Provider timed out after 30 seconds during a review.',
      tags: ['provider'],
    },
    { namespace: 'sessions/s1/', key: 'summary', value: 'We discussed caching and the retry policy of activities.' },
    {
      namespace: 'performance/',
      key: 'latency-baseline',
      value: { p50: 12, p99: 40, note: 'search latency baseline' },
    },
  ]);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const keys = async (input: Parameters<MemoryStore['search']>[0]) => (await store.search(input)).map((h) => h.key);

test('a word in the key outranks it in tags, which outranks it in the value', async () => {
  expect(await keys({ q: 'authentication' })).toEqual(['authentication-flow', 'adr-007', 'database-pool']);
});

test('websearch syntax: phrases and exclusions', async () => {
  expect(await keys({ q: '"timed out"' })).toEqual(['timeout-2026']);
  expect(await keys({ q: 'authentication -pgbouncer' })).toEqual(['authentication-flow', 'adr-007']);
});

test('JSON values are searched by their strings and numbers', async () => {
  expect((await keys({ q: 'durable retries' }))[0]).toBe('adr-007');
});

test('any meaningful word matches; the entry holding more of them comes first; stop words decide nothing', async () => {
  expect(await keys({ q: 'durable retries' })).toEqual(['adr-007', 'summary']);
  expect(await keys({ q: 'what was the retry policy of the workflows?' })).toEqual(['summary', 'adr-007']);
  expect(await keys({ q: 'the of and' })).toEqual([]);
});

test('a misspelt word of a value or a tag finds the entry through the word list', async () => {
  expect((await keys({ q: 'pgbouncr' }))[0]).toBe('database-pool');
  expect((await keys({ q: 'securty' }))[0]).toBe('authentication-flow');
});

test('partial and misspelled keys match through trigrams', async () => {
  expect((await keys({ q: 'latency-base' }))[0]).toBe('latency-baseline');
  expect((await keys({ q: 'authentcation' }))[0]).toBe('authentication-flow');
  expect(await keys({ q: 'pool' })).toContain('database-pool');
});

test('filters: namespace prefix, tags, time range', async () => {
  expect(await keys({ q: 'authentication', namespace: 'code/' })).toEqual(['authentication-flow', 'database-pool']);
  expect(await keys({ q: 'authentication', tags: ['security'] })).toEqual(['authentication-flow']);
  expect(await keys({ q: 'authentication', to: '2000-01-01T00:00:00Z' })).toEqual([]);
  expect(await keys({ q: 'retry', namespace: 'sessions/' })).toEqual(['summary']);
});

test('hits carry scores in order and snippets marking the match', async () => {
  const hits = await store.search({ q: 'caching retry' });
  expect(hits[0].key).toBe('summary');
  expect(hits[0].snippet).toContain('<b>caching</b>');
  const scores = (await store.search({ q: 'authentication' })).map((h) => h.score);
  expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  expect(scores[0]).toBeGreaterThan(scores[2]);
});

test('limits are bounded and empty or overlong queries are 400s', async () => {
  expect(await store.search({ q: 'authentication', limit: 1 })).toHaveLength(1);
  await expect(store.search({ q: '   ' })).rejects.toMatchObject({
    status: 400,
    detail: expect.stringContaining('q is empty'),
  });
  await expect(store.search({ q: 'x'.repeat(501) })).rejects.toMatchObject({ status: 400 });
});
