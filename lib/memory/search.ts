// Search over memory, in three modes:
// - text: any meaningful word of the query matches; entries holding more and rarer words rank first,
//   key over tags over value, neighbouring words as in the query earn a bonus, and a word no entry
//   holds is replaced by its nearest words from the word list (misspellings). `"phrases"` must
//   appear and `-words` must not. Top-k is exact for that score (query.ts plans, rank.ts ranks).
// - semantic: cosine similarity of the query's embedding to the stored embeddings (unit vectors, so
//   a dot product): the nearest entries by this process's vector index (vector-index.ts), scored
//   exactly; while it loads, in SQL over the newest SEMANTIC_CANDIDATES embedded entries.
// - hybrid: reciprocal rank fusion of the two rankings (each its best HYBRID_DEPTH): score =
//   sum of 1 / (RRF_K + rank) over the rankings an entry appears in.
// Hits are bounded and carry a snippet of the value (never for sealed entries, whose values the
// database cannot read; sealed entries have no embeddings, so they are found by text only).
import type pg from 'pg';
import { badRequest, unavailable } from '../errors';
import { deserialize, decode, searchText } from './codec';
import { NO_EMBEDDER, noEmbedder, unit, type Embedder } from './embeddings';
import { checkName } from './prepare';
import { ENTRY_COLUMNS, toInfo, type EntryRow } from './rows';
import type { KeyRing } from './seal';
import { planQuery, tsLiteral } from './query';
import { rankText, type RankScope } from './rank';
import { filterSql, TS_CONFIG } from './sql';
import type { Scored, VectorIndex } from './vector-index';
import type { EntryFilter, MemoryEntryInfo } from './types';

export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 100;
export const MAX_QUERY_LENGTH = 500;
const HEADLINE_CHARS = 100_000;
export const SEARCH_MODES = ['text', 'semantic', 'hybrid'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];
/** Most embedded entries (the newest within the filters) compared to the query in semantic mode. */
export const SEMANTIC_CANDIDATES = 5_000;
/** Hits of each ranking that hybrid mode fuses. */
export const HYBRID_DEPTH = 100;
/** The k of reciprocal rank fusion: higher flattens the advantage of the top ranks. */
export const RRF_K = 60;

export interface SearchInput extends EntryFilter {
  q: string;
  limit?: number;
  /** Default: hybrid when an embedding provider is configured, else text. */
  mode?: SearchMode;
}

export interface SearchHit extends MemoryEntryInfo {
  /** Higher is better: textRank (text), similarity (semantic), fused rank (hybrid). */
  score: number;
  /** The text ranking's score (see rank.ts); 0 when not a text match. */
  textRank: number;
  /** pg_trgm word similarity of the query to the key, 0-1, for information (0 when not a text match). */
  keySimilarity: number;
  /** Cosine similarity of the query's embedding to the entry's, -1-1; null when not ranked semantically. */
  similarity: number | null;
  /** Matching words of the value in context, `<b>`-marked; null for sealed entries or no match. */
  snippet: string | null;
}

export interface SearchResult {
  /** The mode that produced the hits (hybrid falls back to text without embeddings). */
  mode: SearchMode;
  hits: SearchHit[];
  /** Why the mode differs from the one asked for, when it does. */
  note?: string;
}

export type TextRow = EntryRow & { text_rank: number; key_similarity: number };
type SemanticRow = EntryRow & { similarity: number };

