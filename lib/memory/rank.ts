// Exact top-k text ranking over a planned query (query.ts). The score of an entry is
//   sum over query words of  max over the word's terms held by the entry of  factor × idf × field weight
//   + a phrase bonus for each pair of neighbouring query words that are neighbours in the entry,
// where the field weight is that of the best field holding the term (key > tags > value). Ties go
// to the most recently written entry (then the higher id).
//
// Top-k is exact with respect to that score, yet no query reads every entry holding a common word:
// - Every entry holding a rare term (fewer than COUNT_CAP entries hold it) is a candidate.
// - Any other entry scores what its *signature* gives: per common query word, the term and best
//   field it holds it by (or none), and which neighbouring pairs it holds as a phrase. A *pattern*
//   is such a signature read as a condition ("holds t1 in its key, and t2 anywhere"): every entry
//   meeting it scores at least the signature's score.
// - Fetching the newest `limit` entries meeting a pattern settles the entries of every signature
//   it contains (same terms, fields at least as good, its phrases): if fewer came back, they are
//   all candidates; otherwise the ones left out are older than `limit` candidates, so they lose
//   to them unless they score more than the least of them.
// - Rounds: the first fetches the rare terms' entries and every single-word pattern; each next
//   round takes the best `limit` scores so far (θ), lists the signatures scoring at least θ that
//   nothing fetched has settled, and fetches the smallest of them as patterns — usually none, or
//   a few that match almost nothing. Signatures under θ cannot reach the first `limit`.
// Scores are computed here from each candidate's matching lexemes (weights and positions), which
// the database returns for the query's terms only.
import type pg from 'pg';
import { tsLiteral, type QueryPlan, type Term } from './query';
import { filterSql, likePrefix, TS_CONFIG } from './sql';
import type { EntryFilter } from './types';

/** Weight of a term by the best field holding it: key (A), tags (B), value text (C). */
export const FIELD_WEIGHTS = { A: 1, B: 0.75, C: 0.5, D: 0.5 } as const;
/** Bonus for neighbouring query words found as neighbours, times the sum of their idf. */
export const PHRASE_BONUS = 0.25;
/** A term held in the keys or tags of at most this many times `limit` entries: all of them are fetched at once. */
const KEY_FETCH_ALL = 10;
/** Signatures looked at per round before the round fetches what it has found. */
const MAX_SIGNATURES = 20_000;
/** Patterns fetched per round. */
const MAX_PATTERNS = 64;
/** Scores closer than this are equal (they are sums of the same floats in another order). */
const EPSILON = 1e-9;

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
  /** The fetches (indexes into the round's list) that returned it. */
  fetches: number[];
}

interface Scored extends Ranked {
  at: number;
}

/** Fields from best to worst; a pattern's field means "there or in a better one". */
type Field = 'A' | 'B' | 'C';
const FIELDS: readonly Field[] = ['A', 'B', 'C'];

/** One common word of a signature: the term it is held by, and where. */
interface Choice {
  word: number;
  term: Term;
  field: Field;
  value: number;
}

/** A signature, or read as a condition, a pattern (see the top of this file). */
interface Pattern {
  choices: Choice[];
  /** Indexes into plan.bigrams: phrases held. */
  bigrams: number[];
  score: number;
  /** The bigrams' tsqueries. */
  phrases: string[];
}

/** A tsquery that one of an entry's vectors must match. */
interface Condition {
  vector: 'e.search_vector' | 'e.key_tags_vector';
  tsquery: string;
}

/** A fetch done: its pattern, whether it returned every entry meeting it, and its least score. */
interface Fetched {
  pattern: Pattern;
  all: boolean;
  least: number;
}

/** A fetch to do: the newest `limit` entries meeting the conditions, or all of them. */
interface Fetch {
  pattern?: Pattern;
  conditions: Condition[];
  all: boolean;
}

