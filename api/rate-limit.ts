// Rate limits per API key and per client address: fixed windows counted in Postgres (one upsert
// per bucket), so every API copy shares them. Over a limit: 429 with Retry-After (seconds to the
// next window). A limit of 0 is off.
import type { RequestHandler } from 'express';
import type pg from 'pg';
import type { Config } from '../lib/config';
import { ProblemError } from '../lib/errors';
import './request-context';

/** Counts one request in each bucket; returns each bucket's count in the current window. */
async function count(db: Pick<pg.Pool, 'query'>, buckets: string[], windowStart: Date): Promise<number[]> {
  const res = await db.query<{ bucket: string; count: number }>(
    `INSERT INTO rate_limit (bucket, window_start, count) SELECT b, $2, 1 FROM unnest($1::text[]) AS b
     ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limit.count + 1
     RETURNING bucket, count`,
    [buckets, windowStart],
  );
  return buckets.map((b) => res.rows.find((r) => r.bucket === b)?.count ?? 0);
}

export function rateLimit(deps: { pool: Pick<pg.Pool, 'query'>; config: Config }): RequestHandler {
  const { windowSeconds, perKey, perIp } = deps.config.api.rateLimit;
  return async (req, res, next) => {
    if (req.routeSpec?.path === '/healthz' || req.routeSpec?.path === '/readyz' || req.method === 'OPTIONS')
      return next();
    const limits: [string, number][] = [];
    if (perIp > 0) limits.push([`ip:${req.ip ?? 'unknown'}`, perIp]);
    if (perKey > 0 && req.principal && req.principal.via !== 'local') limits.push([req.principal.actor, perKey]);
    if (limits.length === 0) return next();
    const windowMs = windowSeconds * 1000;
    const now = Date.now();
    const start = new Date(Math.floor(now / windowMs) * windowMs);
    const counts = await count(
      deps.pool,
      limits.map(([b]) => b),
      start,
    );
    // Old windows are dead weight; a rare sweep keeps the table small without a timer.
    if (Math.random() < 0.01)
      void deps.pool
        .query('DELETE FROM rate_limit WHERE window_start < $1', [new Date(start.getTime() - windowMs)])
        .catch(() => undefined);
    const over = limits.findIndex(([, limit], i) => counts[i] > limit);
    if (over === -1) return next();
    const retryAfter = Math.max(1, Math.ceil((start.getTime() + windowMs - now) / 1000));
    res.setHeader('Retry-After', String(retryAfter));
    const [bucket, limit] = limits[over];
    const what = bucket.startsWith('ip:') ? 'from your address' : 'with your key';
    throw new ProblemError(
      429,
      'Too Many Requests',
      `More than ${limit} requests ${what} in ${windowSeconds} s; retry after ${retryAfter} s`,
      { retryAfterSeconds: retryAfter },
    );
  };
}