/** Ranked entries matching `q` and the filters, at most `limit` (default 20, at most 100). */
export async function searchMemory(
  pool: pg.Pool,
  ring: KeyRing,
  input: SearchInput,
  embedder?: Embedder,
  index?: VectorIndex,
): Promise<SearchResult> {
  const q = input.q.trim();
  if (q === '') throw badRequest('q is empty: give words to search for');
  if (q.length > MAX_QUERY_LENGTH) throw badRequest(`q is ${q.length} characters; at most ${MAX_QUERY_LENGTH}`);
  if (input.namespace !== undefined) checkName(input.namespace);
  if (input.mode !== undefined && !SEARCH_MODES.includes(input.mode)) {
    throw badRequest(`mode "${String(input.mode)}" is not one of ${SEARCH_MODES.join(', ')}`);
  }
  const limit = Math.min(Math.max(input.limit ?? DEFAULT_SEARCH_LIMIT, 1), MAX_SEARCH_LIMIT);
  const asked = input.mode ?? (embedder ? 'hybrid' : 'text');
  if (asked === 'semantic' && !embedder) throw noEmbedder();
  let vector: number[] | undefined;
  let note: string | undefined;
  if (asked !== 'text' && embedder) {
    try {
      vector = unit((await embedder.embed([q]))[0] ?? []);
    } catch (err) {
      const why = `the embedding provider failed (${err instanceof Error ? err.message : String(err)})`;
      if (asked === 'semantic') throw unavailable(`${why}: try again later, or search with mode=text`);
      note = `${why}: these are full-text results`;
    }
  } else if (asked === 'hybrid') {
    note = `hybrid search fell back to full text: ${NO_EMBEDDER}`;
  }
  if (!vector || !embedder) {
    const { rows, lexemes } = await textRows(pool, q, input, limit);
    const hits = await toHits(pool, ring, lexemes, rows, (row) => ({
      score: row.text_rank,
      textRank: row.text_rank,
      keySimilarity: row.key_similarity,
      similarity: null,
    }));
    return { mode: 'text', hits, ...(note ? { note } : {}) };
  }
  if (asked === 'semantic') {
    const { rows, note: bounded } = await semanticRows(pool, vector, embedder.model, input, limit, index);
    const hits = await toHits(
      pool,
      ring,
      (await planQuery(pool, q)).terms.map((t) => t.lexeme),
      rows,
      (row) => ({
        score: row.similarity,
        textRank: 0,
        keySimilarity: 0,
        similarity: row.similarity,
      }),
    );
    return { mode: 'semantic', hits, ...(bounded ? { note: bounded } : {}) };
  }
  const depth = Math.max(HYBRID_DEPTH, limit);
  const [{ rows: text, lexemes }, { rows: semantic, note: bounded }] = await Promise.all([
    textRows(pool, q, input, depth),
    semanticRows(pool, vector, embedder.model, input, depth, index),
  ]);
  const fused = new Map<string, { row: EntryRow; score: number; text?: TextRow; semantic?: SemanticRow }>();
  const add = (row: TextRow | SemanticRow, rank: number, kind: 'text' | 'semantic') => {
    const name = `${row.namespace}\u0000${row.key}`;
    const f = fused.get(name) ?? { row, score: 0 };
    f.score += 1 / (RRF_K + rank + 1);
    if (kind === 'text') f.text = row as TextRow;
    else f.semantic = row as SemanticRow;
    fused.set(name, f);
  };
  text.forEach((row, i) => add(row, i, 'text'));
  semantic.forEach((row, i) => add(row, i, 'semantic'));
  const top = [...fused.values()]
    .sort(
      (a, b) =>
        b.score - a.score ||
        b.row.updated_at.getTime() - a.row.updated_at.getTime() ||
        (a.row.namespace + a.row.key < b.row.namespace + b.row.key ? -1 : 1),
    )
    .slice(0, limit);
  const hits = await toHits(
    pool,
    ring,
    lexemes,
    top.map((f) => f.row),
    (_row, i) => ({
      score: top[i].score,
      textRank: top[i].text?.text_rank ?? 0,
      keySimilarity: top[i].text?.key_similarity ?? 0,
      similarity: top[i].semantic?.similarity ?? null,
    }),
  );
  return { mode: 'hybrid', hits, ...(bounded ? { note: bounded } : {}) };
}

/**
 * Text-ranked unsealed entries (values included) of any of `namespaces` for a prompt, best first,
 * at most `limit`: for context retrieval.
 */
export async function contextRows(
  pool: pg.Pool,
  q: string,
  namespaces: string[],
  excludeTags: string[],
  limit: number,
): Promise<TextRow[]> {
  return (await textRows(pool, q, { namespaces, excludeTags, unsealedOnly: true }, limit)).rows;
}

/** The best `limit` entries for `q` within `scope` (see rank.ts), and the lexemes that counted. */
async function textRows(
  pool: pg.Pool,
  q: string,
  scope: RankScope,
  limit: number,
): Promise<{ rows: TextRow[]; lexemes: string[] }> {
  const plan = await planQuery(pool, q);
  const lexemes = plan.terms.map((t) => t.lexeme);
  const ranked = await rankText(pool, plan, scope, limit);
  if (ranked.length === 0) return { rows: [], lexemes };
  const r = await pool.query<TextRow & { id: string }>(
    `SELECT e.id, ${ENTRY_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1e.$2')}, word_similarity($2, e.key) AS key_similarity
       FROM memory_entry e WHERE e.id = ANY($1::bigint[])`,
    [ranked.map((x) => x.id), q],
  );
  const byId = new Map(r.rows.map((row) => [row.id, row]));
  const rows = ranked.flatMap((x) => {
    const row = byId.get(x.id);
    return row ? [{ ...row, text_rank: x.score }] : [];
  });
  return { rows, lexemes };
}

