// Live events: token streams, step progress and changes, outside Temporal history.
//
// Each event is a row in `live_event` (so a reconnecting client can resume after its last id) and
// a NOTIFY on one Postgres channel, so every API copy hears every event wherever it was produced.
import { EventEmitter } from 'node:events';
import pg from 'pg';

/** The Postgres NOTIFY channel every Claude Flow process listens on. */
export const NOTIFY_CHANNEL = 'cf_live';
/** NOTIFY payloads must stay under 8000 bytes; larger events travel as a reference to their row. */
const MAX_NOTIFY_BYTES = 7_500;

export interface LiveEvent {
  /** Increasing across the whole system (a bigserial), as a string. */
  id: string;
  /** `session:<id>`, `sessions`, `workflow:<id>`, `memory:<namespace>`, `analytics`. */
  channel: string;
  type: string;
  data: unknown;
  at: string;
}

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * SQL for a statement that writes live events itself: a SELECT that NOTIFYs every row of the CTE
 * named `rows` (columns id, channel, type, data, created_at, as `INSERT INTO live_event ...
 * RETURNING` gives them), in id order, and yields how many it notified. Delivered at commit, so
 * an event written in a transaction is heard only if the transaction's writes are there too.
 */
export function notifySql(rows: string): string {
  return `SELECT count(pg_notify('${NOTIFY_CHANNEL}',
            CASE WHEN octet_length(p) <= ${MAX_NOTIFY_BYTES} THEN p
                 ELSE json_build_object('id', id::text, 'channel', channel, 'ref', true)::text END)) AS notified
       FROM (SELECT id, channel, json_build_object('id', id::text, 'channel', channel, 'type', type, 'data', data,
                                                   'at', created_at)::text AS p
               FROM ${rows} ORDER BY id) x`;
}

/** Stores the event and notifies every listener, in one statement. */
export async function publish(db: Queryable, channel: string, type: string, data: unknown): Promise<LiveEvent> {
  const res = await db.query<{ id: string; at: Date }>(
    `WITH e AS (
       INSERT INTO live_event (channel, type, data) VALUES ($1, $2, $3::jsonb) RETURNING id, channel, type, data, created_at
     ), n AS (${notifySql('e')})
     SELECT id::text AS id, created_at AS at FROM e, n`,
    [channel, type, JSON.stringify(data ?? null)],
  );
  return { id: res.rows[0].id, channel, type, data, at: res.rows[0].at.toISOString() };
}

/**
 * One LISTEN connection per process, fanning events out to local subscribers. Reconnects after
 * losing its connection; events published meanwhile stay in live_event (the API's hub replays them).
 */
export class LiveListener extends EventEmitter {
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly db: Queryable,
  ) {
    super();
    this.setMaxListeners(0);
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('error', () => this.reconnect());
    client.on('end', () => this.reconnect());
    client.on('notification', (msg) => {
      if (msg.channel !== NOTIFY_CHANNEL || !msg.payload) return;
      // In order: an event fetched by reference must not be overtaken by the next one.
      const payload = msg.payload;
      this.queue = this.queue.then(() => this.deliver(payload)).catch(() => undefined);
    });
    await client.connect();
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    this.client = client;
  }

  private async deliver(payload: string): Promise<void> {
    const parsed = JSON.parse(payload) as LiveEvent & { ref?: boolean };
    if (!parsed.ref) {
      this.emit('event', parsed);
      return;
    }
    const res = await this.db.query<{ id: string; channel: string; type: string; data: unknown; at: Date }>(
      'SELECT id::text AS id, channel, type, data, created_at AS at FROM live_event WHERE id = $1::bigint',
      [parsed.id],
    );
    const row = res.rows[0];
    if (row) this.emit('event', { ...row, at: row.at.toISOString() });
  }

  private reconnect(): void {
    if (this.closed || this.retry) return;
    this.client = undefined;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.start().catch(() => this.reconnect());
    }, 500);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }
}
