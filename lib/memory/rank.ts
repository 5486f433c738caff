// Exact top-k text ranking over a planned query (query.ts). The score of an entry is
//   sum over query words of  max over the word's terms held by the entry of  factor × idf × field weight
//   + a phrase bonus for each pair of neighbouring query words that are neighbours in the entry,
// where the field weight is that of the best field holding the term (key > tags > value). Ties go
// to the most recently written entry (then the higher id).
//
// Top-k is exact with respect to that score, yet no query ranks a whole table for a common word:
// 1. Every entry holding a rare term (fewer than COUNT_CAP matches) is a candidate.
// 2. An entry holding a single query word through common terms only scores what that term and its
//    best field give, nothing else. So for each common term and field (key; key or tags; any) the
//    `k` most recent entries holding it there are candidates: any entry left out is older than `k`
//    candidates that score at least as much. (When few entries hold the term in their key or tags,
//    all of those are candidates instead, found through the key-and-tags index.)
// 3. Entries holding several query words through common terms only: each is bounded by the sum of
//    its words' best contributions. Once step 1 and 2 give a k-th best score θ, only entries holding
//    every word of some set whose bound reaches θ can still get in; those (usually few: they hold
//    all of them at once) are fetched and ranked too.
// Scores are computed here from each candidate's matching lexemes (weights and positions), which
// the database returns for the query's terms only.
import type pg from 'pg';
import { tsLiteral, type QueryPlan, type Term } from './query';
import { filterSql, likePrefix, TS_CONFIG } from './sql';
import type { EntryFilter } from './types';

/** The key and tags part of an entry's search vector (a generated column: see the memory_retrieval migration). */
const KEY_TAGS_VECTOR = 'e.key_tags_vector';
/** Weight of a term by the best field holding it: key (A), tags (B), value text (C). */
export const FIELD_WEIGHTS = { A: 1, B: 0.75, C: 0.5, D: 0.5 } as const;
/** Bonus for neighbouring query words found as neighbours, times the sum of their idf. */
export const PHRASE_BONUS = 0.25;
/** Most common words whose sets step 3 weighs one by one; with more, it takes every pair of them. */
const MAX_WEIGHED_WORDS = 12;

/** What a ranking is over besides its query: the filters of a search or of context retrieval. */
export interface RankScope extends EntryFilter {
  /** Namespace prefixes, any of which may match (besides `namespace`). */
  namespaces?: string[];
  /** Leave sealed entries out. */
  unsealedOnly?: boolean;
}

export interface Ranked {
  id: string;
  score: number;
}

interface MatchRow {
  id: string;
  updated_at: Date;
  lexemes: string[];
  /** Per lexeme, its weights as letters (`AC`). */
  weights: string[];
  /** Per lexeme, its positions comma-separated. */
  positions: string[];
}

interface Scored extends Ranked {
  at: number;
}

/** The best `limit` entries for `plan` within `scope`, best first (see the steps above). */
export async function rankText(pool: pg.Pool, plan: QueryPlan, scope: RankScope, limit: number): Promise<Ranked[]> {
  if (plan.terms.length === 0) return [];
  const args: unknown[] = [plan.terms.map((t) => t.lexeme)];
  const where = scopeSql(plan, scope, args);
  const arg = (v: unknown) => {
    args.push(v);
    return `$${args.length}`;
  };
  const matches = (ids: string) => `
    SELECT e.id, e.updated_at, m.lexemes, m.weights, m.positions
      FROM memory_entry e JOIN (${ids}) c USING (id)
     CROSS JOIN LATERAL (
       SELECT array_agg(u.lexeme) AS lexemes, array_agg(array_to_string(u.weights, '')) AS weights,
              array_agg(array_to_string(u.positions, ',')) AS positions
         FROM unnest(e.search_vector) AS u WHERE u.lexeme = ANY($1::text[])) m`;
  // `vector`: the whole search vector, or its key and tags part (indexed on its own).
  const matching = (tsquery: string, k?: number, vector = 'e.search_vector') =>
    `SELECT * FROM (SELECT e.id FROM memory_entry e WHERE ${where} AND ${vector} @@ ${arg(tsquery)}::tsquery` +
    (k === undefined ? ')' : ` ORDER BY e.updated_at DESC, e.id DESC LIMIT ${k})`) +
    ' s';
  const scopeArgs = args.length;
  const rare = plan.terms.filter((t) => t.rare);
  const common = plan.terms.filter((t) => !t.rare);
  const sources: string[] = [];
  if (rare.length) sources.push(matching(rare.map((t) => tsLiteral(t.lexeme)).join(' | ')));
  for (const t of common) {
    // In keys and tags: every entry when they are few (found through the index), else the newest.
    if (t.keyRare) sources.push(matching(tsLiteral(t.lexeme), undefined, KEY_TAGS_VECTOR));
    else {
      sources.push(matching(tsLiteral(t.lexeme, 'A'), limit, KEY_TAGS_VECTOR));
      sources.push(matching(tsLiteral(t.lexeme), limit, KEY_TAGS_VECTOR));
    }
    sources.push(matching(tsLiteral(t.lexeme), limit));
  }
  const scored = new Map<string, Scored>();
  const score = (rows: MatchRow[]) => {
    for (const row of rows) scored.set(row.id, { id: row.id, at: row.updated_at.getTime(), score: scoreOf(plan, row) });
  };
  score((await pool.query<MatchRow>(matches(sources.map((s) => `(${s})`).join(' UNION ')), args)).rows);

  const theta = kthScore([...scored.values()], limit);
  const combos = combinations(plan, common, theta);
  if (combos) {
    args.length = scopeArgs; // the scope's arguments stay, step 1 and 2's go
    score((await pool.query<MatchRow>(matches(matching(combos)), args)).rows);
  }
  return [...scored.values()]
    .sort(byRank)
    .slice(0, limit)
    .map(({ id, score: s }) => ({ id, score: s }));
}

