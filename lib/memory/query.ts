// A text query, planned: the words that can decide a ranking, how rare each is, and what a
// misspelt word was probably meant to be. Invariants:
// - A query word is a lexeme of the search configuration (stemmed, lower-case): stop words and
//   punctuation never become words, so they never decide a result.
// - Every word matches on its own (any meaningful word is enough); how much it adds is its inverse
//   document frequency (BM25's idf), so rarer words weigh more.
// - A word no entry holds is looked up in the word list (memory_word) by trigram similarity: its
//   nearest words stand in for it, weighing less than an exact word would.
// - `"quoted phrases"` must appear, `-words` must not (as web search syntax has it).
import type pg from 'pg';
import { TS_CONFIG } from './sql';

/** Distinct query words ranked at most (the rarest are kept). */
export const MAX_WORDS = 16;
/** Lexemes of the query text considered before the rarest MAX_WORDS are kept. */
const MAX_LEXEMES = 64;
/** A word held by fewer entries than this is rare: every entry holding it is ranked (see rank.ts). */
export const COUNT_CAP = 200;
/** Nearest words from the word list standing in for a word that matches nothing. */
const FUZZY_PER_WORD = 3;
/** Least trigram similarity of a stand-in word. */
export const FUZZY_MIN_SIMILARITY = 0.3;
/** A stand-in word weighs this times its similarity, against 1 for the word itself. */
export const FUZZY_WEIGHT = 0.7;
/** Words shorter than this are never replaced by near words (too many look alike). */
const FUZZY_MIN_LENGTH = 4;

export interface ParsedQuery {
  /** Everything the ranking reads words from (phrases included). */
  text: string;
  /** Phrases that must appear. */
  phrases: string[];
  /** Words or phrases that must not appear. */
  excluded: string[];
}

/** Web-search style syntax: `"a phrase"` must appear, `-word` or `-"a phrase"` must not; the rest is free text. */
export function parseQuery(q: string): ParsedQuery {
  const out: ParsedQuery = { text: '', phrases: [], excluded: [] };
  const words: string[] = [];
  for (const m of q.matchAll(/(-?)"([^"]*)"?|(\S+)/g)) {
    if (m[2] !== undefined) {
      const phrase = m[2].trim();
      if (!phrase) continue;
      if (m[1]) out.excluded.push(phrase);
      else {
        out.phrases.push(phrase);
        words.push(phrase);
      }
    } else if (m[3].length > 1 && m[3].startsWith('-')) {
      out.excluded.push(m[3].slice(1));
    } else words.push(m[3]);
  }
  out.text = words.join(' ');
  return out;
}

/** One lexeme that counts for a query word: the word itself, or a near word standing in for it. */
export interface Term {
  /** Index of the query word in {@link QueryPlan.words}. */
  word: number;
  lexeme: string;
  /** 1 for the word itself; FUZZY_WEIGHT × similarity for a stand-in. */
  factor: number;
  /** Entries holding it (memory_word_count). */
  df: number;
  idf: number;
  /** Held by fewer than COUNT_CAP entries. */
  rare: boolean;
  /** Entries holding it in their key or tags (memory_word_count). */
  keyDf: number;
}

/** Two query words next to each other (stop words between them allowed): together they earn a bonus. */
export interface Bigram {
  a: number;
  b: number;
  /** Lexemes of a and b. */
  lexemes: [string, string];
  /** Position of b minus position of a, as in the query. */
  distance: number;
}

export interface QueryPlan {
  /** The query words, as lexemes. */
  words: string[];
  terms: Term[];
  bigrams: Bigram[];
  phrases: string[];
  excluded: string[];
  /** Entries in memory (at least 1): what the idf and the fetch plans of rank.ts count against. */
  entries: number;
}

/** BM25's idf (always above 0) of a word held by `df` of `n` entries. */
export const idfOf = (df: number, n: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));

interface LexemeRow {
  lexeme: string;
  positions: number[];
  df: string;
  key_df: string;
  n: string;
}

/** A word's count: its memory_word_count row plus the deltas not yet folded into it (see the memory_word_counts migration). */
const count = (word: string, column: 'df' | 'key_df') => `(
  COALESCE((SELECT c.${column} FROM memory_word_count c WHERE c.word = ${word}), 0) +
  COALESCE((SELECT sum(d.${column}) FROM memory_word_delta d WHERE d.word = ${word}), 0))`;

