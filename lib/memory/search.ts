// Search over memory: full text (websearch syntax over the weighted vector: key A, tags B, value
// C) plus trigram matches on the key for partial and misspelled words. Results are ranked by
// text rank + key word-similarity, bounded, and carry a snippet of the value (never for sealed
// entries, whose values the database cannot read).
import type pg from 'pg';
import { badRequest } from '../errors';
import { deserialize, decode, searchText } from './codec';
import { checkName } from './prepare';
import { ENTRY_COLUMNS, toInfo, type EntryRow } from './rows';
import type { KeyRing } from './seal';
import { filterSql, TS_CONFIG } from './sql';
import type { EntryFilter, MemoryEntryInfo } from './types';

export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 100;
export const MAX_QUERY_LENGTH = 500;
const HEADLINE_CHARS = 100_000;

export interface SearchInput extends EntryFilter {
  q: string;
  limit?: number;
}

export interface SearchHit extends MemoryEntryInfo {
  /** textRank + keySimilarity; higher is better. */
  score: number;
  /** ts_rank of the full-text match (0 when only the key matched). */
  textRank: number;
  /** pg_trgm word similarity of the query to the key, 0-1. */
  keySimilarity: number;
  /** Matching words of the value in context, `<b>`-marked; null for sealed entries or no match. */
  snippet: string | null;
}

/** Ranked entries matching `q` and the filters, at most `limit` (default 20, at most 100). */
/** Most matches of each kind (text, key) ranked per query: bounds the cost of very common words. */
export const CANDIDATES = 2_000;

export async function searchMemory(pool: pg.Pool, ring: KeyRing, input: SearchInput): Promise<SearchHit[]> {
  const q = input.q.trim();
  if (q === '') throw badRequest('q is empty: give words to search for');
  if (q.length > MAX_QUERY_LENGTH) throw badRequest(`q is ${q.length} characters; at most ${MAX_QUERY_LENGTH}`);
  if (input.namespace !== undefined) checkName(input.namespace);
  const limit = Math.min(Math.max(input.limit ?? DEFAULT_SEARCH_LIMIT, 1), MAX_SEARCH_LIMIT);
  const args: unknown[] = [q, `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`];
  const where = filterSql(input, args);
  args.push(limit);
  const r = await pool.query<EntryRow & { text_rank: number; key_similarity: number }>(
    // Candidates first, each kind bounded, so a very common word cannot make one query rank a
    // whole table: full-text matches (GIN) and key matches (trigram), then rank only those.
    `WITH q AS (SELECT websearch_to_tsquery('${TS_CONFIG}', $1) AS tsq),
     cand AS (
       (SELECT e.id FROM memory_entry e, q WHERE ${where.join(' AND ')} AND e.search_vector @@ q.tsq LIMIT ${CANDIDATES})
       UNION
       (SELECT e.id FROM memory_entry e WHERE ${where.join(' AND ')} AND ($1 <% e.key OR e.key ILIKE $2) LIMIT ${CANDIDATES})
     )
     SELECT ${ENTRY_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1e.$2')},
            ts_rank(e.search_vector, q.tsq) AS text_rank, word_similarity($1, e.key) AS key_similarity
       FROM memory_entry e JOIN cand USING (id), q
      ORDER BY ts_rank(e.search_vector, q.tsq) + word_similarity($1, e.key) DESC, e.updated_at DESC, e.namespace, e.key
      LIMIT $${args.length}`,
    args,
  );
  const snippets = await headlines(
    pool,
    q,
    r.rows.map((row) => {
      if (row.key_id !== null) return null;
      const value = deserialize(row.value_type, decode(ring, row.namespace, row.key, { ...row, keyId: null }));
      return searchText(row.value_type, value).slice(0, HEADLINE_CHARS);
    }),
  );
  return r.rows.map((row, i) => ({
    ...toInfo(ring, row),
    score: row.text_rank + row.key_similarity,
    textRank: row.text_rank,
    keySimilarity: row.key_similarity,
    snippet: snippets[i],
  }));
}

/** ts_headline of each text (null stays null; a text without a match gives null). */
async function headlines(pool: pg.Pool, q: string, texts: (string | null)[]): Promise<(string | null)[]> {
  if (texts.every((t) => t === null)) return texts;
  const r = await pool.query<{ i: string; snippet: string | null }>(
    `WITH q AS (SELECT websearch_to_tsquery('${TS_CONFIG}', $1) AS tsq)
     SELECT u.i, CASE WHEN to_tsvector('${TS_CONFIG}', u.t) @@ q.tsq
                      THEN ts_headline('${TS_CONFIG}', u.t, q.tsq, 'MaxWords=24, MinWords=8, MaxFragments=2') END AS snippet
       FROM unnest($2::text[]) WITH ORDINALITY AS u(t, i), q`,
    [q, texts],
  );
  const out = texts.map(() => null as string | null);
  for (const row of r.rows) out[Number(row.i) - 1] = row.snippet;
  return out;
}
