// bench/memory: memory search p50/p95 at 100k and 1M entries, against a primary-key lookup in the
// same run; and MemoryStore.get against the same row read with raw `pg`. Targets (DESIGN §6):
// search p95 under 20 ms at 1M; get within 1.5x of raw.
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
    const config = loadConfig({ env: { DATABASE_URL: pg.url } });
    const store = new MemoryStore(pool, config.memory);
    await pool.query(`CREATE TEMP TABLE IF NOT EXISTS _w AS SELECT 1`); // warm a connection
    const rows: string[] = [];
    let have = 0;
    for (const size of SIZES) {
      const t0 = performance.now();
      // Text values of 12 words; keys and namespaces spread like real use.
      await pool.query(
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
      await pool.query('VACUUM ANALYZE memory_entry');
      const loadSeconds = ((performance.now() - t0) / 1000).toFixed(0);
      have = size;

      const queries = [
        'retry timeout',
        'sealed encryption rotate',
        'flaky test coverage',
        'webhook github pull',
        'checkpoint rollback',
      ];
      const search = await timeEach(QUERIES, (i) => store.search({ q: queries[i % queries.length], limit: 20 }));
      const filtered = await timeEach(QUERIES, (i) =>
        store.search({ q: queries[i % queries.length], namespace: `bench/${i % 50}/`, limit: 20 }),
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
      const f = (n: number) => n.toFixed(2);
      rows.push(
        `| ${size.toLocaleString('en')} | ${loadSeconds} | ${f(pct(search, 0.5))} / ${f(pct(search, 0.95))} | ${f(pct(filtered, 0.5))} / ${f(pct(filtered, 0.95))} | ${f(pct(pk, 0.5))} / ${f(pct(pk, 0.95))} | ${f(pct(raw, 0.5))} | ${f(pct(get, 0.5))} | ${(pct(get, 0.5) / pct(raw, 0.5)).toFixed(2)}x |`,
      );
    }
    console.log(`bench/memory: ${QUERIES} queries per measurement (after 20 warm-up), ms as p50 / p95\n`);
    console.log(
      '| entries | load s | search (all) | search (one namespace) | primary-key lookup | raw pg get p50 | MemoryStore.get p50 | get / raw |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) console.log(r);
    console.log('\ntargets: search p95 < 20 ms at 1M; get within 1.5x raw');
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
