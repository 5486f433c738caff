// Batched writes for auto-save: many entries in ONE statement (one round trip, atomic on its own),
// with the same effects as MemoryStore.set for each: upsert, a kept version, pruning of old
// versions, and a `memory.set` live event (stored and NOTIFYed) per entry that changed.
//
// Idempotent by content: an entry whose stored bytes, tags, metadata and expiry are already what
// the batch writes is left alone (no new version, no event), so a retried activity that saves the
// same things again changes nothing. A name whose current entry has expired is not written here
// (the store replaces it, history and all, through its ordinary write path): the statement reports
// such names back.
import { NOTIFY_CHANNEL } from '../live';
import type { PreparedWrite } from './prepare';
import { ENTRY_COLUMNS, type EntryRow } from './rows';
import { LIVE, TS_CONFIG, UPSERT_SET } from './sql';

/** NOTIFY payloads must stay under 8000 bytes (as in lib/live): larger events go by reference. */
const MAX_NOTIFY_BYTES = 7_500;

const STORED_COLS = `value_type, value, compressed, key_id, size, stored_size, tags, metadata, expires_at,
  session_id, workflow_id, user_id`;

const e = (cols: string) => cols.replace(/(^|,\s*)(\w+)/g, '$1e.$2');

export const SAVE_MANY = `
  WITH input AS (
    SELECT t.namespace, t.key, t.value_type, t.value, t.compressed, t.key_id, t.size, t.stored_size,
           ARRAY(SELECT jsonb_array_elements_text(t.tags::jsonb)) AS tags, t.metadata::jsonb AS metadata,
           t.expires_at, t.session_id, t.workflow_id, t.user_id, t.value_text, t.ord
      FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::bool[], $6::text[], $7::int[], $8::int[],
                  $9::text[], $10::text[], $11::timestamptz[], $12::text[], $13::text[], $14::text[], $15::text[])
           WITH ORDINALITY AS t(namespace, key, value_type, value, compressed, key_id, size, stored_size, tags,
                                metadata, expires_at, session_id, workflow_id, user_id, value_text, ord)
  ),
  expired AS (
    SELECT e.namespace, e.key FROM memory_entry e JOIN input i USING (namespace, key) WHERE NOT ${LIVE}
  ),
  up AS (
    INSERT INTO memory_entry AS e (namespace, key, ${STORED_COLS}, version, search_vector, embedding_pending)
    SELECT namespace, key, ${STORED_COLS}, 1,
           setweight(to_tsvector('${TS_CONFIG}', regexp_replace(key, '[/_.:]+', ' ', 'g')), 'A') ||
           setweight(to_tsvector('${TS_CONFIG}', array_to_string(tags, ' ')), 'B') ||
           setweight(to_tsvector('${TS_CONFIG}', value_text), 'C'),
           $16::bool AND key_id IS NULL
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
    INSERT INTO memory_entry_version (entry_id, version, ${STORED_COLS}, created_at)
    SELECT id, version, ${STORED_COLS}, updated_at FROM up
  ),
  pruned AS (
    DELETE FROM memory_entry_version v USING up WHERE v.entry_id = up.id AND v.version <= up.version - $17::int
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
    SELECT count(pg_notify($18, CASE WHEN octet_length(p) <= ${MAX_NOTIFY_BYTES} THEN p
                                     ELSE json_build_object('id', id::text, 'channel', channel, 'ref', true)::text END)) AS n
      FROM (SELECT id, channel, json_build_object('id', id::text, 'channel', channel, 'type', type, 'data', data,
                                                  'at', created_at)::text AS p
              FROM ev ORDER BY id) x
  )
  SELECT 'written' AS kind, up.*, (SELECT n FROM notified) AS notified FROM up
  UNION ALL
  SELECT 'expired', NULL, namespace, key, ${Array(16).fill('NULL').join(', ')} FROM expired`;

export type SaveManyRow =
  (EntryRow & { id: string; kind: 'written' }) | { kind: 'expired'; namespace: string; key: string };

/** The parameters of {@link SAVE_MANY} for `writes` (distinct names, none with an expected version). */
export function saveManyParams(writes: PreparedWrite[], embed: boolean, versions: number): unknown[] {
  const col = <T>(f: (w: PreparedWrite) => T) => writes.map(f);
  return [
    col((w) => w.namespace),
    col((w) => w.key),
    col((w) => w.stored.valueType),
    col((w) => w.stored.value),
    col((w) => w.stored.compressed),
    col((w) => w.stored.keyId),
    col((w) => w.stored.size),
    col((w) => w.stored.storedSize),
    col((w) => JSON.stringify(w.tags)),
    col((w) => JSON.stringify(w.metadata)),
    col((w) => w.expiresAt),
    col((w) => w.provenance.sessionId ?? null),
    col((w) => w.provenance.workflowId ?? null),
    col((w) => w.provenance.user ?? null),
    col((w) => w.valueText),
    embed,
    versions,
    NOTIFY_CHANNEL,
  ];
}
