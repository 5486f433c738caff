// Housekeeping SQL for the maintenance workflow. Each batch is its own transaction, so a long run
// makes steady progress, never holds many locks, and can be stopped and re-run at any point.
import type pg from 'pg';
import { publish } from '../live';
import { inTransaction } from './sql';

/**
 * Deletes rows whose `expires_at` is at or before `cutoff`, `batchSize` at a time; announces
 * `memory.expire` `{namespace, count}` per namespace in the batch's transaction.
 */
export async function expireEntries(
  pool: pg.Pool,
  cutoff: Date,
  batchSize: number,
): Promise<{ count: number; namespaces: Set<string> }> {
  const namespaces = new Set<string>();
  let count = 0;
  for (;;) {
    const n = await inTransaction(pool, async (c) => {
      const r = await c.query<{ namespace: string; n: string }>(
        `WITH gone AS (
           DELETE FROM memory_entry WHERE id IN (
             SELECT id FROM memory_entry WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING namespace)
         SELECT namespace, count(*) AS n FROM gone GROUP BY namespace ORDER BY namespace`,
        [cutoff, batchSize],
      );
      for (const row of r.rows) {
        namespaces.add(row.namespace);
        await publish(c, `memory:${row.namespace}`, 'memory.expire', {
          namespace: row.namespace,
          count: Number(row.n),
        });
      }
      return r.rows.reduce((sum, row) => sum + Number(row.n), 0);
    });
    count += n;
    if (n < batchSize) return { count, namespaces };
  }
}

/** Forgets deleted entries noted for the vector indexes longer ago than `hours`; returns how many. */
export async function pruneGoneEmbeddings(pool: pg.Pool, hours: number): Promise<number> {
  const r = await pool.query(
    `DELETE FROM memory_embedding_gone WHERE created_at < now() - make_interval(hours => $1)`,
    [hours],
  );
  return r.rowCount ?? 0;
}

/** Deletes kept versions older than the newest `keep` of each entry, `batchSize` at a time. */
export async function pruneVersions(pool: pg.Pool, keep: number, batchSize: number): Promise<number> {
  let count = 0;
  for (;;) {
    const r = await pool.query(
      `DELETE FROM memory_entry_version WHERE id IN (
         SELECT v.id FROM memory_entry_version v JOIN memory_entry e ON e.id = v.entry_id
          WHERE v.version <= e.version - $1 LIMIT $2)`,
      [keep, batchSize],
    );
    count += r.rowCount ?? 0;
    if ((r.rowCount ?? 0) < batchSize) return count;
  }
}

/**
 * Adds the word-count deltas written since the last fold into memory_word_count (see the
 * memory_word_counts migration); returns how many words changed (0 when another fold is running).
 */
export async function foldWordCounts(pool: pg.Pool): Promise<number> {
  return Number((await pool.query<{ n: string }>('SELECT memory_word_fold() AS n')).rows[0].n);
}
