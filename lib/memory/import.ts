// Import of an export document (see export.ts). Two phases: every line is parsed and checked first
// (a bad line is a 400 naming its line number and field, and nothing is written), then all entries
// are written in one transaction.
//
// Idempotent by version: an entry is written only when no live entry of its name exists or the live
// one has a lower version; it then keeps the exported version, timestamps and provenance, replacing
// the older entry and its history. Importing the same document twice changes nothing the second time.
import { z } from 'zod';
import { badRequest, ProblemError } from '../errors';
import { encode, encodeMetadata, searchText, serialize, type CodecOptions, type StoredValue } from './codec';
import {
  columnList,
  extraParam,
  param,
  searchVector,
  VALUE_TEXT_PARAM,
  WRITE_COLUMNS,
  WRITE_PARAMS,
  writeValues,
} from './columns';
import { EXPORT_FORMAT, EXPORT_VERSION, type ExportedEntry } from './export';
import { tagsProblem } from './names';
import { checkName } from './prepare';
import { inTransaction, LIVE } from './sql';
import type { Provenance } from './types';
import { announce, keepVersions, type Queryable, type StoreParts } from './writes';
import { jsonProblem } from '../input-policy';

/** Largest import document the API accepts, in bytes. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

const iso = z.iso.datetime({ offset: true });
const manifestSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  namespace: z.string().nullable(),
  namespaces: z.array(z.string()),
  entries: z.number().int().min(0),
});
const entrySchema = z
  .object({
    namespace: z.string(),
    key: z.string(),
    valueType: z.enum(['json', 'text']),
    value: z.unknown().optional(),
    sealed: z
      .object({
        keyId: z.string().regex(/^[0-9a-f]{16}$/),
        compressed: z.boolean(),
        size: z.number().int().min(0),
        value: z.base64(),
        metadata: z.base64(),
      })
      .strict()
      .optional(),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()).optional(),
    expiresAt: iso.nullable(),
    version: z.number().int().min(1),
    provenance: z
      .object({
        sessionId: z.string(),
        workflowId: z.string(),
        user: z.string(),
        rollbackOf: z.string(),
        forkOf: z.string(),
      })
      .partial()
      .strict(),
    createdAt: iso,
    updatedAt: iso,
  })
  .strict();

/** One entry, checked and encoded, ready to insert. */
export interface ImportRow {
  namespace: string;
  key: string;
  stored: StoredValue;
  metadata: Record<string, unknown>;
  tags: string[];
  expiresAt: Date | null;
  version: number;
  provenance: Provenance;
  createdAt: Date;
  updatedAt: Date;
  valueText: string;
}

const lineError = (line: number, field: string, message: string) =>
  badRequest(`line ${line}: ${field}: ${message}`, { line, field });

function parseLine<T extends z.ZodType>(schema: T, text: string, line: number): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw lineError(line, 'line', `not JSON (${(err as Error).message})`);
  }
  // The API's input policy, per line: no NUL or invalid Unicode, bounded depth, no __proto__ keys.
  const breach = jsonProblem(json);
  if (breach) throw lineError(line, breach.field, breach.message);
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw lineError(line, issue?.path.join('.') || 'line', issue?.message ?? 'invalid');
}

function toRow(
  codec: CodecOptions,
  isSealed: (namespace: string) => boolean,
  e: z.output<typeof entrySchema>,
  line: number,
): ImportRow {
  const field = (name: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ProblemError) throw lineError(line, name, err.detail);
      throw err;
    }
  };
  field('namespace', () => checkName(e.namespace));
  field('key', () => checkName(e.namespace, e.key));
  const tagProblem = tagsProblem(e.tags);
  if (tagProblem) throw lineError(line, 'tags', tagProblem);
  if ((e.sealed === undefined) === (e.value === undefined)) {
    throw lineError(line, 'value', 'give exactly one of value (plain) and sealed (ciphertext)');
  }
  if (e.sealed && e.metadata !== undefined) throw lineError(line, 'metadata', 'a sealed entry carries it in sealed');
  let stored: StoredValue | undefined;
  let metadata: Record<string, unknown> = {};
  let valueText = '';
  if (e.sealed) {
    const value = Buffer.from(e.sealed.value, 'base64');
    const s = e.sealed;
    stored = {
      valueType: e.valueType,
      value,
      compressed: s.compressed,
      keyId: s.keyId,
      size: s.size,
      storedSize: value.length,
    };
    metadata = { sealed: s.metadata };
  } else {
    const sealed = isSealed(e.namespace);
    field('value', () => {
      const { valueType, bytes } = serialize(e.value, e.valueType);
      stored = encode(codec, e.namespace, e.key, valueType, bytes, sealed);
      metadata = encodeMetadata(codec.ring, e.namespace, e.key, e.metadata ?? {}, sealed);
      valueText = sealed ? '' : searchText(valueType, e.value).slice(0, 100_000);
    });
  }
  return {
    namespace: e.namespace,
    key: e.key,
    stored: stored as StoredValue,
    metadata,
    tags: e.tags,
    expiresAt: e.expiresAt === null ? null : new Date(e.expiresAt),
    version: e.version,
    provenance: e.provenance,
    createdAt: new Date(e.createdAt),
    updatedAt: new Date(e.updatedAt),
    valueText,
  };
}

