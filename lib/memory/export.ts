// Export of memory as JSONL: one manifest line, then one line per live entry, sorted by
// (namespace, key). The document is a pure function of the data: no export time, fixed field
// order, so export → import (into an empty database) → export is byte-identical.
//
// Unsealed entries carry their decoded value. Sealed entries are exported as stored — ciphertext
// (base64) of value and metadata plus the id of the key that sealed them — never as plaintext; an
// import copies the ciphertext verbatim (it is bound to the entry's namespace and key), so the
// importing side needs the same key only to read them.
import type pg from 'pg';
import { ENTRY_COLUMNS, provenanceOf, valueOf, type EntryRow } from './rows';
import type { KeyRing } from './seal';
import { filterSql } from './sql';
import type { Provenance, ValueType } from './types';

export const EXPORT_FORMAT = 'claude-flow-memory';
export const EXPORT_VERSION = 1;
const PAGE = 500;

/** The first line of an export. */
export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  /** The namespace prefix exported, or null for everything. */
  namespace: string | null;
  /** Namespaces with at least one exported entry, sorted. */
  namespaces: string[];
  /** How many entry lines follow. */
  entries: number;
}

/** A sealed entry as stored: base64 ciphertext of the (possibly compressed) value and of the metadata. */
export interface SealedPayload {
  keyId: string;
  compressed: boolean;
  /** Serialized bytes of the plaintext value. */
  size: number;
  value: string;
  metadata: string;
}

/** One entry line. Exactly one of `value` (unsealed) and `sealed` is present. */
export interface ExportedEntry {
  namespace: string;
  key: string;
  valueType: ValueType;
  value?: unknown;
  sealed?: SealedPayload;
  tags: string[];
  metadata?: Record<string, unknown>;
  expiresAt: string | null;
  version: number;
  provenance: Provenance;
  createdAt: string;
  updatedAt: string;
}

/** The line for one row; field order is part of the format. */
export function exportedEntry(ring: KeyRing, row: EntryRow): ExportedEntry {
  const head = { namespace: row.namespace, key: row.key, valueType: row.value_type };
  const tail = {
    tags: row.tags,
    expiresAt: row.expires_at ? row.expires_at.toISOString() : null,
    version: row.version,
    provenance: provenanceOf(row),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
  if (row.key_id !== null) {
    const sealed: SealedPayload = {
      keyId: row.key_id,
      compressed: row.compressed,
      size: row.size,
      value: row.value.toString('base64'),
      metadata: String(row.metadata.sealed),
    };
    return { ...head, sealed, ...tail };
  }
  const value = valueOf(ring, row.namespace, row.key, row);
  const { tags, ...rest } = tail;
  return { ...head, value, tags, metadata: row.metadata, ...rest };
}

/**
 * The export of every live entry under `prefix` (all when undefined), line by line without
 * newlines. Reads one snapshot (a repeatable-read transaction), so the manifest's counts match the
 * lines whatever is written meanwhile.
 */
export async function* exportMemory(pool: pg.Pool, ring: KeyRing, prefix?: string): AsyncGenerator<string> {
  const client = await pool.connect();
  let committed = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const args: unknown[] = [];
    const where = filterSql({ namespace: prefix }, args).join(' AND ');
    const stats = await client.query<{ namespace: string; n: string }>(
      `SELECT e.namespace, count(*) AS n FROM memory_entry e WHERE ${where} GROUP BY e.namespace ORDER BY e.namespace COLLATE "C"`,
      args,
    );
    const manifest: ExportManifest = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      namespace: prefix ?? null,
      namespaces: stats.rows.map((r) => r.namespace),
      entries: stats.rows.reduce((n, r) => n + Number(r.n), 0),
    };
    yield JSON.stringify(manifest);
    // One sort, read in pages through a cursor (keyset paging would re-sort for every page).
    await client.query(
      `DECLARE memory_export NO SCROLL CURSOR FOR SELECT ${ENTRY_COLUMNS} FROM memory_entry e WHERE ${where}
        ORDER BY e.namespace COLLATE "C", e.key COLLATE "C"`,
      args,
    );
    for (;;) {
      const page = await client.query<EntryRow>(`FETCH ${PAGE} FROM memory_export`);
      for (const row of page.rows) yield JSON.stringify(exportedEntry(ring, row));
      if (page.rows.length < PAGE) break;
    }
    await client.query('COMMIT');
    committed = true;
  } finally {
    // Also reached when the reader stops early: never hand back a connection mid-transaction.
    if (!committed) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}
