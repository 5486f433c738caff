// One LISTEN connection per process (started on the first subscriber), fanning live events out to
// this process's WebSocket and SSE clients; and the backlog query that lets a client resume.
//
// The LISTEN connection heals. Lost (PostgreSQL restarted), it reconnects by itself; while the
// server shuts down (a smart shutdown waits for every connection) the hub closes it and listens
// again once the server is back. Either way, once listening again the hub reads what was committed
// meanwhile from live_event and delivers it before the live events: everything after the highest id
// it passed on (the mark), and every event created within CATCH_UP_WINDOW_MS before the newest one it
// heard that it has not passed on. The second part is there because an id is taken at INSERT but
// heard at COMMIT: a transaction that took id 100, still open when 101 was heard and the connection
// lost, commits below the mark. The hub passes each id on once: it remembers the ids it passed on
// (and, when it began listening, those already committed) over that window, and skips them
// wherever they come from, a catch-up or a NOTIFY.
//
// While connected nothing is missed: NOTIFY is delivered at commit, to every listener, in commit
// order, and the hub passes each event on whatever its id (lib/live.ts).
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
/**
 * How far before the newest event heard a catch-up looks for events committed late. An event's
 * created_at is its transaction's start (now()), which is before the newest heard event's commit and
 * so before the connection was lost: an event missed while disconnected has a created_at within this
 * window of the newest heard one unless its transaction was open longer than the window. The app's
 * transactions that write events are single statements or a turn's few writes (milliseconds; seconds
 * on a loaded machine), so 60 s is far beyond them, and still cheap to read (created_at is indexed).
 */
const CATCH_UP_WINDOW_MS = 60_000;
/**
 * Ids remembered as passed on, at most: the whole window up to about 1,600 events a second. Past
 * that the oldest are forgotten first and a catch-up looks back only to the newest one forgotten
 * (a narrower window, never an id twice).
 */
