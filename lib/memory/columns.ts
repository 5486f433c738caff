// The columns of memory_entry that a write fills from its input, written once: their names (for
// every SELECT and INSERT), their parameter types, and where each value comes from. rows.ts reads
// rows by these names; writes.ts, batch.ts and import.ts insert them.
import type { PreparedWrite } from './prepare';
import { TS_CONFIG } from './sql';

/** What every write stores: a prepared write, or an entry being imported (which has the same fields). */
export type EntryWrite = Omit<PreparedWrite, 'expectedVersion'>;

export interface WriteColumn {
  name: string;
  /** SQL type of its parameter. */
  type: string;
  value: (w: EntryWrite) => unknown;
}

/** What an entry and each of its kept versions store, besides the name and version. */
export const STORED_COLUMNS: readonly WriteColumn[] = [
  { name: 'value_type', type: 'text', value: (w) => w.stored.valueType },
  { name: 'value', type: 'bytea', value: (w) => w.stored.value },
  { name: 'compressed', type: 'bool', value: (w) => w.stored.compressed },
  { name: 'key_id', type: 'text', value: (w) => w.stored.keyId },
  { name: 'size', type: 'int', value: (w) => w.stored.size },
  { name: 'stored_size', type: 'int', value: (w) => w.stored.storedSize },
  { name: 'tags', type: 'text[]', value: (w) => w.tags },
  { name: 'metadata', type: 'jsonb', value: (w) => JSON.stringify(w.metadata) },
  { name: 'expires_at', type: 'timestamptz', value: (w) => w.expiresAt },
  { name: 'session_id', type: 'text', value: (w) => w.provenance.sessionId ?? null },
  { name: 'workflow_id', type: 'text', value: (w) => w.provenance.workflowId ?? null },
  { name: 'user_id', type: 'text', value: (w) => w.provenance.user ?? null },
  { name: 'origin', type: 'text', value: (w) => originOf(w.provenance) },
];

/** The `origin` column: what restored or seeded a write (see Provenance). */
function originOf(p: EntryWrite['provenance']): string | null {
  if (p.rollbackOf) return `rollback:${p.rollbackOf}`;
  if (p.forkOf) return `fork:${p.forkOf}`;
  return null;
}

/** Everything a write gives, in parameter order: the name, then what is stored. */
export const WRITE_COLUMNS: readonly WriteColumn[] = [
  { name: 'namespace', type: 'text', value: (w) => w.namespace },
  { name: 'key', type: 'text', value: (w) => w.key },
  ...STORED_COLUMNS,
];

export const columnList = (columns: readonly WriteColumn[]) => columns.map((c) => c.name).join(', ');

/**
 * The search vector of an entry from SQL expressions for its key, tags (text[]) and value text:
 * key words weigh A, tags B, the value's text C.
 */
export function searchVector(key: string, tags: string, valueText: string): string {
  return `setweight(to_tsvector('${TS_CONFIG}', regexp_replace(${key}, '[/_.:]+', ' ', 'g')), 'A') ||
    setweight(to_tsvector('${TS_CONFIG}', array_to_string(${tags}, ' ')), 'B') ||
    setweight(to_tsvector('${TS_CONFIG}', ${valueText}), 'C')`;
}

/**
 * One write's parameters, $1 to $N: every column of {@link WRITE_COLUMNS} (cast to its type),
 * then the value text; `extra` are the parameters a statement adds after them.
 */
export function writeValues(w: EntryWrite, ...extra: unknown[]): unknown[] {
  return [...WRITE_COLUMNS.map((c) => c.value(w)), w.valueText, ...extra];
}

const position = (name: string) => WRITE_COLUMNS.findIndex((c) => c.name === name) + 1;
/** `$n::type` of a column in {@link writeValues}. */
export const param = (name: string) => `$${position(name)}::${WRITE_COLUMNS[position(name) - 1]?.type}`;
/** Where the value text is in {@link writeValues}. */
export const VALUE_TEXT_PARAM = `$${WRITE_COLUMNS.length + 1}`;
/** `$n` of the first extra parameter of {@link writeValues}. */
export const extraParam = (i: number) => `$${WRITE_COLUMNS.length + 2 + i}`;
/** The VALUES of {@link WRITE_COLUMNS} for {@link writeValues}. */
export const WRITE_PARAMS = WRITE_COLUMNS.map((c) => param(c.name)).join(', ');

/** What a write replaces in an existing entry (`ON CONFLICT (namespace, key) DO UPDATE SET …`; `e` is the entry). */
export const UPSERT_SET = `${STORED_COLUMNS.map((c) => `${c.name} = EXCLUDED.${c.name}`).join(', ')},
    version = e.version + 1, search_vector = EXCLUDED.search_vector, embedding = NULL, embedding_model = NULL,
    embedding_pending = EXCLUDED.embedding_pending, updated_at = now()`;
