// Which entries the maintenance workflow summarises: in unsealed namespaces holding more than a
// threshold of entries (summaries not counted), the oldest ones beyond the newest half-threshold,
// bounded so one summary prompt stays small.
import type pg from 'pg';
import { ENTRY_COLUMNS, toEntry, type EntryRow } from './rows';
import type { KeyRing } from './seal';
import { LIVE } from './sql';

/** Tag of summary entries; they are never summarised again. */
export const SUMMARY_TAG = 'summary';
/** Namespaces summarised per maintenance run. */
export const MAX_SUMMARY_NAMESPACES = 5;
const MAX_SOURCES = 200;
const MAX_SOURCE_CHARS = 48_000;

export interface SummarySource {
  key: string;
  version: number;
}

export interface SummaryPlan {
  namespace: string;
  sources: SummarySource[];
  /** `key: value` lines of the sources, for the prompt. */
  text: string;
}

/** Summaries to make now: at most {@link MAX_SUMMARY_NAMESPACES}, largest namespaces first. */
export async function planSummaries(
  pool: pg.Pool,
  ring: KeyRing,
  threshold: number,
  isSealed: (namespace: string) => boolean,
): Promise<SummaryPlan[]> {
  const big = await pool.query<{ namespace: string; n: string }>(
    `SELECT e.namespace, count(*) AS n FROM memory_entry e WHERE ${LIVE} AND NOT ($2 = ANY(e.tags))
      GROUP BY e.namespace HAVING count(*) > $1 ORDER BY count(*) DESC, e.namespace LIMIT $3`,
    [threshold, SUMMARY_TAG, MAX_SUMMARY_NAMESPACES * 4],
  );
  const plans: SummaryPlan[] = [];
  for (const { namespace, n } of big.rows) {
    if (isSealed(namespace) || plans.length >= MAX_SUMMARY_NAMESPACES) continue;
    const take = Math.min(Number(n) - Math.floor(threshold / 2), MAX_SOURCES);
    const rows = await pool.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM memory_entry e WHERE e.namespace = $1 AND ${LIVE} AND NOT ($2 = ANY(e.tags))
        ORDER BY e.updated_at, e.key LIMIT $3`,
      [namespace, SUMMARY_TAG, take],
    );
    const sources: SummarySource[] = [];
    const lines: string[] = [];
    let chars = 0;
    for (const row of rows.rows) {
      const e = toEntry(ring, row);
      const line = `${e.key}: ${typeof e.value === 'string' ? e.value : JSON.stringify(e.value)}`.slice(0, 4000);
      if (chars + line.length > MAX_SOURCE_CHARS && sources.length > 0) break;
      sources.push({ key: e.key, version: e.version });
      lines.push(line);
      chars += line.length;
    }
    if (sources.length > 1) plans.push({ namespace, sources, text: lines.join('\n') });
  }
  return plans;
}
