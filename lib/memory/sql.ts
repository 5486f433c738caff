// Small SQL helpers the memory modules share.
import type pg from 'pg';
import { badRequest } from '../errors';
import type { EntryFilter } from './types';

/** Text search configuration for every memory vector and query. */
export const TS_CONFIG = 'english';
/** A row is visible while it has no expiry or its expiry is in the future. */
export const LIVE = '(e.expires_at IS NULL OR e.expires_at > now())';

/** Runs `fn` in one transaction: all of it commits, or none of it. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** `prefix` as a LIKE pattern matching itself and everything under it. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function toDate(name: string, v: Date | string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw badRequest(`${name} "${String(v)}" is not a date (ISO 8601)`);
  return d;
}

/** WHERE conditions (on alias `e`) for a filter, appending their arguments to `args`. */
export function filterSql(f: EntryFilter, args: unknown[]): string[] {
  const where = [LIVE];
  const add = (sql: string, v: unknown) => {
    args.push(v);
    where.push(sql.replace('?', `$${args.length}`));
  };
  if (f.namespace !== undefined) add('e.namespace LIKE ?', likePrefix(f.namespace));
  if (f.tags?.length) add('e.tags @> ?::text[]', f.tags);
  if (f.excludeTags?.length) add('NOT (e.tags && ?::text[])', f.excludeTags);
  if (f.from !== undefined) add('e.updated_at >= ?', toDate('from', f.from));
  if (f.to !== undefined) add('e.updated_at < ?', toDate('to', f.to));
  return where;
}
