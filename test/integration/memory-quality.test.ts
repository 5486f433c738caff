// Retrieval quality on the evaluation set (bench/memory-eval/set.json: 400 notes, 100 queries per
// kind), in text mode with no embedding provider; and top-k that is exact at 100,000 entries
// sharing a common word: the ranked first 20 are the first 20 of scoring every matching entry.
import type pg from 'pg';
import { evaluate, loadEvalSet, type KindResult } from '../../bench/memory-eval/evaluate';
import { createPool } from '../../lib/db';
import { MemoryStore } from '../../lib/memory';
import { searchVector } from '../../lib/memory/columns';
import { planQuery } from '../../lib/memory/query';
import { rankText, scoreOf } from '../../lib/memory/rank';
import { freshDatabase, testConfig, type TestDatabase } from '../helpers/stack';

jest.setTimeout(180_000);

describe('the evaluation set, text mode', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let results: Record<string, KindResult>;

  beforeAll(async () => {
    db = await freshDatabase();
    pool = createPool(db.url, 3);
    const store = new MemoryStore(pool, testConfig({ DATABASE_URL: db.url }).memory, { embedder: null });
    const set = loadEvalSet();
    await store.bulkSet(set.entries);
    const r = await evaluate(store, set, 'text', ['exact', 'misspelt', 'question']);
    results = Object.fromEntries(r.map((k) => [k.kind, k]));
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  // The misses are printed on failure: which query, and what came first instead.
  const check = (kind: string, atLeast: number) => {
    const r = results[kind];
    expect({
      kind,
      queries: r.queries,
      recallAt5: r.recallAt5 >= atLeast ? 'ok' : r.recallAt5,
      misses: r.misses,
    }).toEqual(expect.objectContaining({ kind, queries: 100, recallAt5: 'ok' }));
  };
  test('exact terms: recall@5 >= 0.9', () => check('exact', 0.9));
  test('one-edit misspellings: recall@5 >= 0.8', () => check('misspelt', 0.8));
  test('natural questions containing the term: recall@5 >= 0.8', () => check('question', 0.8));
});

describe('exact top-k at 100,000 entries sharing a common word', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: MemoryStore;
  const N = 100_000;

  beforeAll(async () => {
    db = await freshDatabase();
    pool = createPool(db.url, 3);
    store = new MemoryStore(pool, testConfig({ DATABASE_URL: db.url }).memory, { embedder: null });
    // The targets first (so they are the oldest: recency never brings them up), then 100,000
    // entries in one statement, every one holding "deploy" in its value, one in ten "canary" too,
    // and half "ember", the other half "frost": two common words that never meet.
    await store.bulkSet([
      { namespace: 'ops/', key: 'deploy-checklist', value: 'Steps before anything ships.' },
      { namespace: 'ops/', key: 'release-7', value: 'The canary went well.', tags: ['deploy', 'canary'] },
      { namespace: 'ops/', key: 'release-8', value: 'The deploy to quokka finished at noon.' },
    ]);
    await pool.query(`UPDATE memory_entry SET updated_at = now() - interval '1 day'`);
    await pool.query(
      `INSERT INTO memory_entry (namespace, key, value_type, value, size, stored_size, tags, version, search_vector)
       SELECT 'bulk/', k, 'text', convert_to(v, 'UTF8'), octet_length(v), octet_length(v), '{}', 1,
              ${searchVector('k', "'{}'::text[]", 'v')}
         FROM (SELECT 'note-' || i AS k,
                      'a deploy of build ' || i || CASE WHEN i % 10 = 0 THEN ' behind a canary' ELSE '' END ||
                      CASE WHEN i % 2 = 0 THEN ' in ember' ELSE ' in frost' END AS v
                 FROM generate_series(1, ${N}) i) s`,
    );
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** Every entry holding any of the query's terms, scored, best first: what exact top-k must agree with. */
  async function bruteForce(q: string, k: number): Promise<string[]> {
    const plan = await planQuery(pool, q);
    const r = await pool.query<{ id: string; at: Date; lexemes: string[]; weights: string[]; positions: string[] }>(
      `SELECT e.id, e.updated_at AS at, m.* FROM memory_entry e CROSS JOIN LATERAL (
         SELECT array_agg(u.lexeme) AS lexemes, array_agg(array_to_string(u.weights, '')) AS weights,
                array_agg(array_to_string(u.positions, ',')) AS positions
           FROM unnest(e.search_vector) u WHERE u.lexeme = ANY($1::text[])) m
        WHERE m.lexemes IS NOT NULL`,
      [plan.terms.map((t) => t.lexeme)],
    );
    expect(r.rows.length).toBeGreaterThanOrEqual(N);
    return r.rows
      .map((row) => ({ id: row.id, at: row.at.getTime(), score: scoreOf(plan, row) }))
      .sort((a, b) => b.score - a.score || b.at - a.at || Number(BigInt(b.id) - BigInt(a.id)))
      .slice(0, k)
      .map((x) => x.id);
  }

  const keys = async (q: string) => (await store.search({ q, limit: 20 })).map((h) => `${h.namespace}${h.key}`);

  test('a word in the key of the oldest entry: it comes first', async () => {
    expect((await keys('deploy'))[0]).toBe('ops/deploy-checklist');
  });

  test('a natural question with a rare word: the entry holding it comes first', async () => {
    expect((await keys('how did the deploy to quokka go?'))[0]).toBe('ops/release-8');
  });

  test('two common words, both in the tags of one old entry: it comes first', async () => {
    expect((await keys('deploy canary'))[0]).toBe('ops/release-7');
  });

  // "ember frost": the entries holding both are expected to be many and are none, so the walk
  // through the newest entries gives up and the fetch is done through the text indexes.
  test.each(['deploy', 'deploy canary', 'canary build', 'ember frost', 'how did the deploy to quokka go?'])(
    '"%s": the first 20 are those of scoring every matching entry',
    async (q) => {
      const plan = await planQuery(pool, q);
      const ranked = (await rankText(pool, plan, {}, 20)).map((r) => r.id);
      expect(ranked).toEqual(await bruteForce(q, 20));
    },
  );
});