/** The best `limit` entries for `plan` within `scope`, best first (see the top of this file). */
export async function rankText(pool: pg.Pool, plan: QueryPlan, scope: RankScope, limit: number): Promise<Ranked[]> {
  if (plan.terms.length === 0) return [];
  const args: unknown[] = [plan.terms.map((t) => t.lexeme)];
  const where = scopeSql(plan, scope, args);
  const scopeArgs = args.length;
  const scored = new Map<string, Scored>();
  const fetched: Fetched[] = [];

  const run = async (fetches: Fetch[]) => {
    args.length = scopeArgs; // the scope's arguments stay, the last round's go
    const condition = (c: Condition) => {
      args.push(c.tsquery);
      return `${c.vector} @@ $${args.length}::tsquery`;
    };
    const sources = fetches.map(
      (f, i) =>
        `(SELECT ${i} AS f, e.id FROM memory_entry e WHERE ${[where, ...f.conditions.map(condition)].join(' AND ')}` +
        (f.all ? ')' : ` ORDER BY e.updated_at DESC, e.id DESC LIMIT ${limit})`),
    );
    const rows = (
      await pool.query<MatchRow>(
        `SELECT e.id, e.updated_at, m.lexemes, m.weights, m.positions, c.fetches
           FROM (SELECT id, array_agg(f) AS fetches FROM (${sources.join(' UNION ALL ')}) s GROUP BY id) c
           JOIN memory_entry e USING (id)
          CROSS JOIN LATERAL (
            SELECT array_agg(u.lexeme) AS lexemes, array_agg(array_to_string(u.weights, '')) AS weights,
                   array_agg(array_to_string(u.positions, ',')) AS positions
              FROM unnest(e.search_vector) AS u WHERE u.lexeme = ANY($1::text[])) m`,
        args,
      )
    ).rows;
    const counts = fetches.map(() => 0);
    const least = fetches.map(() => Infinity);
    for (const row of rows) {
      const s = scoreOf(plan, row);
      scored.set(row.id, { id: row.id, at: row.updated_at.getTime(), score: s });
      for (const f of row.fetches) {
        counts[f]++;
        least[f] = Math.min(least[f], s);
      }
    }
    fetches.forEach((f, i) => {
      if (f.pattern) fetched.push({ pattern: f.pattern, all: f.all || counts[i] < limit, least: least[i] });
    });
  };

  const rare = plan.terms.filter((t) => t.rare);
  const words = commonWords(plan);
  const first: Fetch[] = [];
  if (rare.length) {
    const tsquery = rare.map((t) => tsLiteral(t.lexeme)).join(' | ');
    first.push({ conditions: [{ vector: 'e.search_vector', tsquery }], all: true });
  }
  for (const w of words) {
    for (const term of w.terms) {
      const single = (field: Field) => patternFetch(pattern(plan, [choice(w.word, term, field)], []));
      // Few entries hold it in their key or tags: all of those at once (no pattern with it there is left open).
      if (term.keyDf <= KEY_FETCH_ALL * limit) first.push({ ...single('B'), all: true });
      else first.push(single('A'), single('B'));
      first.push(single('C'));
    }
  }
  await run(first);
  for (;;) {
    const open = unsettled(plan, words, fetched, kthScore([...scored.values()], limit));
    if (open.length === 0) break;
    const size = (p: Pattern) => p.choices.length + p.bigrams.length;
    const smallest = Math.min(...open.map(size));
    const next = open.filter((p) => size(p) === smallest).slice(0, MAX_PATTERNS);
    await run(next.map(patternFetch));
  }
  return [...scored.values()]
    .sort(byRank)
    .slice(0, limit)
    .map(({ id, score: s }) => ({ id, score: s }));
}

/** Per common query word (one with a term that is not rare), those terms; the words of most value first. */
function commonWords(plan: QueryPlan): CommonWord[] {
  const byWord = new Map<number, Term[]>();
  for (const t of plan.terms) if (!t.rare) byWord.set(t.word, [...(byWord.get(t.word) ?? []), t]);
  return [...byWord.entries()]
    .map(([word, terms]) => ({ word, terms, best: Math.max(...terms.map((t) => valueOf(t, 'A'))) }))
    .sort((a, b) => b.best - a.best || a.word - b.word);
}

interface CommonWord {
  word: number;
  terms: Term[];
  /** The most the word can add. */
  best: number;
}

const valueOf = (t: Term, f: Field) => t.factor * t.idf * FIELD_WEIGHTS[f];
const choice = (word: number, term: Term, field: Field): Choice => ({ word, term, field, value: valueOf(term, field) });
const bonusOf = (plan: QueryPlan, g: number) => PHRASE_BONUS * bigramIdf(plan, plan.bigrams[g]);

