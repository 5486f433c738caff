// Batched writes for auto-save: many entries in ONE statement (one round trip, atomic on its own),
// with the same effects as MemoryStore.set for each: upsert, a kept version, pruning of old
// versions, and a `memory.set` live event (stored and NOTIFYed) per entry that changed.
//
// Idempotent by content: an entry whose stored bytes, tags, metadata and expiry are already what
// the batch writes is left alone (no new version, no event), so a retried activity that saves the
// same things again changes nothing. A name whose current entry has expired is not written by the
// statement, which reports such names back: saveManyIn replaces those, history and all, through
// the ordinary write (writes.ts). The columns are columns.ts's, as for every write.
import { notifySql } from '../live';
import { columnList, searchVector, UPSERT_SET, WRITE_COLUMNS, type WriteColumn } from './columns';
import type { Owed } from './embed-queue';
import type { PreparedWrite } from './prepare';
import { ENTRY_COLUMNS, toInfo, type EntryRow } from './rows';
import { LIVE } from './sql';
import type { MemoryEntryInfo } from './types';
import { keepVersions, writeEntry, type Queryable, type StoreParts } from './writes';

const e = (cols: string) => cols.replace(/(^|,\s*)(\w+)/g, '$1e.$2');

// One array parameter per column (then the value texts), unnested into the `input` rows. unnest
// takes no arrays of arrays, so a list column travels as JSON text and is rebuilt in `input`.
const isList = (c: WriteColumn) => c.type.endsWith('[]');
const INPUT_PARAMS = [
  ...WRITE_COLUMNS.map((c, i) => `$${i + 1}::${isList(c) ? 'text' : c.type}[]`),
  `$${WRITE_COLUMNS.length + 1}::text[]`,
].join(', ');
const INPUT_SELECT = WRITE_COLUMNS.map((c) =>
  isList(c) ? `ARRAY(SELECT jsonb_array_elements_text(t.${c.name}::jsonb)) AS ${c.name}` : `t.${c.name}`,
).join(', ');
// An expired name's row: NULL for the rest of the entry's columns, and for `notified`.
const EXPIRED_NULLS = Array(ENTRY_COLUMNS.split(',').length - 2 + 1)
  .fill('NULL')
  .join(', ');
const EMBED_PARAM = `$${WRITE_COLUMNS.length + 2}`;
const VERSIONS_PARAM = `$${WRITE_COLUMNS.length + 3}`;

export const SAVE_MANY = `
  WITH input AS (
    SELECT ${INPUT_SELECT}, t.value_text, t.ord
      FROM unnest(${INPUT_PARAMS})
           WITH ORDINALITY AS t(${columnList(WRITE_COLUMNS)}, value_text, ord)
  ),
  expired AS (
    SELECT e.namespace, e.key FROM memory_entry e JOIN input i USING (namespace, key) WHERE NOT ${LIVE}
  ),
  up AS (
    INSERT INTO memory_entry AS e (${columnList(WRITE_COLUMNS)}, version, search_vector, embedding_pending)
    SELECT ${columnList(WRITE_COLUMNS)}, 1, ${searchVector('key', 'tags', 'value_text')},
           ${EMBED_PARAM}::bool AND key_id IS NULL
      FROM input ORDER BY ord
    ON CONFLICT (namespace, key) DO UPDATE SET
      ${UPSERT_SET}
    WHERE ${LIVE}
      AND (e.value_type, e.value, e.key_id, e.tags, e.metadata, e.expires_at)
          IS DISTINCT FROM (EXCLUDED.value_type, EXCLUDED.value, EXCLUDED.key_id, EXCLUDED.tags, EXCLUDED.metadata,
                            EXCLUDED.expires_at)
    RETURNING e.id, ${e(ENTRY_COLUMNS)}
  ),
  kept AS (
    ${keepVersions('up')}
  ),
  pruned AS (
    DELETE FROM memory_entry_version v USING up WHERE v.entry_id = up.id AND v.version <= up.version - ${VERSIONS_PARAM}::int
  ),
  ev AS (
    INSERT INTO live_event (channel, type, data)
    SELECT 'memory:' || namespace, 'memory.set',
           jsonb_build_object('namespace', namespace, 'key', key, 'version', version,
             'actor', jsonb_strip_nulls(jsonb_build_object('sessionId', session_id, 'workflowId', workflow_id,
                                                           'user', user_id)))
      FROM up ORDER BY namespace, key
    RETURNING id, channel, type, data, created_at
  ),
  notified AS (
    ${notifySql('ev')}
  )
  SELECT 'written' AS kind, up.*, (SELECT notified FROM notified) AS notified FROM up
  UNION ALL
  SELECT 'expired', NULL, namespace, key, ${EXPIRED_NULLS} FROM expired`;

export type SaveManyRow =
  (EntryRow & { id: string; kind: 'written' }) | { kind: 'expired'; namespace: string; key: string };

/** The parameters of {@link SAVE_MANY} for `writes` (distinct names, none with an expected version). */
export function saveManyParams(writes: PreparedWrite[], embed: boolean, versions: number): unknown[] {
  return [
    ...WRITE_COLUMNS.map((c) => writes.map((w) => (isList(c) ? JSON.stringify(c.value(w)) : c.value(w)))),
    writes.map((w) => w.valueText),
    embed,
    versions,
  ];
}

/** One string per (namespace, key). */
export const nameOf = (w: { namespace: string; key: string }) => `${w.namespace}\u0000${w.key}`;

/**
 * Writes `writes` (distinct names, none with an expected version) in `c`'s transaction: one
 * statement, plus an ordinary write for any name whose entry had expired. Returns the entries
 * written (new or changed); embeddings they owe are added to `owed`.
 */
export async function saveManyIn(
  parts: Pick<StoreParts, 'ring' | 'versions' | 'embeds'>,
  c: Queryable,
  writes: PreparedWrite[],
  owed: Owed[],
): Promise<MemoryEntryInfo[]> {
  const byName = new Map(writes.map((w) => [nameOf(w), w]));
  const embed = parts.embeds.enabled;
  const r = await c.query<SaveManyRow>(SAVE_MANY, saveManyParams(writes, embed, parts.versions));
  const entries: MemoryEntryInfo[] = [];
  for (const row of r.rows) {
    const w = byName.get(nameOf(row));
    if (row.kind === 'expired') {
      // Its entry expired: replaced (history and all) by the ordinary write.
      if (w) entries.push(await writeEntry(parts, c, w, owed));
      continue;
    }
    entries.push(toInfo(parts.ring, row));
    if (embed && w && row.key_id === null) owed.push(parts.embeds.owed(row.id, row.version, w));
  }
  return entries;
}
