// Rate limits per API key and per client address: fixed windows, shared by every API copy through
// Postgres (table rate_limit), counted in memory in between. Over a limit: 429 with Retry-After
// (seconds to the next window). A limit of 0 is off. The bootstrap admin key is never refused by an
// address's limit (only by its own), so whoever else shares its address, the administrator gets in.
// Failed authentication has limits of its own, counted with the same RateCounter (auth/failures.ts).
//
// A process admits a request from memory while its unshared count for the bucket is a small share
// of what the bucket has left (RATE_SHARE of limit minus the shared count); past that, and at least
// every FLUSH_MS, it adds its count to Postgres in one statement and learns the shared total. So a
// small limit is exact across copies (every request is shared), and a large one costs about one
// statement per FLUSH_MS instead of one per request, overshooting by at most RATE_SHARE of the
// headroom per copy.
import type { RequestHandler } from 'express';
import type pg from 'pg';
import type { Config } from '../lib/config';
import { ProblemError } from '../lib/errors';
import { isBootstrapKey } from './auth/secrets';
import { BASE } from './route-spec';
import './request-context';

const LOGIN = `${BASE}/auth/login`;

/** The share of a bucket's headroom one process may admit before it must tell the others. */
export const RATE_SHARE = 0.1;
/** How often unshared counts are written, at the latest. */
export const FLUSH_MS = 1_000;

interface Bucket {
  windowStart: number;
  /** The shared count (all copies) as of this process's last write. */
  shared: number;
  /** Counted here since then. */
  pending: number;
}

export class RateCounter {
  private readonly buckets = new Map<string, Bucket>();
  private flushing: Promise<void> | undefined;
  private lastSweep = 0;
  private readonly timer: NodeJS.Timeout;

  /**
   * @param namespace starts every bucket name in Postgres (`rl:`): counters with other windows share
   * the table, and each forgets only its own past windows.
   */
  constructor(
    private readonly db: Pick<pg.Pool, 'query'>,
    readonly windowMs: number,
    private readonly namespace: string,
  ) {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), FLUSH_MS);
    this.timer.unref();
  }

  /** Counts one request in each bucket; returns each bucket's count (all copies) in the current window. */
  async hit(names: string[], limits: number[], now: number): Promise<number[]> {
    const windowStart = Math.floor(now / this.windowMs) * this.windowMs;
    const entries = names.map((name) => {
      let b = this.buckets.get(name);
      if (!b || b.windowStart !== windowStart) {
        b = { windowStart, shared: 0, pending: 0 };
        this.buckets.set(name, b);
      }
      b.pending++;
      return b;
    });
    const mustShare = entries.some((b, i) => b.pending > Math.floor((limits[i] - b.shared) * RATE_SHARE));
    if (mustShare) await this.flush();
    return entries.map((b) => b.shared + b.pending);
  }

  /** This process's latest knowledge of a bucket's count (all copies) in the current window; no query. */
  known(name: string, now: number): number {
    const b = this.buckets.get(name);
    return b && b.windowStart === this.windowStart(now) ? b.shared + b.pending : 0;
  }

  /** Seconds from `now` to the end of its window (at least 1). */
  secondsLeft(now: number): number {
    return Math.max(1, Math.ceil((this.windowStart(now) + this.windowMs - now) / 1000));
  }

  private windowStart(now: number): number {
    return Math.floor(now / this.windowMs) * this.windowMs;
  }

  /** Adds every unshared count to Postgres and learns the shared totals; one statement. */
  async flush(): Promise<void> {
    // One write at a time: counts that arrive meanwhile go with the next.
    while (this.flushing) await this.flushing;
    const owed = [...this.buckets].filter(([, b]) => b.pending > 0);
    if (owed.length === 0) return;
    this.flushing = (async () => {
      const sent = owed.map(([, b]) => b.pending);
      const res = await this.db.query<{ bucket: string; window_start: Date; count: number }>(
        `INSERT INTO rate_limit (bucket, window_start, count)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[])
         ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limit.count + EXCLUDED.count
         RETURNING bucket, window_start, count`,
        [owed.map(([name]) => this.namespace + name), owed.map(([, b]) => new Date(b.windowStart)), sent],
      );
      owed.forEach(([name, b], i) => {
        const row = res.rows.find(
          (r) => r.bucket === this.namespace + name && r.window_start.getTime() === b.windowStart,
        );
        b.pending -= sent[i];
        if (row) b.shared = row.count;
      });
      this.sweep(Date.now());
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  /** Forgets past windows here, and (every few minutes) in Postgres. */
  private sweep(now: number) {
    const current = Math.floor(now / this.windowMs) * this.windowMs;
    for (const [name, b] of this.buckets) if (b.windowStart < current && b.pending === 0) this.buckets.delete(name);
    if (now - this.lastSweep < 5 * 60_000) return;
    this.lastSweep = now;
    void this.db
      .query('DELETE FROM rate_limit WHERE window_start < $1 AND starts_with(bucket, $2)', [
        new Date(current - this.windowMs),
        this.namespace,
      ])
      .catch(() => undefined);
  }

  close(): void {
    clearInterval(this.timer);
  }
}

export function rateLimit(deps: { pool: Pick<pg.Pool, 'query'>; config: Config }): RequestHandler {
  const { windowSeconds, perKey, perIp } = deps.config.api.rateLimit;
  const windowMs = windowSeconds * 1000;
  const counter = new RateCounter(deps.pool, windowMs, 'rl:');
  return async (req, res, next) => {
    if (req.routeSpec?.path === '/healthz' || req.routeSpec?.path === '/readyz' || req.method === 'OPTIONS')
      return next();
    const limits: [string, number][] = [];
    if (perIp > 0) limits.push([`ip:${req.ip ?? 'unknown'}`, perIp]);
    if (perKey > 0 && req.principal && req.principal.via !== 'local') limits.push([req.principal.actor, perKey]);
    if (limits.length === 0) return next();
    const now = Date.now();
    const counts = await counter.hit(
      limits.map(([b]) => b),
      limits.map(([, l]) => l),
      now,
    );
    // The bootstrap admin key always has a way in: whatever others did from its address, only its
    // own bucket can refuse it (a login with it included).
    const admin =
      req.principal?.actor === 'bootstrap' ||
      (req.routeSpec?.path === LOGIN && isBootstrapKey(deps.config, (req.body as { key?: unknown } | undefined)?.key));
    const over = limits.findIndex(([bucket, limit], i) => counts[i] > limit && !(admin && bucket.startsWith('ip:')));
    if (over === -1) return next();
    const start = Math.floor(now / windowMs) * windowMs;
    const retryAfter = Math.max(1, Math.ceil((start + windowMs - now) / 1000));
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
