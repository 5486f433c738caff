// One LISTEN connection per process (started on the first subscriber), fanning live events out to
// this process's WebSocket and SSE clients; and the backlog query that lets a client resume.
import type pg from 'pg';
import { LiveListener, type LiveEvent } from '../../lib/live';
import { matches } from './channels';

type Db = Pick<pg.Pool, 'query'>;

interface Subscriber {
  channels: Set<string>;
  deliver(event: LiveEvent): void;
}

/** Stops the LISTEN connection this long after the last subscriber left. */
const IDLE_CLOSE_MS = 30_000;

export class LiveHub {
  private listener: LiveListener | undefined;
  private starting: Promise<void> | undefined;
  private readonly subscribers = new Set<Subscriber>();
  private idle: NodeJS.Timeout | undefined;
  private pruner: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string | undefined,
    private readonly db: Db,
  ) {}

  /** Registers a subscriber once the LISTEN connection is up; events after this moment reach it. */
  async subscribe(sub: Subscriber): Promise<() => void> {
    clearTimeout(this.idle);
    this.subscribers.add(sub);
    try {
      await this.ensureListening();
    } catch (err) {
      this.subscribers.delete(sub);
      throw err;
    }
    return () => {
      this.subscribers.delete(sub);
      if (this.subscribers.size === 0) {
        this.idle = setTimeout(() => void this.stopListening(), IDLE_CLOSE_MS);
        this.idle.unref();
      }
    };
  }

  private ensureListening(): Promise<void> {
    if (!this.starting) {
      if (!this.databaseUrl) throw new Error('live updates need DATABASE_URL');
      const listener = new LiveListener(this.databaseUrl, this.db);
      listener.on('event', (e: LiveEvent) => {
        for (const s of this.subscribers) if ([...s.channels].some((c) => matches(c, e.channel))) s.deliver(e);
      });
      this.listener = listener;
      this.starting = listener.start().catch((err: Error) => {
        this.starting = undefined;
        this.listener = undefined;
        throw err;
      });
    }
    return this.starting;
  }

  private async stopListening(): Promise<void> {
    const l = this.listener;
    this.listener = undefined;
    this.starting = undefined;
    await l?.close();
  }

  /** Events on any of `channels` after `afterId`, oldest first, at most `limit`. */
  async backlog(channels: string[], afterId: string, limit = 10_000): Promise<LiveEvent[]> {
    const exact = channels.filter((c) => !c.startsWith('memory:'));
    const prefixes = channels.filter((c) => c.startsWith('memory:')).map((c) => c.replace(/[\\%_]/g, '\\$&') + '%');
    const res = await this.db.query<{ id: string; channel: string; type: string; data: unknown; at: Date }>(
      `SELECT id::text AS id, channel, type, data, created_at AS at FROM live_event
        WHERE id > $1::bigint AND (channel = ANY($2::text[]) OR channel LIKE ANY($3::text[]))
        ORDER BY id LIMIT $4`,
      [afterId, exact, prefixes, limit],
    );
    return res.rows.map((r) => ({ ...r, at: r.at.toISOString() }));
  }

  /** Deletes live events older than the retention window now and every `everyMs`. */
  startPruning(retentionSeconds: number, everyMs = 60_000): void {
    const prune = () =>
      void this.db
        .query(`DELETE FROM live_event WHERE created_at < now() - make_interval(secs => $1)`, [retentionSeconds])
        .catch(() => undefined);
    prune();
    this.pruner = setInterval(prune, everyMs);
    this.pruner.unref();
  }

  get size(): number {
    return this.subscribers.size;
  }

  async close(): Promise<void> {
    clearTimeout(this.idle);
    clearInterval(this.pruner);
    this.subscribers.clear();
    await this.stopListening();
  }
}
