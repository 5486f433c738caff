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
// How each fetch is done is decided here, from the word counts, not left to the planner (which
// takes a pattern's words as independent and once walked all 1M entries for two words that never
// meet): a fetch that can match at most FETCH_ALL_ROWS entries reads them all; one expected to
// find its `limit` newest soon walks the recency index, for a bounded number of rows (then it is
// done again as a sort); any other reads its matches through the text index of its most selective
// condition (a word most entries hold is checked on those rows, never read from its index) and
// sorts them.
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
/** A fetch that can match at most this many entries reads all of them (no order, no limit): it settles its pattern. */
export const FETCH_ALL_ROWS = 200;
/**
 * A fetch walks the recency index, newest first, until it has found `limit` matches, when that is
 * expected to take at most this many rows and fewer than WALK_COST times the rows that reading
 * its matches through the text indexes and sorting them would (a walk reads rows in order, the
 * bitmap at random: measured about 1 against 6 µs a row at 1M entries). The planner cannot
 * choose: it takes the words of a pattern as independent and has no counts per field, and one
 * wrong walk reads the whole table.
 */
export const WALK_ROWS = 40_000;
const WALK_COST = 6;
/** A condition meeting more than this many times the entries of a fetch's most selective one is checked, not indexed. */
const FILTER_RATIO = 4;
/** The share of entries holding two words that hold them as a phrase, for the estimates above. */
const PHRASE_SHARE = 0.1;
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
  /** At most this many entries meet it (unknown: Infinity). */
  most?: number;
  /** Checked on the rows another condition's index found, not through its own index. */
  filter?: boolean;
}

/** A fetch done: its pattern, whether it returned every entry meeting it, and its least score. */
interface Fetched {
  pattern: Pattern;
  all: boolean;
  least: number;
}

/**
 * A fetch to do: all entries meeting the conditions (`all`), or the newest `limit` of them, found
 * by walking the recency index (`walk`) or by reading every match through the text indexes and
 * sorting them (`sort`).
 */
interface Fetch {
  pattern?: Pattern;
  conditions: Condition[];
  how: 'all' | 'walk' | 'sort' | 'planner';
  /** Most rows a walk reads. */
  walk?: number;
}