/**
 * Entries by cosine similarity to `vector` (unit length; stored vectors are too, so it is their dot
 * product), best first, similarity above 0, and a note when the answer is bounded. With this
 * process's vector index loaded: the graph's nearest entries, scored exactly and filtered in SQL,
 * and for filters matching at most EXACT_FILTERED entries all of them scored exactly. Until it is
 * loaded (or without one): compared in SQL, over the newest SEMANTIC_CANDIDATES within the filters.
 */
async function semanticRows(
  pool: pg.Pool,
  vector: number[],
  model: string,
  input: EntryFilter,
  limit: number,
  index: VectorIndex | undefined,
): Promise<{ rows: SemanticRow[]; note?: string }> {
  if (index?.ready(model, vector.length)) {
    try {
      await index.sync();
      return { rows: await indexedRows(pool, index, vector, input, limit) };
    } catch (err) {
      if (index.ready(model, vector.length)) throw err;
    }
  }
  const rows = await sqlSemanticRows(pool, vector, model, input, limit);
  if (!index || !(await moreThanCompared(pool, model, vector.length, input))) return { rows };
  const s = index.status();
  const why = s.error ? `failed (${s.error}) and is loading again` : `is loading (${s.size.toLocaleString('en')} held)`;
  return {
    rows,
    note: `this process's vector index ${why}: semantic results compare the newest ${SEMANTIC_CANDIDATES.toLocaleString('en')} embedded entries`,
  };
}

/** Filters matching at most this many embedded entries are answered by scoring each of them exactly. */
export const EXACT_FILTERED = 20_000;
/** Graph candidates asked for first (times 4 per round while too few pass the filters), and at most. */
const FIRST_CANDIDATES = 100;
const MAX_CANDIDATES = 100 * 4 ** 5;

async function indexedRows(
  pool: pg.Pool,
  index: VectorIndex,
  vector: number[],
  input: EntryFilter,
  limit: number,
): Promise<SemanticRow[]> {
  const { namespace, tags, excludeTags, from, to } = input;
  if (namespace !== undefined || tags?.length || excludeTags?.length || from !== undefined || to !== undefined) {
    const args: unknown[] = [];
    const where = filterSql(input, args);
    const ids = (
      await pool.query<{ id: string }>(
        `SELECT e.id FROM memory_entry e WHERE ${where.join(' AND ')} AND e.embedding IS NOT NULL
          LIMIT ${EXACT_FILTERED + 1}`,
        args,
      )
    ).rows.map((r) => r.id);
    if (ids.length <= EXACT_FILTERED) return entryRows(pool, index, await index.score(vector, ids), input, limit);
  }
  for (let k = Math.max(FIRST_CANDIDATES, 2 * limit); ; k *= 4) {
    const found = await index.search(vector, k);
    const rows = await entryRows(pool, index, found, input, limit);
    const size = index.status().size;
    const exhausted = found.ids.length < Math.min(k, size) || k >= size || (found.scores.at(-1) ?? 0) <= 0;
    if (rows.length >= limit || exhausted || k >= MAX_CANDIDATES) return rows;
  }
}

/**
 * The rows of `found` that are live and within the filters, with their scores, best first, at most
 * `limit`; candidates the database no longer holds with that embedding are dropped from the index.
 */
async function entryRows(
  pool: pg.Pool,
  index: VectorIndex,
  found: Scored,
  input: EntryFilter,
  limit: number,
): Promise<SemanticRow[]> {
  const positive = found.ids.filter((_, i) => found.scores[i] > 0);
  if (positive.length === 0) return [];
  const args: unknown[] = [positive];
  const where = filterSql(input, args);
  const r = await pool.query<EntryRow & { id: string; held: boolean; within: boolean }>(
    `SELECT e.id, ${ENTRY_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1e.$2')},
            (e.embedding IS NOT NULL AND e.key_id IS NULL) AS held, (${where.join(' AND ')}) AS within
       FROM memory_entry e WHERE e.id = ANY($1::bigint[])`,
    args,
  );
  const byId = new Map(r.rows.map((row) => [row.id, row]));
  const gone = positive.filter((id) => !byId.get(id)?.held);
  if (gone.length > 0) await index.remove(gone);
  const score = new Map(found.ids.map((id, i) => [id, found.scores[i]]));
  return r.rows
    .filter((row) => row.held && row.within)
    .map(({ id, held: _held, within: _within, ...row }) => ({ ...row, similarity: score.get(id) ?? 0 }))
    .sort(
      (a, b) =>
        b.similarity - a.similarity ||
        b.updated_at.getTime() - a.updated_at.getTime() ||
        (a.namespace + a.key < b.namespace + b.key ? -1 : 1),
    )
    .slice(0, limit);
}

