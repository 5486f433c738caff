// The audit trail: one row per mutating call (POST, PUT, PATCH, DELETE), whatever its outcome,
// written when the response has been sent. Never holds request bodies (they may carry secrets).
import { notifySql } from '../lib/live';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import type { Logger } from '../lib/logger';
import './request-context';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AuditFilter {
  actor?: string;
  action?: string;
  /** A target path, or the start of one (`/api/claude-flow/keys/` finds every call on a key). */
  target?: string;
  /** An exact HTTP status (403) or a class (4xx). */
  status?: number | `${1 | 2 | 3 | 4 | 5}xx`;
  /** `ok`: answered below 400; `failed`: 400 and up (refused, invalid, or an error). */
  outcome?: 'ok' | 'failed';
  from?: string;
  to?: string;
  /** Rows older than this one (the `nextCursor` of the previous page). */
  cursor?: string;
  limit: number;
}

type AuditValues = [string, string | null, string, string, number, string | null, string];

/**
 * Audit rows written in batches: rows of the calls answered within FLUSH_MS go in one INSERT (the
 * trail was already written after the response, never in the call's own transaction; a batch
 * costs one statement instead of one per call). A batch of MAX_BATCH goes at once.
 */
class AuditWriter {
  private rows: AuditValues[] = [];
  private timer: NodeJS.Timeout | undefined;
  static readonly FLUSH_MS = 50;
  static readonly MAX_BATCH = 200;

  constructor(private readonly deps: { pool: Pick<pg.Pool, 'query'>; logger: Logger }) {}

  add(row: AuditValues): void {
    this.rows.push(row);
    if (this.rows.length >= AuditWriter.MAX_BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), AuditWriter.FLUSH_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.rows;
    this.rows = [];
    if (rows.length === 0) return;
    const columns = rows[0].length;
    this.deps.pool
      .query(
        // The batch and one `audit.appended` live event on `audit` (how many rows, the last id; no
        // content: the admin's audit view reads them through GET /audit), in one statement.
        `WITH a AS (
           INSERT INTO audit_log (actor, actor_name, action, target, status, ip, request_id) VALUES ${rows
             .map((_, r) => `(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(', ')})`)
             .join(', ')}
           RETURNING id
         ), ev AS (
           INSERT INTO live_event (channel, type, data)
           SELECT 'audit', 'audit.appended', jsonb_build_object('rows', count(*), 'lastId', max(id)::text) FROM a
           RETURNING id, channel, type, data, created_at
         ), n AS (${notifySql('ev')})
         SELECT notified FROM n`,
        rows.flat(),
      )
      .catch((err: Error) =>
        this.deps.logger.error(
          { err, requestIds: rows.map((row) => row[6]) },
          `could not write ${rows.length} rows of the audit trail`,
        ),
      );
  }
}

/** Records every mutating call after its response. */
export function auditTrail(deps: { pool: Pick<pg.Pool, 'query'>; logger: Logger }): RequestHandler {
  const writer = new AuditWriter(deps);
  return (req, res, next) => {
    if (!MUTATING.has(req.method)) return next();
    res.on('finish', () => {
      const who = req.principal;
      const action = req.routeSpec
        ? `${req.routeSpec.method} ${req.routeSpec.path}`
        : `${req.method} (undeclared route)`;
      writer.add([
        who?.actor ?? 'anonymous',
        who?.name ?? null,
        action,
        req.originalUrl.split('?')[0].slice(0, 2000),
        res.statusCode,
        req.ip ?? null,
        String(req.id),
      ]);
    });
    next();
  };
}

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  actorName: string | null;
  action: string;
  target: string;
  status: number;
  ip: string | null;
  requestId: string | null;
}

/** A LIKE pattern matching strings that start with `s` (its %, _ and \\ taken literally). */
const startsWith = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Audit rows matching `f`, newest first: a page of `f.limit`, and the cursor of the next page when there is one. */
export async function readAudit(
  db: Pick<pg.Pool, 'query'>,
  f: AuditFilter,
): Promise<{ entries: AuditRow[]; nextCursor?: string }> {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    args.push(v);
    where.push(sql.replace(/\?/g, `$${args.length}`));
  };
  if (f.actor) add('(actor = ? OR actor_name = ?)', f.actor);
  if (f.action) add('action = ?', f.action);
  if (f.target) add('target LIKE ?', startsWith(f.target));
  if (typeof f.status === 'number') add('status = ?', f.status);
  else if (f.status) add('status BETWEEN ? AND ? + 99', Number(f.status[0]) * 100);
  if (f.outcome) where.push(f.outcome === 'ok' ? 'status < 400' : 'status >= 400');
  if (f.from) add('at >= ?', f.from);
  if (f.to) add('at < ?', f.to);
  if (f.cursor) add('id < ?', f.cursor);
  args.push(f.limit + 1);
  const res = await db.query<AuditRow>(
    `SELECT id::text AS id, at, actor, actor_name AS "actorName", action, target, status, ip, request_id AS "requestId"
       FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY audit_log.id DESC LIMIT $${args.length}`,
    args,
  );
  const entries = res.rows.slice(0, f.limit);
  return res.rows.length > f.limit ? { entries, nextCursor: entries[entries.length - 1].id } : { entries };
}
