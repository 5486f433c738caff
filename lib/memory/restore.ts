// Restoring namespaces to a captured state (a session's rollback, a fork's seed), in the caller's
// transaction. Restoring writes forward, never back: a restored entry gets a new, higher version
// (the captured value, provenance naming the restore), an entry created since is deleted, and one
// that had been deleted comes back above the version it was captured at. A client holding an
// `expectedVersion` from before the restore is refused (409), never allowed to overwrite.
// Sealed entries are never captured and never touched here.
import { checkName, prepareWrite } from './prepare';
import { LIVE, likePrefix } from './sql';
import type { Owed } from './embed-queue';
import { announce, writeEntry, type Queryable, type StoreParts } from './writes';
import type { Provenance, SetInput } from './types';

/** One captured entry: what a checkpoint keeps (its version, where it has one). */
export type CapturedEntry = Omit<SetInput, 'provenance' | 'expectedVersion' | 'ttlSeconds'> & { version?: number };

export interface RestoreInput {
  /** Namespaces restored whole: a live unsealed entry under one of them that is not in `entries` is deleted. */
  namespaces: string[];
  entries: CapturedEntry[];
  provenance: Provenance;
}

export interface RestoreResult {
  /** Entries written back (each at a new version). */
  restored: number;
  /** Entries created after the capture, deleted. */
  deleted: number;
  /** Captured entries whose expiry has passed since, not brought back. */
  expired: number;
}

/** Checks every name first, so a restore with a bad one fails before it changes anything. */
export function checkRestore(input: RestoreInput): void {
  for (const ns of input.namespaces) checkName(ns);
  for (const e of input.entries) checkName(e.namespace, e.key);
}

export async function restoreIn(
  parts: StoreParts,
  c: Queryable,
  input: RestoreInput,
  owed: Owed[],
): Promise<RestoreResult> {
  const now = new Date();
  const result: RestoreResult = { restored: 0, deleted: 0, expired: 0 };
  const entries = input.entries.filter((e) => !parts.isSealed(e.namespace));
  const live = entries.filter((e) => {
    const alive = !e.expiresAt || Date.parse(String(e.expiresAt)) > now.getTime();
    if (!alive) result.expired++;
    return alive;
  });
  const kept = new Set(live.map((e) => `${e.namespace}\u0000${e.key}`));
  for (const namespace of input.namespaces) {
    if (parts.isSealed(namespace)) continue;
    const current = await c.query<{ namespace: string; key: string }>(
      `SELECT namespace, key FROM memory_entry e WHERE e.namespace LIKE $1 AND ${LIVE}`,
      [likePrefix(namespace)],
    );
    for (const row of current.rows) {
      if (parts.isSealed(row.namespace) || kept.has(`${row.namespace}\u0000${row.key}`)) continue;
      const gone = await c.query<{ version: number }>(
        'DELETE FROM memory_entry WHERE namespace = $1 AND key = $2 RETURNING version',
        [row.namespace, row.key],
      );
      if (gone.rows[0]) {
        result.deleted++;
        await announce(c, 'memory.delete', {
          namespace: row.namespace,
          key: row.key,
          version: gone.rows[0].version,
          actor: input.provenance,
        });
      }
    }
  }
  for (const e of live) {
    const w = prepareWrite(parts.codec, { ...e, provenance: input.provenance }, false, now);
    await writeEntry(parts, c, w, owed, (e.version ?? 0) + 1);
    result.restored++;
  }
  return result;
}