function pattern(plan: QueryPlan, choices: Choice[], bigrams: number[]): Pattern {
  const score = choices.reduce((s, c) => s + c.value, 0) + bigrams.reduce((s, g) => s + bonusOf(plan, g), 0);
  return { choices, bigrams, score, phrases: bigrams.map((g) => phraseOf(plan.bigrams[g])) };
}

/** `a <d> b`: b follows a at the bigram's distance. */
const phraseOf = (g: QueryPlan['bigrams'][number]) =>
  `${tsLiteral(g.lexemes[0])} <${g.distance}> ${tsLiteral(g.lexemes[1])}`;

/** A pattern as conditions: its key and tags choices on the key-and-tags vector (indexed on its own), the rest on the whole. */
function patternFetch(p: Pattern): Fetch {
  const keyTags = p.choices
    .filter((c) => c.field !== 'C')
    .map((c) => tsLiteral(c.term.lexeme, c.field === 'A' ? 'A' : ''));
  const anywhere = [...p.choices.filter((c) => c.field === 'C').map((c) => tsLiteral(c.term.lexeme)), ...p.phrases];
  const conditions: Condition[] = [];
  if (keyTags.length) conditions.push({ vector: 'e.key_tags_vector', tsquery: keyTags.join(' & ') });
  if (anywhere.length)
    conditions.push({ vector: 'e.search_vector', tsquery: anywhere.map((q) => `(${q})`).join(' & ') });
  return { pattern: p, conditions, all: false };
}

/** Entries meeting `q` meet `p` too: same terms for `p`'s words, fields at least as good, its phrases. */
function contains(p: Pattern, q: Pattern): boolean {
  return (
    p.choices.every((c) =>
      q.choices.some(
        (d) =>
          d.word === c.word && d.term.lexeme === c.term.lexeme && FIELDS.indexOf(d.field) <= FIELDS.indexOf(c.field),
      ),
    ) && p.bigrams.every((g) => q.bigrams.includes(g))
  );
}

/** Whether some fetch settles every entry of signature `s` (see the top of this file). */
const settled = (s: Pattern, fetched: Fetched[]) =>
  fetched.some((f) => (f.all || s.score <= f.least + EPSILON) && contains(f.pattern, s));

/**
 * The signatures scoring at least θ that no fetch has settled (at most MAX_SIGNATURES looked at),
 * found depth first over the words, most valuable first, skipping what cannot reach θ and what a
 * fetch that returned all its entries has settled already.
 */
function unsettled(plan: QueryPlan, words: CommonWord[], fetched: Fetched[], theta: number): Pattern[] {
  const open: Pattern[] = [];
  const remaining = words.map((_, i) => words.slice(i).reduce((s, w) => s + w.best, 0));
  const bonuses = plan.bigrams.reduce((s, _g, i) => s + bonusOf(plan, i), 0);
  const whole = fetched.filter((f) => f.all && f.pattern.bigrams.length === 0);
  let looked = 0;
  const visit = (i: number, chosen: Choice[], value: number) => {
    if (looked >= MAX_SIGNATURES || value + (remaining[i] ?? 0) + bonuses < theta - EPSILON) return;
    const partial = { choices: chosen, bigrams: [], score: value, phrases: [] };
    if (chosen.length && whole.some((f) => contains(f.pattern, partial))) return;
    if (i === words.length) {
      if (chosen.length === 0) return;
      const held = new Set(chosen.map((c) => c.word));
      const phrases = plan.bigrams.flatMap((g, j) => (held.has(g.a) && held.has(g.b) ? [j] : []));
      for (let mask = 0; mask < 1 << phrases.length; mask++) {
        looked++;
        const s = pattern(
          plan,
          chosen,
          phrases.filter((_, j) => mask & (1 << j)),
        );
        if (s.score >= theta - EPSILON && !settled(s, fetched)) open.push(s);
      }
      return;
    }
    for (const term of words[i].terms)
      for (const field of FIELDS)
        visit(i + 1, [...chosen, choice(words[i].word, term, field)], value + valueOf(term, field));
    visit(i + 1, chosen, value);
  };
  visit(0, [], 0);
  return open;
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