/** Per lexeme: the entries holding it, those holding it in their key or tags, and the number of entries. */
const COUNTS = (lexemes: string) => `
  SELECT l.lexeme, l.positions, ${count('l.lexeme', 'df')} AS df, ${count('l.lexeme', 'key_df')} AS key_df,
         ${count("''", 'df')} AS n
    FROM ${lexemes} AS l`;

const QUERY_LEXEMES = `
  WITH l AS (SELECT u.lexeme, u.positions::int[] AS positions FROM unnest(to_tsvector('${TS_CONFIG}', $1)) AS u
              ORDER BY u.positions[1] LIMIT ${MAX_LEXEMES})
  ${COUNTS('l')}`;

const NEAR_WORDS = `
  WITH l AS (SELECT m.word AS lexeme, ARRAY[w.i::int] AS positions, m.sim
               FROM unnest($1::text[]) WITH ORDINALITY AS w(lexeme, i)
              CROSS JOIN LATERAL (
                SELECT DISTINCT word, similarity(word, w.lexeme) AS sim FROM memory_word
                 WHERE word % w.lexeme AND word <> w.lexeme ORDER BY sim DESC, word LIMIT ${FUZZY_PER_WORD}) m
              WHERE m.sim >= ${FUZZY_MIN_SIMILARITY})
  SELECT c.*, l.sim FROM (${COUNTS('l')}) c JOIN l USING (lexeme, positions)`;

/** Plans `q` (see the invariants above); no words when nothing in it can match. */
export async function planQuery(pool: pg.Pool, q: string): Promise<QueryPlan> {
  const parsed = parseQuery(q);
  const plan: QueryPlan = {
    words: [],
    terms: [],
    bigrams: [],
    phrases: parsed.phrases,
    excluded: parsed.excluded,
    entries: 1,
  };
  if (!parsed.text.trim()) return plan;
  const rows = (await pool.query<LexemeRow>(QUERY_LEXEMES, [parsed.text])).rows;
  const n = Math.max(Number(rows[0]?.n ?? 0), 1);
  const withDf = <R extends LexemeRow>(r: R) => {
    const df = Math.max(Number(r.df), 0);
    return { ...r, df, rare: df < COUNT_CAP, keyDf: Math.max(Number(r.key_df), 0) };
  };
  // The rarest words decide best; words no entry holds may be misspelt and are kept too.
  const kept = rows
    .map(withDf)
    .sort((x, y) => x.df - y.df || x.positions[0] - y.positions[0])
    .slice(0, MAX_WORDS)
    .sort((x, y) => x.positions[0] - y.positions[0]);
  const near = kept
    .map((r, word) => ({ r, word }))
    .filter(({ r }) => r.df === 0 && r.lexeme.length >= FUZZY_MIN_LENGTH);
  const stand = near.length
    ? (await pool.query<LexemeRow & { sim: number }>(NEAR_WORDS, [near.map(({ r }) => r.lexeme)])).rows.map(withDf)
    : [];
  const total = Math.max(n, ...kept.map((r) => r.df), ...stand.map((r) => r.df));
  plan.entries = total;
  kept.forEach((r, word) => {
    plan.words.push(r.lexeme);
    if (r.df === 0) return;
    plan.terms.push({
      word,
      lexeme: r.lexeme,
      factor: 1,
      df: r.df,
      idf: idfOf(r.df, total),
      rare: r.rare,
      keyDf: r.keyDf,
    });
  });
  for (const r of stand) {
    if (r.df === 0) continue;
    const word = near[r.positions[0] - 1].word;
    const factor = FUZZY_WEIGHT * r.sim;
    plan.terms.push({
      word,
      lexeme: r.lexeme,
      factor,
      df: r.df,
      idf: idfOf(r.df, total),
      rare: r.rare,
      keyDf: r.keyDf,
    });
  }
  for (let i = 0; i + 1 < kept.length; i++) {
    const [a, b] = [kept[i], kept[i + 1]];
    const distance = b.positions[0] - a.positions[0];
    if (a.df > 0 && b.df > 0 && a.lexeme !== b.lexeme && distance > 0 && distance <= 4) {
      plan.bigrams.push({ a: i, b: i + 1, lexemes: [a.lexeme, b.lexeme], distance });
    }
  }
  return plan;
}

/** `lexeme` as a tsquery literal, optionally restricted to weights (`'retri':AB`). */
export function tsLiteral(lexeme: string, weights = ''): string {
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'${weights ? `:${weights}` : ''}`;
}