/** The WHERE conditions every candidate meets: filters, required phrases, exclusions. */
function scopeSql(plan: QueryPlan, scope: RankScope, args: unknown[]): string {
  const where = filterSql(scope, args);
  if (scope.namespaces?.length) {
    args.push(scope.namespaces.map(likePrefix));
    where.push(`e.namespace LIKE ANY($${args.length}::text[])`);
  }
  if (scope.unsealedOnly) where.push('e.key_id IS NULL');
  for (const phrase of plan.phrases) {
    args.push(phrase);
    where.push(`e.search_vector @@ phraseto_tsquery('${TS_CONFIG}', $${args.length})`);
  }
  for (const excluded of plan.excluded) {
    args.push(excluded);
    where.push(`NOT (e.search_vector @@ phraseto_tsquery('${TS_CONFIG}', $${args.length}))`);
  }
  return where.join(' AND ');
}

/** The score of one candidate from the lexemes it holds (see the top of this file). */
export function scoreOf(plan: QueryPlan, row: Pick<MatchRow, 'lexemes' | 'weights' | 'positions'>): number {
  const held = new Map<string, { weight: number; positions: number[] }>();
  (row.lexemes ?? []).forEach((lexeme, i) => {
    const letters = row.weights[i] ?? '';
    const weight = Math.max(...[...letters].map((w) => FIELD_WEIGHTS[w as keyof typeof FIELD_WEIGHTS] ?? 0.5), 0.5);
    held.set(lexeme, { weight, positions: row.positions[i] ? row.positions[i].split(',').map(Number) : [] });
  });
  const best = new Map<number, number>();
  for (const t of plan.terms) {
    const h = held.get(t.lexeme);
    if (h) best.set(t.word, Math.max(best.get(t.word) ?? 0, t.factor * t.idf * h.weight));
  }
  let total = [...best.values()].reduce((s, x) => s + x, 0);
  for (const g of plan.bigrams) {
    const [a, b] = [held.get(g.lexemes[0]), held.get(g.lexemes[1])];
    if (a && b && a.positions.some((p) => b.positions.includes(p + g.distance)))
      total += PHRASE_BONUS * bigramIdf(plan, g);
  }
  return total;
}

const bigramIdf = (plan: QueryPlan, g: QueryPlan['bigrams'][number]) =>
  plan.terms.filter((t) => t.factor === 1 && (t.word === g.a || t.word === g.b)).reduce((s, t) => s + t.idf, 0);

const byRank = (x: Scored, y: Scored) =>
  y.score - x.score || y.at - x.at || (BigInt(y.id) > BigInt(x.id) ? 1 : BigInt(y.id) < BigInt(x.id) ? -1 : 0);

/** The k-th best score, or -Infinity when there are fewer than k. */
function kthScore(scored: Scored[], k: number): number {
  if (scored.length < k) return -Infinity;
  return [...scored].sort(byRank)[k - 1].score;
}

/**
 * Step 3: a tsquery matching every entry that holds all words of some set of at least two words
 * (through their common terms) whose bound reaches θ, or undefined when no such set exists.
 */
function combinations(plan: QueryPlan, common: Term[], theta: number): string | undefined {
  const words = [...new Set(common.map((t) => t.word))]
    .map((word) => {
      const terms = common.filter((t) => t.word === word);
      return { word, terms, bound: Math.max(...terms.map((t) => t.factor * t.idf * FIELD_WEIGHTS.A)) };
    })
    .sort((a, b) => b.bound - a.bound);
  if (words.length < 2) return undefined;
  const anyOf = (w: (typeof words)[number]) => `(${w.terms.map((t) => tsLiteral(t.lexeme)).join(' | ')})`;
  if (words.length > MAX_WEIGHED_WORDS) {
    const pairs = words.flatMap((a, i) => words.slice(i + 1).map((b) => `(${anyOf(a)} & ${anyOf(b)})`));
    return pairs.join(' | ');
  }
  const boundOf = (set: typeof words) => {
    const ids = new Set(set.map((w) => w.word));
    let b = set.reduce((s, w) => s + w.bound, 0);
    for (const g of plan.bigrams) if (ids.has(g.a) && ids.has(g.b)) b += PHRASE_BONUS * bigramIdf(plan, g);
    return b;
  };
  // Minimal sets only (an entry holding a superset holds the set too); a subset's mask is smaller.
  const chosen: number[] = [];
  for (let mask = 1; mask < 1 << words.length; mask++) {
    if (popcount(mask) < 2 || chosen.some((c) => (c & mask) === c)) continue;
    const set = words.filter((_, i) => mask & (1 << i));
    if (boundOf(set) >= theta) chosen.push(mask);
  }
  if (chosen.length === 0) return undefined;
  return chosen
    .map((mask) =>
      words
        .filter((_, i) => mask & (1 << i))
        .map(anyOf)
        .join(' & '),
    )
    .map((s) => `(${s})`)
    .join(' | ');
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}
