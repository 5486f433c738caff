// A session's memory: context for its prompts, and snapshots of its namespaces for checkpoints.
import { ApplicationFailure } from '@temporalio/activity';
import type { CapturedEntry } from '../../lib/memory';
import { FAILURE_TYPES } from '../../workflows/contract/failures';
import type { ActivityDeps } from '../deps';

export interface MemorySnapshot {
  namespaces: string[];
  entries: CapturedEntry[];
}

const MAX_SNAPSHOT_ENTRIES = 5_000;
/** Auto-saved exchanges carry this tag; they are the transcript, so context retrieval skips them. */
export const EXCHANGE_TAG = 'exchange';

/** An entry a turn's prompt was given, as its reply's message records it. */
export interface UsedEntry {
  namespace: string;
  key: string;
  version: number;
  score: number;
}

/**
 * The most relevant entries of `namespaces` for `prompt`, rendered for a system prompt and cut to
 * about `tokenBudget` tokens (see retrieveContext in lib/memory), and which entries those are, best
 * first. Empty when nothing matches.
 */
export async function memoryContext(
  deps: ActivityDeps,
  namespaces: string[],
  prompt: string,
  tokenBudget: number,
): Promise<{ text: string; used: UsedEntry[] }> {
  if (!deps.memory) return { text: '', used: [] };
  const ctx = await deps.memory.retrieveContext({ prompt, namespaces, tokenBudget, excludeTags: [EXCHANGE_TAG] });
  return {
    text: ctx.text,
    used: ctx.entries.map((e) => ({
      namespace: e.namespace,
      key: e.key,
      version: e.version,
      score: Math.round(e.score * 1e4) / 1e4,
    })),
  };
}

/**
 * Every unsealed entry of the namespaces, with its version. Sealed namespaces, and sealed ones
 * nested under a captured namespace, are left out: no plaintext is ever copied into a checkpoint.
 */
export async function snapshotNamespaces(deps: ActivityDeps, namespaces: string[]): Promise<MemorySnapshot> {
  const memory = deps.memory;
  const snapshot: MemorySnapshot = { namespaces: [], entries: [] };
  if (!memory) return snapshot;
  for (const namespace of namespaces) {
    if (memory.isSealed(namespace)) continue;
    snapshot.namespaces.push(namespace);
    let cursor: string | undefined;
    do {
      const page = await memory.list({ namespace, cursor, limit: 200 });
      for (const e of page.entries) {
        if (memory.isSealed(e.namespace)) continue;
        snapshot.entries.push({
          namespace: e.namespace,
          key: e.key,
          value: e.value,
          valueType: e.valueType,
          tags: e.tags,
          metadata: e.metadata,
          expiresAt: e.expiresAt ?? undefined,
          version: e.version,
        });
      }
      cursor = page.nextCursor;
      if (snapshot.entries.length > MAX_SNAPSHOT_ENTRIES) {
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.TooLarge,
          nonRetryable: true,
          message: `memory snapshot over ${MAX_SNAPSHOT_ENTRIES} entries; narrow the session's memoryNamespaces`,
        });
      }
    } while (cursor);
  }
  return snapshot;
}

/** A captured snapshot as stored in a checkpoint row, checked: undefined when it is damaged. */
export function snapshotOf(stored: unknown): MemorySnapshot | undefined {
  const s = stored as Partial<MemorySnapshot> | null;
  if (s === null) return { namespaces: [], entries: [] };
  if (!s || !Array.isArray(s.namespaces) || !Array.isArray(s.entries)) return undefined;
  const ok = s.entries.every(
    (e) => e && typeof e === 'object' && typeof e.namespace === 'string' && typeof e.key === 'string',
  );
  return ok && s.namespaces.every((n) => typeof n === 'string') ? (s as MemorySnapshot) : undefined;
}

/** The snapshot with its namespaces renamed by `rename` (a fork seeds its own namespaces). */
export function renamed(snapshot: MemorySnapshot, rename: (ns: string) => string): MemorySnapshot {
  return {
    namespaces: snapshot.namespaces.map(rename),
    // A fork's entries start their own history.
    entries: snapshot.entries.map(({ version: _v, ...e }) => ({ ...e, namespace: rename(e.namespace) })),
  };
}