const HEARD_KEPT = 100_000;

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
  /** Ids passed on (or committed before listening began) → created_at in ms, oldest heard first. */
  private readonly heard = new Map<string, number>();
  /** Those of `heard` that were committed when listening began and not passed on since. */
  private readonly seeded = new Set<string>();
  /** The newest created_at heard (or the database's time when listening began), in ms. */
  private newestAt = 0;
  /** The newest created_at among ids forgotten from `heard`: a catch-up looks only after it. */
  private forgottenAt = -Infinity;
  /** Live events that arrive while catching up wait here. */
  private waiting: LiveEvent[] | undefined;
  /** Catch-ups due or running; events wait until the last one is done. */
  private catchUps = 0;
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
        else this.fanOut(e, true);
      });
      listener.on('listening', () => {
        if (listener !== this.listener) return;
        // From now on events wait, so none moves the mark before the catch-up reads from it.
        this.waiting ??= [];
        this.catchUps++;
        this.catchingUp = this.catchingUp
          .then(() => this.catchUp())
          .catch(() => undefined)
          .finally(() => this.caughtUp());
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

  /**
   * Passes an event on, unless it already was. One `heard` over LISTEN is passed on even if it was
   * committed when listening began: NOTIFY hears each commit once, and this one came after LISTEN.
   */
  private fanOut(e: LiveEvent, heard = false): void {
    if (this.heard.has(e.id) && !(heard && this.seeded.has(e.id))) return;
    this.seeded.delete(e.id);
    this.remember(e.id, Date.parse(e.at));
    const id = BigInt(e.id);
    if (this.mark !== undefined && id > this.mark) this.mark = id;
    for (const s of this.subscribers) if ([...s.channels].some((c) => matches(c, e.channel))) s.deliver(e);
  }

  /** Notes an id as passed on, forgetting those older than the window (or the oldest, past HEARD_KEPT). */
  private remember(id: string, at: number): void {
    this.heard.set(id, at);
    if (at > this.newestAt) this.newestAt = at;
    for (const [oldId, oldAt] of this.heard) {
      // Heard in commit order, so created_at is not monotonic: stop at the first one still needed.
      if (oldAt >= this.newestAt - CATCH_UP_WINDOW_MS && this.heard.size <= HEARD_KEPT) break;
      this.heard.delete(oldId);
      this.seeded.delete(oldId);
      if (oldAt > this.forgottenAt) this.forgottenAt = oldAt;
    }
  }

  /** Just (again) listening: the first time, note where events stand; after that, deliver what was missed. */
  private async catchUp(): Promise<void> {
    if (this.mark === undefined) {
      await this.begin();
      return;
    }
    const channels = [...new Set([...this.subscribers].flatMap((s) => [...s.channels]))];
    if (channels.length === 0) return;
    const mark = this.mark.toString();
    // Committed late: below the mark, within the window, and not passed on.
    const since = Math.max(this.newestAt - CATCH_UP_WINDOW_MS, this.forgottenAt + 1);
    const late = (await this.lateIds(channels, mark, new Date(since))).filter((id) => !this.heard.has(id));
    for (let i = 0; i < late.length; i += CATCH_UP_PAGE)
      for (const e of await this.events(late.slice(i, i + CATCH_UP_PAGE))) this.fanOut(e);
    for (let after = mark; ;) {
      const missed = await this.backlog(channels, after, CATCH_UP_PAGE);
      for (const e of missed) this.fanOut(e);
      if (missed.length < CATCH_UP_PAGE) break;
      after = missed[missed.length - 1].id;
    }
  }

  /**
   * Listening from scratch: the mark is the newest id, and the ids already committed within the
   * window count as passed on (they happened before anyone here subscribed), in one snapshot.
   * Events not in it commit after LISTEN and are heard.
   */
  private async begin(): Promise<void> {
    const res = await this.db.query<{ mark: string; now: Date; ids: string[]; ats: Date[] }>(
      `WITH w AS (
         SELECT id, created_at FROM live_event WHERE created_at >= now() - make_interval(secs => $1)
          ORDER BY created_at DESC, id DESC LIMIT $2
       )
       SELECT (SELECT coalesce(max(id), 0) FROM live_event)::text AS mark, now() AS now,
              coalesce((SELECT array_agg(id::text ORDER BY created_at, id) FROM w), '{}') AS ids,
              coalesce((SELECT array_agg(created_at ORDER BY created_at, id) FROM w), '{}') AS ats`,
      [CATCH_UP_WINDOW_MS / 1000, HEARD_KEPT],
    );
    const row = res.rows[0];
    this.heard.clear();
    this.newestAt = row.now.getTime();
    // Cut off at HEARD_KEPT: what is older than the ids kept counts as forgotten.
    this.forgottenAt = row.ids.length === HEARD_KEPT ? row.ats[0].getTime() : -Infinity;
    this.seeded.clear();
    row.ids.forEach((id, i) => {
      this.remember(id, row.ats[i].getTime());
      this.seeded.add(id);
    });
    this.mark = BigInt(row.mark);
  }

  /** The last catch-up due is done: deliver the events that waited for it. */
  private caughtUp(): void {
    if (--this.catchUps > 0) return;
    const waiting = this.waiting ?? [];
    this.waiting = undefined;
    for (const e of waiting) this.fanOut(e, true);
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
    this.heard.clear();
    this.seeded.clear();
    clearTimeout(this.resumeTimer);
    this.watchDatabase(false);
    await l?.close();
  }

  /**
   * Events on any of `channels` after `afterId`, oldest first, at most `limit`. (Ordered by the
   * column: `ORDER BY id` would sort the text `id` of the select list, putting 10 before 2.)
   */
  async backlog(channels: string[], afterId: string, limit = 10_000): Promise<LiveEvent[]> {
    const { exact, prefixes } = channelMatch(channels);
    const res = await this.db.query<{ id: string; channel: string; type: string; data: unknown; at: Date }>(
      `SELECT id::text AS id, channel, type, data, created_at AS at FROM live_event
        WHERE id > $1::bigint AND (channel = ANY($2::text[]) OR channel LIKE ANY($3::text[]))
        ORDER BY live_event.id LIMIT $4`,
      [afterId, exact, prefixes, limit],
    );
    return res.rows.map((r) => ({ ...r, at: r.at.toISOString() }));
  }

  /** Ids of events on `channels` at or below `mark`, created at or after `since`. */
  private async lateIds(channels: string[], mark: string, since: Date): Promise<string[]> {
    const { exact, prefixes } = channelMatch(channels);
    const res = await this.db.query<{ id: string }>(
      `SELECT id::text AS id FROM live_event
        WHERE created_at >= $1 AND id <= $2::bigint AND (channel = ANY($3::text[]) OR channel LIKE ANY($4::text[]))
        ORDER BY live_event.id`,
      [since, mark, exact, prefixes],
    );
    return res.rows.map((r) => r.id);
  }

  /** The events with these ids (those still stored), oldest first. */
  private async events(ids: string[]): Promise<LiveEvent[]> {
    const res = await this.db.query<{ id: string; channel: string; type: string; data: unknown; at: Date }>(
      `SELECT id::text AS id, channel, type, data, created_at AS at FROM live_event
        WHERE id = ANY($1::bigint[]) ORDER BY live_event.id`,
      [ids],
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

/** Subscribed channels as SQL parameters: exact names, and LIKE patterns for `memory:` prefixes. */
function channelMatch(channels: string[]): { exact: string[]; prefixes: string[] } {
  const exact = channels.filter((c) => !c.startsWith('memory:'));
  const prefixes = channels.filter((c) => c.startsWith('memory:')).map((c) => c.replace(/[\\%_]/g, '\\$&') + '%');
  return { exact, prefixes };
}