/**
 * Every entry of an export document, checked and encoded; throws a 400 naming the first bad line
 * (1-based) and field. Checks the manifest's entry count and that no (namespace, key) repeats.
 */
export function parseExport(
  codec: CodecOptions,
  isSealed: (namespace: string) => boolean,
  document: string,
): ImportRow[] {
  const lines = document.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw lineError(1, 'manifest', `the document is empty; its first line is the manifest`);
  const manifest = parseLine(manifestSchema, lines[0] ?? '', 1);
  const rows: ImportRow[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const e = parseLine(entrySchema, lines[i] ?? '', i + 1) as ExportedEntry & z.output<typeof entrySchema>;
    const row = toRow(codec, isSealed, e, i + 1);
    const name = `${row.namespace}\u0000${row.key}`;
    if (seen.has(name)) throw lineError(i + 1, 'key', `${row.namespace}${row.key} appears twice`);
    seen.add(name);
    rows.push(row);
  }
  if (rows.length !== manifest.entries) {
    throw lineError(1, 'entries', `the manifest announces ${manifest.entries} entries but ${rows.length} follow`);
  }
  return rows;
}

// An imported entry keeps its version and timestamps; like every write it owes an embedding when
// unsealed and embedding is on (the next successful embeddings, or embedPending, add it).
const INSERT = `
  INSERT INTO memory_entry (${columnList(WRITE_COLUMNS)}, version, created_at, updated_at, search_vector,
    embedding_pending)
  VALUES (${WRITE_PARAMS}, ${extraParam(0)}::int, ${extraParam(1)}::timestamptz, ${extraParam(2)}::timestamptz,
    ${searchVector(param('key'), param('tags'), VALUE_TEXT_PARAM)}, ${extraParam(3)}::bool)
  RETURNING id`;

/** Writes one row unless a live entry at the same or a higher version exists; true when written. */
export async function importRow(c: Queryable, r: ImportRow, embed: boolean): Promise<boolean> {
  const existing = (
    await c.query<{ version: number }>(
      `SELECT version FROM memory_entry e WHERE namespace = $1 AND key = $2 AND ${LIVE} FOR UPDATE`,
      [r.namespace, r.key],
    )
  ).rows[0];
  if (existing && existing.version >= r.version) return false;
  await c.query('DELETE FROM memory_entry WHERE namespace = $1 AND key = $2', [r.namespace, r.key]);
  const inserted = await c.query<{ id: string }>(
    INSERT,
    writeValues(r, r.version, r.createdAt, r.updatedAt, embed && r.stored.keyId === null),
  );
  const { id } = inserted.rows[0] as { id: string };
  await c.query(keepVersions('memory_entry WHERE id = $1'), [id]);
  return true;
}

/**
 * Imports an export document in one transaction: a bad line is a 400 naming its line and field,
 * and nothing is written. Entries already present at the same or a higher version are
 * `unchanged`; entries whose expiresAt has passed are `expired` and not written.
 */
export async function importDocument(
  parts: Pick<StoreParts, 'pool' | 'codec' | 'cache' | 'embeds' | 'isSealed'>,
  document: string,
  provenance: Provenance,
): Promise<{ imported: number; unchanged: number; expired: number }> {
  const rows = parseExport(parts.codec, (ns) => parts.isSealed(ns), document);
  const now = Date.now();
  const live = rows.filter((r) => !r.expiresAt || r.expiresAt.getTime() > now);
  const touched = new Map<string, number>();
  try {
    return await inTransaction(parts.pool, async (c) => {
      let imported = 0;
      for (const row of live) {
        if (!(await importRow(c, row, parts.embeds.enabled))) continue;
        imported++;
        touched.set(row.namespace, (touched.get(row.namespace) ?? 0) + 1);
      }
      for (const [namespace, count] of touched) {
        await announce(c, 'memory.import', { namespace, count, actor: provenance });
      }
      return { imported, unchanged: live.length - imported, expired: rows.length - live.length };
    });
  } finally {
    for (const namespace of touched.keys()) parts.cache?.invalidate(namespace);
  }
}
