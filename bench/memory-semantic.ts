// Semantic memory search at scale, for bench/memory.ts: gives every entry a 384-dimension unit
// vector and times mode=semantic through the process's vector index (lib/memory/vector-index.ts),
// its recall@5 against exact search over every vector, and the SQL comparison it replaces.
//
// The vectors are synthetic but shaped like text embeddings: points of 500 topics in a
// 48-dimension space of meaning, mapped into 384 dimensions with a little noise, so neighbours
// are close in a low-dimensional structure as real embeddings are (uniformly random vectors have
// no near neighbours at all). A query is a new point of a topic. Without a provider on this machine
// the query's vector comes from the same generator, through the store's Embedder interface: what
// is measured is the search, not the provider.
import type pg from 'pg';
import usearch from 'usearch';
import type { Embedder } from '../lib/memory/embeddings';
import type { MemoryStore } from '../lib/memory';
import { gaussian, seeded } from './random';

export const DIMS = 384;
export const MODEL = 'bench-384';
const LATENT = 48;
const TOPICS = 500;

/** Deterministic vectors: entry i always gets the same one, query j too. */
export class Vectors {
  private readonly projection: Float32Array[];
  private readonly topics: Float64Array[];

  constructor() {
    const gauss = gaussian(seeded(384));
    this.projection = Array.from({ length: LATENT }, () => Float32Array.from({ length: DIMS }, gauss));
    this.topics = Array.from({ length: TOPICS }, () => Float64Array.from({ length: LATENT }, gauss));
  }

  /** Vector `i` of stream `seed` (entries 1, queries 2). */
  at(seed: number, i: number, out = new Float32Array(DIMS)): Float32Array {
    const r = seeded(seed * 1_000_003 + i);
    const gauss = gaussian(r);
    const topic = this.topics[Math.floor(r() * TOPICS)];
    out.fill(0);
    for (let l = 0; l < LATENT; l++) {
      const z = topic[l] + 0.7 * gauss();
      const p = this.projection[l];
      for (let d = 0; d < DIMS; d++) out[d] += z * p[d];
    }
    let norm = 0;
    for (let d = 0; d < DIMS; d++) {
      out[d] += 0.3 * gauss();
      norm += out[d] * out[d];
    }
    norm = Math.sqrt(norm);
    for (let d = 0; d < DIMS; d++) out[d] /= norm;
    return out;
  }
}

/** An Embedder answering `q<j>` with query vector j (see the header). */
export function queryEmbedder(vectors: Vectors): Embedder {
  return {
    model: MODEL,
    async embed(texts) {
      return texts.map((t) => Array.from(vectors.at(2, Number(t.slice(1)))));
    },
  };
}

/** Gives every entry without an embedding its vector (by id) and MODEL, in batches; returns the ids' range. */
export async function embedEntries(pool: pg.Pool, vectors: Vectors): Promise<{ first: number; last: number }> {
  const r = await pool.query<{ first: string; last: string }>(
    'SELECT min(id) AS first, max(id) AS last FROM memory_entry',
  );
  const [first, last] = [Number(r.rows[0].first), Number(r.rows[0].last)];
  const v = new Float32Array(DIMS);
  for (let start = first; start <= last; start += 2_000) {
    const ids: number[] = [];
    const texts: string[] = [];
    for (let id = start; id <= Math.min(last, start + 1_999); id++) {
      ids.push(id);
      texts.push(`{${Array.from(vectors.at(1, id, v), (x) => x.toPrecision(6)).join(',')}}`);
    }
    await pool.query(
      `UPDATE memory_entry e SET embedding = v.emb::real[], embedding_model = '${MODEL}'
         FROM unnest($1::bigint[], $2::text[]) AS v(id, emb) WHERE e.id = v.id AND e.embedding IS NULL`,
      [ids, texts],
    );
  }
  return { first, last };
}

const pct = (s: number[], p: number) => [...s].sort((a, b) => a - b)[Math.min(s.length - 1, Math.floor(p * s.length))];

export interface SemanticFigures {
  loadSeconds: number;
  rssMb: number;
  indexed: number[];
  sql: number[];
  recall: number;
}

/**
 * Loads `store`'s index (timed, with the process's resident memory before and after), then times
 * `queries` semantic searches through it and `sqlQueries` through `sqlStore` (no index), and
 * measures recall@5 of the index's answers against exact search over every entry's vector.
 */
export async function measureSemantic(
  pool: pg.Pool,
  store: MemoryStore,
  sqlStore: MemoryStore,
  vectors: Vectors,
  ids: { first: number; last: number },
  queries: number,
  sqlQueries: number,
): Promise<SemanticFigures> {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  await store.vectors?.load(MODEL, DIMS);
  const loadSeconds = (performance.now() - t0) / 1000;
  const rssMb = (process.memoryUsage().rss - rss0) / 1e6;
  const time = async (s: MemoryStore, n: number, offset: number) => {
    const out: number[] = [];
    for (let i = 0; i < n + 5; i++) {
      const t = performance.now();
      await s.searchResult({ q: `q${offset + i}`, mode: 'semantic', limit: 20 });
      if (i >= 5) out.push(performance.now() - t);
    }
    return out;
  };
  const indexed = await time(store, queries, 0);
  const sql = await time(sqlStore, sqlQueries, 0);
  // Recall@5 against exact search over every vector (usearch's exact scan, in this process).
  const count = ids.last - ids.first + 1;
  const all = new Float32Array(count * DIMS);
  for (let i = 0; i < count; i++) vectors.at(1, ids.first + i, all.subarray(i * DIMS, (i + 1) * DIMS));
  let hit = 0;
  const probes = 50;
  for (let j = 0; j < probes; j++) {
    const q = vectors.at(2, 10_000 + j);
    const exact = usearch.exactSearch(all, q, DIMS, 5, usearch.MetricKind.IP, 1);
    const want = new Set(Array.from(exact.keys, (k) => Number(k) + ids.first));
    const got = await store.search({ q: `q${10_000 + j}`, mode: 'semantic', limit: 5 });
    const found = await pool.query<{ id: string }>(
      'SELECT e.id FROM memory_entry e JOIN unnest($1::text[], $2::text[]) AS h(ns, k) ON e.namespace = h.ns AND e.key = h.k',
      [got.map((h) => h.namespace), got.map((h) => h.key)],
    );
    hit += found.rows.filter((row) => want.has(Number(row.id))).length;
  }
  return {
    loadSeconds,
    rssMb,
    indexed,
    sql,
    recall: hit / (5 * probes),
  };
}

export const semanticRow = (size: number, f: SemanticFigures) =>
  `| ${size.toLocaleString('en')} | ${f.loadSeconds.toFixed(0)} | ${f.rssMb.toFixed(0)} | ${pct(f.indexed, 0.5).toFixed(2)} / ${pct(f.indexed, 0.95).toFixed(2)} | ${f.recall.toFixed(3)} | ${pct(f.sql, 0.5).toFixed(0)} / ${pct(f.sql, 0.95).toFixed(0)} |`;