/** The best `limit` entries for `plan` within `scope`, best first (see the top of this file). */
export async function rankText(pool: pg.Pool, plan: QueryPlan, scope: RankScope, limit: number): Promise<Ranked[]> {
  if (plan.terms.length === 0) return [];
  const args: unknown[] = [plan.terms.map((t) => t.lexeme)];
  const where = scopeSql(plan, scope, args);
  // The counts are of all entries: within a namespace, tags, a time range or required phrases they
  // say too little, and the planner, which sees those conditions' own indexes, chooses.
  const scoped = Boolean(
    scope.namespace !== undefined ||
    scope.namespaces?.length ||
    scope.tags?.length ||
    scope.from !== undefined ||
    scope.to !== undefined ||
    plan.phrases.length ||
    plan.excluded.length,
  );
  const scopeArgs = args.length;
  const scored = new Map<string, Scored>();
  const fetched: Fetched[] = [];

  const run = async (fetches: Fetch[]) => {
    args.length = scopeArgs; // the scope's arguments stay, the last round's go
    // A walk's conditions are calls (no index serves them) and a sort's order is an expression (the
    // recency index does not serve it): so the planner does what the fetch says.
    const condition = (c: Condition, walk: boolean, planner: boolean) => {
      args.push(c.tsquery);
      return walk || (c.filter && !planner)
        ? `ts_match_vq(${c.vector}, $${args.length}::tsquery)`
        : `${c.vector} @@ $${args.length}::tsquery`;
    };
    const ORDER = {
      all: '',
      walk: 'e.updated_at DESC, e.id DESC',
      sort: `e.updated_at + interval '0' DESC, e.id DESC`,
      planner: 'e.updated_at DESC, e.id DESC',
    };
    const sources = fetches.map((f, i) => {
      const conditions = f.conditions.map((c) => condition(c, f.how === 'walk', f.how === 'planner')).join(' AND ');
      // A walk stops after f.walk rows whatever it found: the words of a pattern can be far rarer
      // together than apart (or never meet), and then it is done again as a sort.
      if (f.how === 'walk')
        return `(SELECT ${i} AS f, w.id FROM (SELECT e.id, ${conditions} AS m FROM memory_entry e WHERE ${where}
                  ORDER BY ${ORDER.walk} LIMIT ${f.walk}) w WHERE w.m LIMIT ${limit})`;
      return (
        `(SELECT ${i} AS f, e.id FROM memory_entry e WHERE ${where} AND ${conditions}` +
        (f.how === 'all' ? ')' : ` ORDER BY ${ORDER[f.how]} LIMIT ${limit})`)
      );
    });
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
    const again = fetches.filter((f, i) => f.how === 'walk' && counts[i] < limit);
    fetches.forEach((f, i) => {
      if (f.how === 'walk' && counts[i] < limit) return; // settles nothing: its walk ended first
      if (f.pattern) fetched.push({ pattern: f.pattern, all: f.how === 'all' || counts[i] < limit, least: least[i] });
    });
    if (again.length) await run(again.map((f) => ({ ...f, how: 'sort' })));
  };

  const rare = plan.terms.filter((t) => t.rare);
  const words = commonWords(plan);
  const first: Fetch[] = [];
  if (rare.length) {
    const tsquery = rare.map((t) => tsLiteral(t.lexeme)).join(' | ');
    first.push({ conditions: [{ vector: 'e.search_vector', tsquery }], how: 'all' });
  }
  for (const w of words) {
    for (const term of w.terms) {
      const single = (field: Field) =>
        patternFetch(plan, pattern(plan, [choice(w.word, term, field)], []), limit, scoped);
      // Few entries hold it in their key or tags: all of those at once (no pattern with it there is left open).
      const keyOrTags = single('B');
      if (keyOrTags.how === 'all') first.push(keyOrTags);
      else first.push(single('A'), keyOrTags);
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
    await run(next.map((p) => patternFetch(plan, p, limit, scoped)));
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
function patternFetch(plan: QueryPlan, p: Pattern, limit: number, scoped: boolean): Fetch {
  const keyTags = p.choices
    .filter((c) => c.field !== 'C')
    .map((c) => tsLiteral(c.term.lexeme, c.field === 'A' ? 'A' : ''));
  const anywhere = [...p.choices.filter((c) => c.field === 'C').map((c) => tsLiteral(c.term.lexeme)), ...p.phrases];
  const counts = (choices: Choice[], key: boolean) => Math.min(...choices.map((c) => (key ? c.term.keyDf : c.term.df)));
  const conditions: Condition[] = [];
  if (keyTags.length)
    conditions.push({
      vector: 'e.key_tags_vector',
      tsquery: keyTags.join(' & '),
      most: counts(
        p.choices.filter((c) => c.field !== 'C'),
        true,
      ),
    });
  if (anywhere.length)
    conditions.push({
      vector: 'e.search_vector',
      tsquery: anywhere.map((q) => `(${q})`).join(' & '),
      most: counts(
        p.choices.filter((c) => c.field === 'C'),
        false,
      ),
    });
  // Only a condition about as selective as the most selective one goes through its index: reading
  // the posting list of a word most entries hold costs more than checking it on the rows found.
  const fewest = Math.min(...conditions.map((c) => c.most ?? Infinity));
  for (const c of conditions) c.filter = (c.most ?? Infinity) > FILTER_RATIO * fewest;
  const { most, expected } = matchesOf(plan, p);
  const walked = (limit * plan.entries) / Math.max(expected, 1e-9);
  const how =
    most <= FETCH_ALL_ROWS
      ? 'all'
      : scoped
        ? 'planner'
        : walked <= WALK_ROWS && walked < WALK_COST * fewest
          ? 'walk'
          : 'sort';
  return { pattern: p, conditions, how, walk: Math.ceil(Math.min(WALK_ROWS, Math.max(2_000, 4 * walked))) };
}

/**
 * How many entries meet pattern `p`: at most (its rarest condition's count), and as expected if
 * its words were independent (a key choice counts half its key-or-tags entries).
 */
function matchesOf(plan: QueryPlan, p: Pattern): { most: number; expected: number } {
  const counts = p.choices.map((c) =>
    c.field === 'C' ? c.term.df : c.field === 'A' ? c.term.keyDf / 2 : c.term.keyDf,
  );
  const most = Math.min(...p.choices.map((c) => (c.field === 'C' ? c.term.df : c.term.keyDf)));
  const share = counts.reduce((s, n) => s * Math.min(n / plan.entries, 1), 1) * PHRASE_SHARE ** p.bigrams.length;
  return { most, expected: share * plan.entries };
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
