// bench/memory: retrieval quality and speed together. First the evaluation set
// (bench/memory-eval/set.json: 400 notes, 100 queries per kind): recall@5 and MRR per kind with
// their latency, in text mode (no embedding provider); the paraphrase kind is only meaningful with
// embeddings, so it is reported in hybrid mode when OPENAI_BASE_URL or OPENAI_API_KEY names one.
// Then memory search p50/p95 at 100k and 1M entries (queries of a rare word, of two common words,
// and natural questions mixing both), against a primary-key lookup in the same run; and
// MemoryStore.get against the same row read with raw `pg`; then semantic search with 384-dimension
// vectors through the vector index (bench/memory-semantic.ts), with recall@5 against exact search. Targets (DESIGN §6): search p95 under
// 20 ms at 1M; get within 1.5x of raw; recall@5 >= 0.9 exact, >= 0.8 misspelt and question.
//
//   npx tsx bench/memory.ts [sizes=100000,1000000] [queries=300]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findProjectRoot, loadConfig } from '../lib/config';
import { createPool } from '../lib/db';
import { MemoryStore } from '../lib/memory';
import { applyMigrations, migrationsDir } from '../lib/migrations';
import { startEmbeddedPostgres } from '../stack/postgres';
import { freePort } from '../stack/temporal-server';
import { evaluate, evalTable, loadEvalSet } from './memory-eval/evaluate';
import { embedEntries, measureSemantic, queryEmbedder, semanticRow, Vectors } from './memory-semantic';

const SIZES = (process.argv[2] ?? '100000,1000000').split(',').map(Number);
const QUERIES = Number(process.argv[3] ?? 300);

// A synthetic vocabulary with a natural (Zipf-like) spread: a few words are very common, most are
// rare, as in real notes and code. 4,000 three-syllable words; entries draw 12 words each with
// probability skewed toward the low ranks, so the indexes face realistic selectivity.
const SYLLABLES = [
  'ka',
  'to',
  'ri',
  'me',
  'su',
  'lo',
  'na',
  'pe',
  'vi',
  'do',
  'ga',
  'ne',
  'zu',
  'fa',
  'hi',
  'mo',
  'ba',
  'te',
  'wu',
  'ro',
];
const WORDS: string[] = [];
for (let a = 0; a < SYLLABLES.length && WORDS.length < 4000; a++)
  for (let b = 0; b < SYLLABLES.length && WORDS.length < 4000; b++)
    for (let c = 0; c < SYLLABLES.length && WORDS.length < 4000; c++)
      WORDS.push(SYLLABLES[a] + SYLLABLES[b] + SYLLABLES[c]);
/** SQL for the rank of word j of entry i: deterministic, skewed toward common words. */
const RANK = (i: string, j: string) =>
  `1 + floor(${WORDS.length - 1} * power(((${i}::bigint * 2654435761 + ${j} * 40503) % 1000003)::float8 / 1000003, 3))::int`;

const pct = (s: number[], p: number) => [...s].sort((a, b) => a - b)[Math.min(s.length - 1, Math.floor(p * s.length))];

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 20; i++) await fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

