// Namespace transfer: copying (or moving) every live entry under one namespace to another.
import { conflict } from '../errors';
import type { Owed } from './embed-queue';
import { isUnder } from './names';
import { checkName, prepareWrite } from './prepare';
import { ENTRY_COLUMNS, toEntry, type EntryRow } from './rows';
import { filterSql, inTransaction } from './sql';
import type { Provenance } from './types';
import { clearIn, writeEntry, type StoreParts } from './writes';

export interface TransferOptions {
  /** Replace entries that already exist under the target (else they are a 409). */
  overwrite?: boolean;
  provenance?: Provenance;
}

/**
 * Copies every live entry under `from` to the same place under `to` (`code/a/x` → `backup/a/x` for
 * from `code/`, to `backup/`), re-sealing or unsealing as the target requires; `move` then clears
 * `from`, in the same transaction. Copies start a new history.
 */
export async function transfer(
  parts: StoreParts,
  from: string,
  to: string,
  move: boolean,
  opts: TransferOptions,
): Promise<{ copied: number }> {
  checkName(from);
  checkName(to);
  if (isUnder(to, from) || isUnder(from, to)) {
    throw conflict(`namespaces "${from}" and "${to}" overlap: neither may lie under the other`);
  }
  const owed: Owed[] = [];
  const result = await inTransaction(parts.pool, async (c) => {
    const args: unknown[] = [];
    const where = filterSql({ namespace: from }, args);
    const rows = (
      await c.query<EntryRow>(
        `SELECT ${ENTRY_COLUMNS} FROM memory_entry e WHERE ${where.join(' AND ')} ORDER BY namespace, key FOR UPDATE`,
        args,
      )
    ).rows;
    const now = new Date();
    const writes = rows.map((row) => {
      const e = toEntry(parts.ring, row);
      const namespace = to + e.namespace.slice(from.length);
      return prepareWrite(
        parts.codec,
        {
          namespace,
          key: e.key,
          value: e.value,
          valueType: e.valueType,
          tags: e.tags,
          metadata: e.metadata,
          ...(e.expiresAt ? { expiresAt: e.expiresAt } : {}),
          provenance: e.provenance,
          ...(opts.overwrite ? {} : { expectedVersion: 0 }),
        },
        parts.isSealed(namespace),
        now,
      );
    });
    for (const w of writes) await writeEntry(parts, c, w, owed);
    if (move) await clearIn(c, from, opts.provenance ?? {});
    return { copied: writes.length };
  }).finally(() => {
    parts.cache?.invalidate(from);
    parts.cache?.invalidate(to);
  });
  await parts.embeds.embedOwed(owed);
  return result;
}
