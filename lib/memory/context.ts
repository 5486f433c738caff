// Memory as prompt context: the entries most relevant to a prompt, within a token budget. The
// prompt itself is the query (its meaningful words, rarer ones weighing more: see query.ts), and
// entries far weaker than the best one are left out rather than padding the prompt.
import { MAX_QUERY_LENGTH, type SearchHit, type SearchInput } from './search';
import type { MemoryEntry } from './types';

/** Characters per token used for budgeting (a rough, provider-neutral estimate). */
export const CHARS_PER_TOKEN = 4;
const HITS_PER_NAMESPACE = 10;
/** Characters of a prompt that are searched for (the first ones). */
export const PROMPT_QUERY_CHARS = 2_000;
/** Entries scoring under this share of the best one are not used. */
export const MIN_RELATIVE_SCORE = 0.25;

export interface ContextInput {
  prompt: string;
  namespaces: string[];
  /** Tokens the rendered context may take; 0 or less gives no context. */
  tokenBudget: number;
  /** Entries carrying any of these tags are left out (e.g. a session's saved exchanges). */
  excludeTags?: string[];
}

export interface ContextEntry {
  namespace: string;
  key: string;
  /** The version whose value was used. */
  version: number;
  score: number;
  /** The rendered line (possibly cut to fit the budget). */
  line: string;
}

export interface RetrievedContext {
  /** Best first. */
  entries: ContextEntry[];
  /** `Relevant memory:\n- <ns><key>: <value>` lines, or '' when nothing matched. */
  text: string;
}

/** A ranked entry with its value, as the one-query path finds it. */
export interface ContextCandidate {
  namespace: string;
  key: string;
  version: number;
  score: number;
  value: unknown;
}

/** What retrieval needs from a store. */
export interface ContextSource {
  search(input: SearchInput): Promise<SearchHit[]>;
  get(namespace: string, key: string): Promise<MemoryEntry | undefined>;
  /**
   * When given: the best unsealed entries of any of the namespaces, values included, in one query
   * (text ranking). Used instead of search + get per hit.
   */
  candidates?(q: string, namespaces: string[], excludeTags: string[], limit: number): Promise<ContextCandidate[]>;
}

/** What of a prompt is searched for: its words only (quotes and leading dashes are not search syntax here). */
export function promptQuery(prompt: string, chars = PROMPT_QUERY_CHARS): string {
  return prompt
    .slice(0, chars)
    .replace(/["]+/g, ' ')
    .replace(/(^|\s)-+/g, '$1')
    .trim();
}

/**
 * The entries of `namespaces` most relevant to `prompt`, best first, rendered one per line until
 * the budget (tokenBudget × 4 characters) is spent; the last line may be cut. Sealed entries are
 * never included, and an entry found through overlapping namespaces appears once.
 */
export async function retrieveContext(source: ContextSource, input: ContextInput): Promise<RetrievedContext> {
  const q = promptQuery(input.prompt, source.candidates ? PROMPT_QUERY_CHARS : MAX_QUERY_LENGTH);
  if (!q || input.tokenBudget <= 0 || input.namespaces.length === 0) return { entries: [], text: '' };
  const excludeTags = input.excludeTags ?? [];
  if (source.candidates) {
    const found = await source.candidates(
      q,
      input.namespaces,
      excludeTags,
      HITS_PER_NAMESPACE * input.namespaces.length,
    );
    return render(found, input.tokenBudget);
  }
  const found = await Promise.all(
    input.namespaces.map((namespace) =>
      source.search({ q, namespace, limit: HITS_PER_NAMESPACE, ...(excludeTags.length ? { excludeTags } : {}) }),
    ),
  );
  const byName = new Map<string, SearchHit>();
  for (const hit of found.flat()) {
    const name = `${hit.namespace}\u0000${hit.key}`;
    if (!hit.sealed && !byName.has(name)) byName.set(name, hit);
  }
  const hits = [...byName.values()].sort((a, b) => b.score - a.score);
  const withValues: ContextCandidate[] = [];
  let chars = 0;
  for (const hit of hits) {
    if (chars >= input.tokenBudget * CHARS_PER_TOKEN) break;
    const entry = await source.get(hit.namespace, hit.key);
    if (!entry) continue;
    withValues.push({
      namespace: hit.namespace,
      key: hit.key,
      version: entry.version,
      score: hit.score,
      value: entry.value,
    });
    chars += hit.namespace.length + hit.key.length + JSON.stringify(entry.value).length;
  }
  return render(withValues, input.tokenBudget);
}

/**
 * One line per candidate, best first, until the budget (tokenBudget × 4 characters) is spent;
 * candidates under MIN_RELATIVE_SCORE of the best are left out.
 */
function render(candidates: ContextCandidate[], tokenBudget: number): RetrievedContext {
  let budget = tokenBudget * CHARS_PER_TOKEN;
  const entries: ContextEntry[] = [];
  const floor = (candidates[0]?.score ?? 0) * MIN_RELATIVE_SCORE;
  for (const c of candidates) {
    if (budget <= 0 || c.score < floor) break;
    const value = typeof c.value === 'string' ? c.value : JSON.stringify(c.value);
    const line = `- ${c.namespace}${c.key}: ${value}`.slice(0, budget);
    entries.push({ namespace: c.namespace, key: c.key, version: c.version, score: c.score, line });
    budget -= line.length;
  }
  return { entries, text: entries.length ? `Relevant memory:\n${entries.map((e) => e.line).join('\n')}` : '' };
}