async function main(): Promise<void> {
  const root = findProjectRoot();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-bench-mem-'));
  fs.chmodSync(tmp, 0o755);
  const pg = await startEmbeddedPostgres(root, {
    dataDir: path.join(tmp, 'pg'),
    port: await freePort(),
    logFile: path.join(tmp, 'pg.log'),
  });
  try {
    await applyMigrations(pg.url, migrationsDir(root));
    const pool = createPool(pg.url, 4);
    // eslint-disable-next-line no-restricted-properties -- the bench passes a provider through when one is named
    const env = process.env;
    const provider = env.OPENAI_BASE_URL || env.OPENAI_API_KEY;
    const named = Object.fromEntries(
      ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'OPENAI_EMBEDDING_MODEL'].flatMap((k) => (env[k] ? [[k, env[k]]] : [])),
    ) as Record<string, string>;
    const config = loadConfig({ env: { DATABASE_URL: pg.url, ...named } });
    const store = new MemoryStore(pool, config.memory, provider ? {} : { embedder: null });
    await pool.query(`CREATE TEMP TABLE IF NOT EXISTS _w AS SELECT 1`); // warm a connection

    const set = loadEvalSet();
    await store.bulkSet(set.entries);
    await pool.query('ANALYZE memory_entry');
    const quality = [evalTable(await evaluate(store, set, 'text', ['exact', 'misspelt', 'question']), 'text')];
    if (store.embedder) quality.push(evalTable(await evaluate(store, set, 'hybrid'), 'hybrid'));
    else
      quality.push('(paraphrase: no embedding provider named, so not measured; set OPENAI_BASE_URL to measure hybrid)');
    await pool.query('TRUNCATE memory_entry CASCADE');
    const rows: string[] = [];
    const semantic: string[] = [];
    const vectors = new Vectors();
    let have = 0;
    for (const size of SIZES) {
      const t0 = performance.now();
      const loader = await pool.connect();
      // The secondary indexes are built after the load (as a restore would), not row by row: the
      // same definitions, read back from the catalog.
      const indexes = (
        await loader.query<{ name: string; def: string }>(
          `SELECT indexname AS name, indexdef AS def FROM pg_indexes
            WHERE tablename = 'memory_entry' AND indexname NOT IN ('memory_entry_pkey', 'memory_entry_namespace_key_key')`,
        )
      ).rows;
      for (const ix of indexes) await loader.query(`DROP INDEX "${ix.name}"`);
      // Text values of 12 words; keys and namespaces spread like real use.
      await loader.query(
        `INSERT INTO memory_entry (namespace, key, value_type, value, size, stored_size, tags, version, search_vector)
         SELECT ns, k, 'text', convert_to(v, 'UTF8'), octet_length(v), octet_length(v), ARRAY[t], 1,
                setweight(to_tsvector('english', regexp_replace(k, '[/_.:]+', ' ', 'g')), 'A') ||
                setweight(to_tsvector('english', t), 'B') || setweight(to_tsvector('english', v), 'C')
           FROM (SELECT i,
                        'bench/' || (i % 50) || '/' AS ns,
                        'entry-' || i || '-' || ($3::text[])[${RANK('i', '97')}] AS k,
                        ($3::text[])[${RANK('i', '89')}] AS t,
                        (SELECT string_agg(($3::text[])[${RANK('i', 'j')}], ' ') FROM generate_series(1, 12) j) AS v
                   FROM generate_series($1::int + 1, $2::int) i) src`,
        [have, size, WORDS],
      );
      await loader.query(`SET maintenance_work_mem = '512MB'`);
      for (const ix of indexes) await loader.query(ix.def);
      await loader.query('SELECT memory_word_fold()'); // as memory maintenance does
      await loader.query('VACUUM ANALYZE memory_entry');
      loader.release();
      const loadSeconds = ((performance.now() - t0) / 1000).toFixed(0);
      have = size;

      // Words by rank: the first few hundred are common (in many entries), the last ones rare.
      const rare = (i: number) => WORDS[WORDS.length - 1 - ((i * 37) % 1000)];
      const common = (i: number) => WORDS[(i * 7) % 40];
      const kinds: [string, (i: number) => string][] = [
        ['rare word', (i) => rare(i)],
        ['two common words', (i) => `${common(i)} ${common(i + 3)}`],
        ['question', (i) => `what did we decide about ${rare(i)} and the ${common(i)} in the ${common(i + 5)}?`],
      ];
      const timed: Record<string, number[]> = {};
      for (const [kind, q] of kinds) timed[kind] = await timeEach(QUERIES, (i) => store.search({ q: q(i), limit: 20 }));
      const filtered = await timeEach(QUERIES, (i) =>
        store.search({ q: kinds[2][1](i), namespace: `bench/${i % 50}/`, limit: 20 }),
      );
      const ids = (
        await pool.query<{ id: string }>('SELECT id FROM memory_entry TABLESAMPLE SYSTEM (1) LIMIT 1000')
      ).rows.map((r) => r.id);
      const pk = await timeEach(QUERIES, (i) =>
        pool.query('SELECT * FROM memory_entry WHERE id = $1', [ids[i % ids.length]]),
      );
      const keys = (
        await pool.query<{ namespace: string; key: string }>(
          'SELECT namespace, key FROM memory_entry WHERE id = ANY($1::bigint[])',
          [ids.slice(0, 200)],
        )
      ).rows;
      const raw = await timeEach(QUERIES, (i) =>
        pool.query('SELECT * FROM memory_entry WHERE namespace = $1 AND key = $2', [
          keys[i % keys.length].namespace,
          keys[i % keys.length].key,
        ]),
      );
      const get = await timeEach(QUERIES, (i) => store.get(keys[i % keys.length].namespace, keys[i % keys.length].key));
      // Semantic search: every entry gets a 384-dimension vector; a fresh store loads its index.
      const range = await embedEntries(pool, vectors);
      await pool.query('VACUUM ANALYZE memory_entry');
      const embedder = queryEmbedder(vectors);
      const indexed = new MemoryStore(pool, config.memory, { embedder });
      const inSql = new MemoryStore(pool, { ...config.memory, vectorIndex: 'off' }, { embedder });
      semantic.push(semanticRow(size, await measureSemantic(pool, indexed, inSql, vectors, range, QUERIES, 10)));
      indexed.close();
      const f = (n: number) => n.toFixed(2);
      rows.push(
        `| ${size.toLocaleString('en')} | ${loadSeconds} | ${kinds.map(([k]) => `${f(pct(timed[k], 0.5))} / ${f(pct(timed[k], 0.95))}`).join(' | ')} | ${f(pct(filtered, 0.5))} / ${f(pct(filtered, 0.95))} | ${f(pct(pk, 0.5))} / ${f(pct(pk, 0.95))} | ${f(pct(raw, 0.5))} | ${f(pct(get, 0.5))} | ${(pct(get, 0.5) / pct(raw, 0.5)).toFixed(2)}x |`,
      );
    }
    console.log('bench/memory: retrieval quality on the evaluation set (400 entries, 100 queries per kind)\n');
    console.log(quality.join('\n\n'));
    console.log(`\nsearch speed: ${QUERIES} queries per measurement (after 20 warm-up), ms as p50 / p95\n`);
    console.log(
      '| entries | load s | rare word | two common words | question | question (one namespace) | primary-key lookup | raw pg get p50 | MemoryStore.get p50 | get / raw |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) console.log(r);
    console.log(
      `\nsemantic search (384 dimensions, limit 20): ${QUERIES} queries through the vector index, 10 in SQL; recall@5 of 50 queries against exact search over every vector\n`,
    );
    console.log(
      '| entries | index load s | index memory MB | indexed p50 / p95 ms | recall@5 | in SQL (newest 5,000) p50 / p95 ms |',
    );
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const r of semantic) console.log(r);
    console.log(
      '\ntargets: search p95 < 20 ms at 1M; get within 1.5x raw; recall@5 >= 0.9 exact, >= 0.8 misspelt and question; semantic recall@5 >= 0.95',
    );
    await store.close?.();
    await pool.end();
  } finally {
    await pg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
