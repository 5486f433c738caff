// One LISTEN connection per process (started on the first subscriber), fanning live events out to
// this process's WebSocket and SSE clients; and the backlog query that lets a client resume.
//
// The LISTEN connection heals. Lost (PostgreSQL restarted), it reconnects by itself; while the
// server shuts down (a smart shutdown waits for every connection) the hub closes it and listens
// again once the server is back. Either way, once listening again the hub reads what was written
// meanwhile from live_event (everything after the highest id it passed on) and delivers it before
// the live events, so a subscriber that stayed connected misses nothing.
import type pg from 'pg';
import { databaseWatch, type DatabaseWatch } from '../../lib/db';
import { LiveListener, type LiveEvent } from '../../lib/live';
import { matches } from './channels';

type Db = Pick<pg.Pool, 'query'>;

interface Subscriber {
  channels: Set<string>;
  deliver(event: LiveEvent): void;
}

/** Stops the LISTEN connection this long after the last subscriber left. */
const IDLE_CLOSE_MS = 30_000;
/** Events read per query when catching up after the LISTEN connection was lost. */
const CATCH_UP_PAGE = 1_000;
/** Listening again after the server came back, when the first try fails. */
const RESUME_RETRY_MS = 1_000;

/** A LiveListener that says 'listening' each time it is (again) listening. */
class HubListener extends LiveListener {
  override async start(): Promise<void> {
    await super.start();
    this.emit('listening');
  }
}

export class LiveHub {
  private listener: HubListener | undefined;
  private starting: Promise<void> | undefined;
  private readonly subscribers = new Set<Subscriber>();
  private idle: NodeJS.Timeout | undefined;
  private pruner: NodeJS.Timeout | undefined;
  private resumeTimer: NodeJS.Timeout | undefined;
  /** The highest event id passed on (or the newest when listening began): where a catch-up starts. */
  private mark: bigint | undefined;
  /** Live events that arrive while catching up wait here. */
  private waiting: LiveEvent[] | undefined;
  private catchingUp: Promise<void> = Promise.resolve();
  private readonly watch: DatabaseWatch | undefined;
  private watching = false;
  private closed = false;

  constructor(
    private readonly databaseUrl: string | undefined,
    private readonly db: Db,
  ) {
    this.watch = databaseUrl ? databaseWatch(databaseUrl) : undefined;
  }

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
      const listener = new HubListener(this.databaseUrl, this.db);
      listener.on('event', (e: LiveEvent) => {
        if (this.waiting) this.waiting.push(e);
        else this.fanOut(e);
      });
      listener.on('listening', () => {
        if (listener !== this.listener) return;
        this.catchingUp = this.catchingUp.then(() => this.catchUp()).catch(() => undefined);
      });
      this.listener = listener;
      this.watchDatabase(true);
      this.starting = listener.start().catch((err: Error) => {
        if (this.listener === listener) {
          this.starting = undefined;
          this.listener = undefined;
        }
        void listener.close();
        throw err;
      });
    }
    return this.starting;
  }

  private fanOut(e: LiveEvent): void {
    const id = BigInt(e.id);
    if (this.mark !== undefined && id > this.mark) this.mark = id;
    for (const s of this.subscribers) if ([...s.channels].some((c) => matches(c, e.channel))) s.deliver(e);
  }

  /** Just (again) listening: the first time, note where events stand; after that, deliver what was missed. */
  private async catchUp(): Promise<void> {
    this.waiting = [];
    const delivered = new Set<string>();
    try {
      if (this.mark === undefined) {
        const res = await this.db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM live_event');
        this.mark = BigInt(res.rows[0]?.id ?? '0');
        return;
      }
      const channels = [...new Set([...this.subscribers].flatMap((s) => [...s.channels]))];
      while (channels.length) {
        const missed = await this.backlog(channels, this.mark.toString(), CATCH_UP_PAGE);
        for (const e of missed) {
          delivered.add(e.id);
          this.fanOut(e);
        }
        if (missed.length < CATCH_UP_PAGE) break;
      }
    } finally {
      const waiting = this.waiting;
      this.waiting = undefined;
      for (const e of waiting) if (!delivered.has(e.id)) this.fanOut(e);
    }
  }

  private readonly onShuttingDown = () => {
    // A smart shutdown waits for this connection: let go of it, keeping the mark to catch up from.
    const l = this.listener;
    this.listener = undefined;
    this.starting = undefined;
    void l?.close();
  };

  private readonly onUp = () => this.resume();

  /** The server is back: listen again if anyone is subscribed (and was cut off by a shutdown). */
  private resume(): void {
    clearTimeout(this.resumeTimer);
    if (this.closed || this.listener) return;
    if (this.subscribers.size === 0) {
      this.mark = undefined;
      return;
    }
    this.ensureListening().catch(() => {
      this.resumeTimer = setTimeout(() => this.resume(), RESUME_RETRY_MS);
      this.resumeTimer.unref();
    });
  }

  private watchDatabase(on: boolean): void {
    if (!this.watch || this.watching === on) return;
    this.watching = on;
    if (on) {
      this.watch.on('shutting-down', this.onShuttingDown);
      this.watch.on('up', this.onUp);
    } else {
      this.watch.off('shutting-down', this.onShuttingDown);
      this.watch.off('up', this.onUp);
    }
  }

  private async stopListening(): Promise<void> {
    const l = this.listener;
    this.listener = undefined;
    this.starting = undefined;
    this.mark = undefined;
    clearTimeout(this.resumeTimer);
    this.watchDatabase(false);
    await l?.close();
  }

  /**
   * Events on any of `channels` after `afterId`, oldest first, at most `limit`. (Ordered by the
   * column: `ORDER BY id` would sort the text `id` of the select list, putting 10 before 2.)
   */
  async backlog(channels: string[], afterId: string, limit = 10_000): Promise<LiveEvent[]> {
    const exact = channels.filter((c) => !c.startsWith('memory:'));
    const prefixes = channels.filter((c) => c.startsWith('memory:')).map((c) => c.replace(/[\\%_]/g, '\\$&') + '%');
    const res = await this.db.query<{ id: string; channel: string; type: string; data: unknown; at: Date }>(
      `SELECT id::text AS id, channel, type, data, created_at AS at FROM live_event
        WHERE id > $1::bigint AND (channel = ANY($2::text[]) OR channel LIKE ANY($3::text[]))
        ORDER BY live_event.id LIMIT $4`,
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
    this.closed = true;
    clearTimeout(this.idle);
    clearInterval(this.pruner);
    this.subscribers.clear();
    await this.stopListening();
  }
}
