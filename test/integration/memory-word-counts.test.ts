// The word counts behind the text ranking's idf (memory_word_count plus memory_word_delta, kept by
// triggers on memory_entry): after writes, rewrites, deletes, a namespace clear and a truncate,
// each word's count is what counting the entries gives, before and after the deltas are folded;
// a fold in progress never makes a writer wait; and concurrent writers adding the same new words
// in any order never deadlock.
import type pg from 'pg';
import { createPool } from '../../lib/db';
import { MemoryStore } from '../../lib/memory';
import { searchVector } from '../../lib/memory/columns';
import { foldWordCounts } from '../../lib/memory/maintenance';
import { freshDatabase, testConfig, type TestDatabase } from '../helpers/stack';

jest.setTimeout(60_000);

let db: TestDatabase;
let pool: pg.Pool;
let store: MemoryStore;

beforeAll(async () => {
  db = await freshDatabase();
  pool = createPool(db.url, 4);
  store = new MemoryStore(pool, testConfig({ DATABASE_URL: db.url }).memory, { embedder: null });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** Per word: [entries holding it, entries holding it in key or tags], as the counts say. */
async function kept(): Promise<Record<string, [number, number]>> {
  const r = await pool.query<{ word: string; df: string; key_df: string }>(
    `SELECT word, sum(df) AS df, sum(key_df) AS key_df FROM (
       SELECT word, df, key_df FROM memory_word_count UNION ALL SELECT word, df, key_df FROM memory_word_delta) c
      GROUP BY word HAVING sum(df) <> 0 OR sum(key_df) <> 0`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.word, [Number(x.df), Number(x.key_df)]]));
}

/** The same, counted from the entries. */
async function counted(): Promise<Record<string, [number, number]>> {
  const r = await pool.query<{ word: string; df: string; key_df: string }>(
    `SELECT word, COALESCE(a.ndoc, 0) AS df, COALESCE(k.ndoc, 0) AS key_df
       FROM ts_stat('SELECT search_vector FROM memory_entry WHERE search_vector IS NOT NULL') a
       FULL JOIN ts_stat('SELECT key_tags_vector FROM memory_entry') k USING (word)`,
  );
  const n = (await pool.query<{ n: string }>('SELECT count(*) AS n FROM memory_entry')).rows[0].n;
  const out: Record<string, [number, number]> = Object.fromEntries(
    r.rows.map((x) => [x.word, [Number(x.df), Number(x.key_df)]]),
  );
  if (Number(n) > 0) out[''] = [Number(n), 0];
  return out;
}

test('counts follow writes, rewrites, deletes and clears, before and after folding', async () => {
  await store.bulkSet([
    { namespace: 'ops/', key: 'deploy-checklist', value: 'Steps before a deploy ships.', tags: ['deploy'] },
    { namespace: 'ops/', key: 'release-7', value: 'The canary went well.', tags: ['deploy', 'canary'] },
    { namespace: 'notes/', key: 'quokka', value: 'A quokka ate the deploy notes.' },
  ]);
  await store.set({ namespace: 'notes/', key: 'lunch', value: 'Pizza on Friday.' });
  expect(await kept()).toEqual(await counted());
  expect((await kept())['deploy']).toEqual([3, 2]);

  // A rewrite moves counts from the old words to the new ones; a delete takes its words away.
  await store.set({ namespace: 'ops/', key: 'release-7', value: 'Rolled back after the canary failed.' });
  await store.delete('notes/', 'lunch');
  expect(await kept()).toEqual(await counted());
  expect((await kept())['pizza']).toBeUndefined();

  await foldWordCounts(pool);
  expect(Number((await pool.query('SELECT count(*) AS n FROM memory_word_delta')).rows[0].n)).toBe(0);
  expect(await kept()).toEqual(await counted());

  await store.clearNamespace('notes/');
  expect(await kept()).toEqual(await counted());
  expect((await kept())['quokka']).toBeUndefined();
  expect((await kept())['']).toEqual([2, 0]);

  await pool.query('TRUNCATE memory_entry CASCADE');
  expect(await kept()).toEqual({});
});

test('a fold running in another transaction neither blocks a write nor loses its counts', async () => {
  const folder = await pool.connect();
  try {
    await folder.query('BEGIN');
    await folder.query('SELECT memory_word_fold()');
    // The fold holds its rows until it commits; a writer meanwhile only appends deltas.
    await store.set({ namespace: 'ops/', key: 'release-9', value: 'The deploy of release nine went out.' });
    await folder.query('COMMIT');
  } finally {
    folder.release();
  }
  expect(await kept()).toEqual(await counted());
  await foldWordCounts(pool);
  expect(await kept()).toEqual(await counted());
});

/** A transaction on its own connection; `write` inserts one entry whose value is `words` (one statement). */
async function writer(): Promise<{
  write: (key: string, words: string) => Promise<unknown>;
  end: () => Promise<void>;
}> {
  const c = await pool.connect();
  await c.query('BEGIN');
  return {
    write: (key, words) =>
      c.query(
        `INSERT INTO memory_entry (namespace, key, value_type, value, size, stored_size, tags, version, search_vector)
         SELECT 'race/', $1, 'text', convert_to($2, 'UTF8'), 1, 1, '{}', 1, ${searchVector('$1', "'{}'::text[]", '$2')}`,
        [key, words],
      ),
    end: async () => {
      try {
        await c.query('COMMIT');
      } finally {
        c.release();
      }
    },
  };
}

test('two transactions writing the same new words in opposite orders both commit (no deadlock)', async () => {
  // Each writes a word the other writes next: under a unique word list each would wait for the
  // other's uncommitted word, and PostgreSQL would abort one of them as a deadlock.
  const a = await writer();
  const b = await writer();
  await a.write('a1', 'zygomorphic');
  await b.write('b1', 'aardwolves');
  const second = [a.write('a2', 'aardwolves'), b.write('b2', 'zygomorphic')];
  const outcomes = await Promise.allSettled(second);
  await Promise.all([a.end(), b.end()]);
  expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok'))).toEqual(['ok', 'ok']);
  expect(await kept()).toEqual(await counted());
  await foldWordCounts(pool);
  const listed = await pool.query<{ word: string }>(
    `SELECT word FROM memory_word WHERE word IN ('zygomorph', 'aardwolv', 'aardwolves', 'zygomorphic') ORDER BY word`,
  );
  expect(listed.rows.map((r) => r.word)).toEqual(['aardwolv', 'zygomorph']);
});

test('many concurrent writers of overlapping new words: every write lands, counts stay exact', async () => {
  const words = Array.from({ length: 12 }, (_, i) => `quillwort${String.fromCharCode(97 + i)}x`);
  const shuffled = (seed: number) =>
    [...words].sort((x, y) => ((x.charCodeAt(9) * seed) % 13) - ((y.charCodeAt(9) * seed) % 13));
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, (_, w) =>
      store.bulkSet(
        shuffled(w + 2).map((word, i) => ({ namespace: 'crowd/', key: `w${w}-${i}`, value: `${word} note` })),
      ),
    ),
  );
  expect(
    results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
  ).toEqual([]);
  expect(await kept()).toEqual(await counted());
  await foldWordCounts(pool);
  expect(await kept()).toEqual(await counted());
  const dupes = await pool.query('SELECT word FROM memory_word GROUP BY word HAVING count(*) > 1');
  expect(dupes.rows).toEqual([]);
});
