// One write or clear inside a caller's transaction, with everything a write owes: a kept version,
// pruning of old ones, a live event, and (for an unsealed entry, when embedding) an embedding once
// the transaction commits. The column list is columns.ts; batch.ts and import.ts write the same
// columns in their own statements.
import type pg from 'pg';
import { conflict } from '../errors';
import { publish } from '../live';
import type { EntryCache } from './cache';
import type { CodecOptions } from './codec';
import {
  columnList,
  extraParam,
  param,
  searchVector,
  UPSERT_SET,
  VALUE_TEXT_PARAM,
  WRITE_COLUMNS,
  WRITE_PARAMS,
  writeValues,
} from './columns';
import type { EmbedQueue, Owed } from './embed-queue';
import type { PreparedWrite } from './prepare';
import { ENTRY_COLUMNS, toInfo, VERSION_COLUMNS, type EntryRow } from './rows';
import type { KeyRing } from './seal';
import { LIVE, likePrefix } from './sql';
import type { MemoryChange, MemoryEntryInfo, Provenance } from './types';

export type Queryable = Pick<pg.PoolClient, 'query'>;

/** What the store's parts share (MemoryStore builds it once). */
export interface StoreParts {
  pool: pg.Pool;
  ring: KeyRing;
  codec: CodecOptions;
  /** Versions kept per entry, the current one included. */
  versions: number;
  /** Undefined: no read cache. */
  cache: EntryCache | undefined;
  embeds: EmbedQueue;
  isSealed(namespace: string): boolean;
}

const UPSERT = `
  INSERT INTO memory_entry AS e (${columnList(WRITE_COLUMNS)}, version, search_vector, embedding_pending)
  VALUES (${WRITE_PARAMS}, COALESCE(${extraParam(2)}::int, 1), ${searchVector(param('key'), param('tags'), VALUE_TEXT_PARAM)}, ${extraParam(1)}::bool)
  ON CONFLICT (namespace, key) DO UPDATE SET
    ${UPSERT_SET}
  WHERE ${LIVE} AND (${extraParam(0)}::int IS NULL OR e.version = ${extraParam(0)})
  RETURNING id, ${ENTRY_COLUMNS}, (xmax = 0) AS inserted`;

/**
 * Keeps what `FROM …` selects (entries: their id, version and stored columns) as versions, each
 * written at its entry's updated_at.
 */
export const keepVersions = (from: string) =>
  `INSERT INTO memory_entry_version (entry_id, ${VERSION_COLUMNS})
   SELECT id, ${VERSION_COLUMNS.replace('created_at', 'updated_at')} FROM ${from}`;

/** Keeps the entry's current version ($1: its id) and drops those older than the kept count ($2). */
const KEEP_VERSION = `
  WITH kept AS (${keepVersions('memory_entry WHERE id = $1')})
  DELETE FROM memory_entry_version WHERE entry_id = $1 AND version <= $2`;

/** One write in `c`'s transaction; an unsealed entry's embedding is added to `owed` (when embedding). */
export async function writeEntry(
  parts: Pick<StoreParts, 'ring' | 'versions' | 'embeds'>,
  c: Queryable,
  w: PreparedWrite,
  owed?: Owed[],
  /** The version a newly created entry starts at (default 1): a restore keeps versions going forward. */
  insertVersion?: number,
): Promise<MemoryEntryInfo> {
  const embed = parts.embeds.enabled && w.stored.keyId === null;
  // Two round trips in the common case (the upsert, then the kept version), besides the event: an
  // expired entry under the same name (the upsert leaves it alone) is deleted only when met.
  const upsert = () =>
    c.query<EntryRow & { id: string; inserted: boolean }>(
      UPSERT,
      writeValues(w, w.expectedVersion ?? null, embed, insertVersion ?? null),
    );
  let row = (await upsert()).rows[0];
  if (!row) {
    const expired = await c.query(`DELETE FROM memory_entry e WHERE namespace = $1 AND key = $2 AND NOT ${LIVE}`, [
      w.namespace,
      w.key,
    ]);
    if (expired.rowCount) row = (await upsert()).rows[0];
  }
  const expected = w.expectedVersion;
  if (!row || (expected !== undefined && row.inserted && expected !== 0)) {
    const current = row ? 0 : await currentVersion(c, w.namespace, w.key);
    throw conflict(
      `${w.namespace}${w.key} is at version ${current === 0 ? '0 (it does not exist)' : current}, not the expected version ${expected}: read it again and retry with expectedVersion ${current}`,
    );
  }
  await c.query(KEEP_VERSION, [row.id, row.version - parts.versions]);
  await announce(c, 'memory.set', {
    namespace: w.namespace,
    key: w.key,
    version: row.version,
    actor: w.provenance,
  });
  if (embed) owed?.push(parts.embeds.owed(row.id, row.version, w));
  return toInfo(parts.ring, row);
}

/** The live entry's version; 0 when there is none. */
export async function currentVersion(c: Queryable, namespace: string, key: string): Promise<number> {
  const r = await c.query<{ version: number }>(
    `SELECT version FROM memory_entry e WHERE namespace = $1 AND key = $2 AND ${LIVE}`,
    [namespace, key],
  );
  return r.rows[0]?.version ?? 0;
}

/** Publishes a change on `memory:<namespace>` in `c`'s transaction. */
export async function announce(
  c: Queryable,
  type: string,
  change: MemoryChange | Record<string, unknown>,
): Promise<void> {
  await publish(c, `memory:${String(change.namespace)}`, type, change);
}

/** Deletes every entry in `namespace` and under it (expired ones too); returns how many live ones went. */
export async function clearIn(c: Queryable, namespace: string, actor: Provenance): Promise<number> {
  const r = await c.query<{ live: boolean }>(
    `DELETE FROM memory_entry e WHERE e.namespace LIKE $1 RETURNING ${LIVE} AS live`,
    [likePrefix(namespace)],
  );
  const count = r.rows.filter((row) => row.live).length;
  await announce(c, 'memory.clear', { namespace, count, actor });
  return count;
}