const EMBEDDED = (model: number, dims: number) =>
  `e.key_id IS NULL AND e.embedding IS NOT NULL AND e.embedding_model = $${model} AND cardinality(e.embedding) = $${dims}`;

/** True when more embedded entries are within the filters than SQL compares. */
async function moreThanCompared(pool: pg.Pool, model: string, dims: number, input: EntryFilter): Promise<boolean> {
  const args: unknown[] = [];
  const where = filterSql(input, args);
  args.push(model, dims);
  const r = await pool.query<{ more: boolean }>(
    `SELECT count(*) > ${SEMANTIC_CANDIDATES} AS more FROM (
       SELECT 1 FROM memory_entry e WHERE ${where.join(' AND ')} AND ${EMBEDDED(args.length - 1, args.length)}
        LIMIT ${SEMANTIC_CANDIDATES + 1}) x`,
    args,
  );
  return r.rows[0].more;
}

/** Semantic ranking in SQL over the newest SEMANTIC_CANDIDATES embedded entries within the filters. */
async function sqlSemanticRows(
  pool: pg.Pool,
  vector: number[],
  model: string,
  input: EntryFilter,
  limit: number,
): Promise<SemanticRow[]> {
  const args: unknown[] = [];
  const where = filterSql(input, args);
  args.push(model, vector.length, vector, limit);
  const n = args.length;
  const r = await pool.query<SemanticRow>(
    `WITH cand AS (
       SELECT e.id FROM memory_entry e
        WHERE ${where.join(' AND ')} AND ${EMBEDDED(n - 3, n - 2)}
        ORDER BY e.updated_at DESC LIMIT ${SEMANTIC_CANDIDATES})
     SELECT ${ENTRY_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1e.$2')}, s.similarity
       FROM memory_entry e JOIN cand USING (id)
       CROSS JOIN LATERAL (
         SELECT sum(a::float8 * b) AS similarity FROM unnest(e.embedding, $${n - 1}::float8[]) AS t(a, b)) s
      WHERE s.similarity > 0
      ORDER BY s.similarity DESC, e.updated_at DESC, e.namespace, e.key
      LIMIT $${n}`,
    args,
  );
  return r.rows.map((row) => ({ ...row, similarity: Number(row.similarity) }));
}

async function toHits<R extends EntryRow>(
  pool: pg.Pool,
  ring: KeyRing,
  lexemes: string[],
  rows: R[],
  scores: (row: R, i: number) => Pick<SearchHit, 'score' | 'textRank' | 'keySimilarity' | 'similarity'>,
): Promise<SearchHit[]> {
  const snippets = await headlines(
    pool,
    lexemes,
    rows.map((row) => {
      if (row.key_id !== null) return null;
      const value = deserialize(row.value_type, decode(ring, row.namespace, row.key, { ...row, keyId: null }));
      return searchText(row.value_type, value).slice(0, HEADLINE_CHARS);
    }),
  );
  return rows.map((row, i) => ({ ...toInfo(ring, row), ...scores(row, i), snippet: snippets[i] }));
}

/** ts_headline of each text marking any of `lexemes` (null stays null; a text without one gives null). */
async function headlines(pool: pg.Pool, lexemes: string[], texts: (string | null)[]): Promise<(string | null)[]> {
  if (lexemes.length === 0 || texts.every((t) => t === null)) return texts.map(() => null);
  const r = await pool.query<{ i: string; snippet: string | null }>(
    `SELECT u.i, CASE WHEN to_tsvector('${TS_CONFIG}', u.t) @@ $1::tsquery
                      THEN ts_headline('${TS_CONFIG}', u.t, $1::tsquery, 'MaxWords=24, MinWords=8, MaxFragments=2') END AS snippet
       FROM unnest($2::text[]) WITH ORDINALITY AS u(t, i)`,
    [lexemes.map((l) => tsLiteral(l)).join(' | '), texts],
  );
  const out = texts.map(() => null as string | null);
  for (const row of r.rows) out[Number(row.i) - 1] = row.snippet;
  return out;
}
