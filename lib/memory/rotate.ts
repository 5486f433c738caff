// Key rotation: re-encrypting sealed entries and kept versions with the current key.
import type pg from 'pg';
import { conflict } from '../errors';
import { open, seal, type KeyRing } from './seal';
import { inTransaction } from './sql';
import type { Queryable } from './writes';

/**
 * Re-encrypts every sealed entry and kept version not sealed with the current key (reading them
 * with the previous key). Returns how many rows changed. Safe to run again; each batch commits.
 */
export async function rotateKey(
  pool: pg.Pool,
  ring: KeyRing,
  batchSize: number,
): Promise<{ entries: number; versions: number }> {
  const current = ring.current;
  if (!current) throw conflict('no CLAUDE_FLOW_MEMORY_KEY is configured: there is no key to rotate to');
  const rotated = { entries: 0, versions: 0 };
  for (const table of ['memory_entry', 'memory_entry_version'] as const) {
    for (;;) {
      const n = await inTransaction(pool, (c) => rotateBatch(c, ring, table, current.id, batchSize));
      if (n === 0) break;
      rotated[table === 'memory_entry' ? 'entries' : 'versions'] += n;
    }
  }
  return rotated;
}

async function rotateBatch(
  c: Queryable,
  ring: KeyRing,
  table: string,
  currentId: string,
  limit: number,
): Promise<number> {
  const names =
    table === 'memory_entry'
      ? 'r.namespace, r.key'
      : '(SELECT namespace FROM memory_entry WHERE id = r.entry_id) AS namespace, (SELECT key FROM memory_entry WHERE id = r.entry_id) AS key';
  const r = await c.query<{
    id: string;
    namespace: string;
    key: string;
    value: Buffer;
    compressed: boolean;
    key_id: string;
    metadata: Record<string, unknown>;
  }>(
    `SELECT r.id, ${names}, r.value, r.compressed, r.key_id, r.metadata FROM ${table} r
      WHERE r.key_id IS NOT NULL AND r.key_id <> $1 LIMIT $2 FOR UPDATE`,
    [currentId, limit],
  );
  for (const row of r.rows) {
    // The stored bytes stay compressed (or not) as they were: only the sealing changes.
    const reseal = (data: Buffer) =>
      seal(ring, row.namespace, row.key, open(ring, row.key_id, row.namespace, row.key, data));
    const value = reseal(row.value);
    const metadata = reseal(Buffer.from(String(row.metadata.sealed), 'base64'));
    await c.query(`UPDATE ${table} SET value = $2, key_id = $3, stored_size = $4, metadata = $5::jsonb WHERE id = $1`, [
      row.id,
      value.data,
      value.keyId,
      value.data.length,
      JSON.stringify({ sealed: metadata.data.toString('base64') }),
    ]);
  }
  return r.rows.length;
}
