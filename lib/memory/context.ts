// Memory as prompt context: the entries most relevant to a prompt, within a token budget.
import type { SearchHit, SearchInput } from './search';
import type { MemoryEntry } from './types';

/** Characters per token used for budgeting (a rough, provider-neutral estimate). */
export const CHARS_PER_TOKEN = 4;
const HITS_PER_NAMESPACE = 10;

export interface ContextInput {
  prompt: string;
  namespaces: string[];
  /** Tokens the rendered context may take; 0 or less gives no context. */
  tokenBudget: number;
}

export interface ContextEntry {
  namespace: string;
  key: string;
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

/** What retrieval needs from a store. */
export interface ContextSource {
  search(input: SearchInput): Promise<SearchHit[]>;
  get(namespace: string, key: string): Promise<MemoryEntry | undefined>;
}

/** Search terms for a prompt: its longer distinct words (longest first), any of which may match. */
export function promptTerms(text: string): string {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}_-]{4,}/gu) ?? [])];
  return words
    .sort((a, b) => b.length - a.length)
    .slice(0, 12)
    .join(' or ');
}

/**
 * The entries of `namespaces` most relevant to `prompt`, best first, rendered one per line until
 * the budget (tokenBudget × 4 characters) is spent; the last line may be cut. Sealed entries are
 * never included, and an entry found through overlapping namespaces appears once.
 */
export async function retrieveContext(source: ContextSource, input: ContextInput): Promise<RetrievedContext> {
  const q = promptTerms(input.prompt);
  if (!q || input.tokenBudget <= 0 || input.namespaces.length === 0) return { entries: [], text: '' };
  const found = await Promise.all(
    input.namespaces.map((namespace) => source.search({ q, namespace, limit: HITS_PER_NAMESPACE })),
  );
  const byName = new Map<string, SearchHit>();
  for (const hit of found.flat()) {
    const name = `${hit.namespace}\u0000${hit.key}`;
    if (!hit.sealed && !byName.has(name)) byName.set(name, hit);
  }
  const hits = [...byName.values()].sort((a, b) => b.score - a.score);
  let budget = input.tokenBudget * CHARS_PER_TOKEN;
  const entries: ContextEntry[] = [];
  for (const hit of hits) {
    if (budget <= 0) break;
    const entry = await source.get(hit.namespace, hit.key);
    if (!entry) continue;
    const value = typeof entry.value === 'string' ? entry.value : JSON.stringify(entry.value);
    const line = `- ${hit.namespace}${hit.key}: ${value}`.slice(0, budget);
    entries.push({ namespace: hit.namespace, key: hit.key, score: hit.score, line });
    budget -= line.length;
  }
  return { entries, text: entries.length ? `Relevant memory:\n${entries.map((e) => e.line).join('\n')}` : '' };
}
