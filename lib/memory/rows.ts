// Rows of memory_entry / memory_entry_version and their mapping to what callers see.
import { decode, decodeMetadata, deserialize, type ValueType } from './codec';
import { columnList, STORED_COLUMNS } from './columns';
import type { KeyRing } from './seal';
import type { MemoryEntry, MemoryEntryInfo, MemoryVersion, Provenance } from './types';

/** Columns shared by entry and version rows. */
const STORED = columnList(STORED_COLUMNS);
export const ENTRY_COLUMNS = `namespace, key, version, ${STORED}, created_at, updated_at`;
export const VERSION_COLUMNS = `version, ${STORED}, created_at`;

export interface StoredRow {
  value_type: ValueType;
  value: Buffer;
  compressed: boolean;
  key_id: string | null;
  size: number;
  stored_size: number;
  tags: string[];
  metadata: Record<string, unknown>;
  expires_at: Date | null;
  session_id: string | null;
  workflow_id: string | null;
  user_id: string | null;
  origin: string | null;
  version: number;
}

export interface EntryRow extends StoredRow {
  namespace: string;
  key: string;
  created_at: Date;
  updated_at: Date;
}

export interface VersionRow extends StoredRow {
  created_at: Date;
}

/** Only the fields that are set. */
export function provenanceOf(row: Pick<StoredRow, 'session_id' | 'workflow_id' | 'user_id' | 'origin'>): Provenance {
  const p: Provenance = {};
  if (row.session_id !== null) p.sessionId = row.session_id;
  if (row.workflow_id !== null) p.workflowId = row.workflow_id;
  if (row.user_id !== null) p.user = row.user_id;
  const origin = /^(rollback|fork):(.+)$/.exec(row.origin ?? '');
  if (origin?.[1] === 'rollback') p.rollbackOf = origin[2];
  if (origin?.[1] === 'fork') p.forkOf = origin[2];
  return p;
}

function stored(ring: KeyRing, namespace: string, key: string, row: StoredRow) {
  return {
    namespace,
    key,
    valueType: row.value_type,
    tags: row.tags,
    metadata: decodeMetadata(ring, namespace, key, row.metadata, row.key_id),
    version: row.version,
    expiresAt: row.expires_at ? row.expires_at.toISOString() : null,
    provenance: provenanceOf(row),
    size: row.size,
    storedSize: row.stored_size,
    compressed: row.compressed,
    sealed: row.key_id !== null,
  };
}

export function toInfo(ring: KeyRing, row: EntryRow): MemoryEntryInfo {
  return {
    ...stored(ring, row.namespace, row.key, row),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function valueOf(ring: KeyRing, namespace: string, key: string, row: StoredRow): unknown {
  return deserialize(
    row.value_type,
    decode(ring, namespace, key, { value: row.value, compressed: row.compressed, keyId: row.key_id }),
  );
}

export function toEntry(ring: KeyRing, row: EntryRow): MemoryEntry {
  return { ...toInfo(ring, row), value: valueOf(ring, row.namespace, row.key, row) };
}

export function toVersion(ring: KeyRing, namespace: string, key: string, row: VersionRow): MemoryVersion {
  return {
    ...stored(ring, namespace, key, row),
    value: valueOf(ring, namespace, key, row),
    writtenAt: row.created_at.toISOString(),
  };
}
