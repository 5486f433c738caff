// A session's memory: context for its prompts, and snapshots of its namespaces for checkpoints.
import type { SetInput } from '../../lib/memory';
import type { ActivityDeps } from '../deps';

export interface MemorySnapshot {
  namespaces: string[];
  entries: Omit<SetInput, 'provenance' | 'expectedVersion' | 'ttlSeconds'>[];
}

const MAX_SNAPSHOT_ENTRIES = 5_000;
/** Auto-saved exchanges carry this tag; they are the transcript, so context retrieval skips them. */
export const EXCHANGE_TAG = 'exchange';

/**
 * The most relevant entries of `namespaces` for `prompt`, rendered for a system prompt and cut to
 * about `tokenBudget` tokens; see retrieveContext in lib/memory. Empty when nothing matches.
 */
export async function memoryContext(
  deps: ActivityDeps,
  namespaces: string[],
  prompt: string,
  tokenBudget: number,
): Promise<string> {
  if (!deps.memory) return '';
  return (await deps.memory.retrieveContext({ prompt, namespaces, tokenBudget, excludeTags: [EXCHANGE_TAG] })).text;
}

/** Every entry of the (unsealed) namespaces; sealed namespaces are left out so no plaintext is copied. */
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
        snapshot.entries.push({
          namespace: e.namespace,
          key: e.key,
          value: e.value,
          valueType: e.valueType,
          tags: e.tags,
          metadata: e.metadata,
          expiresAt: e.expiresAt ?? undefined,
        });
      }
      cursor = page.nextCursor;
      if (snapshot.entries.length > MAX_SNAPSHOT_ENTRIES) {
        throw new Error(`memory snapshot over ${MAX_SNAPSHOT_ENTRIES} entries; narrow the session's memoryNamespaces`);
      }
    } while (cursor);
  }
  return snapshot;
}

/** Puts the namespaces back as captured (optionally into another prefix, for forks). */
export async function restoreSnapshot(
  deps: ActivityDeps,
  snapshot: MemorySnapshot | null,
  move?: { from: string; to: string },
) {
  const memory = deps.memory;
  if (!memory || !snapshot) return;
  const rename = (ns: string) => (move && ns.startsWith(move.from) ? move.to + ns.slice(move.from.length) : ns);
  const now = Date.now();
  for (const namespace of snapshot.namespaces) await memory.clearNamespace(rename(namespace));
  const live = snapshot.entries.filter((e) => !e.expiresAt || Date.parse(String(e.expiresAt)) > now);
  for (let i = 0; i < live.length; i += 200) {
    await memory.bulkSet(live.slice(i, i + 200).map((e) => ({ ...e, namespace: rename(e.namespace) })));
  }
}
