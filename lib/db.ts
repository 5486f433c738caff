// Database clients: Prisma (through the pg driver adapter, no native engine) for the data model,
// and a plain pg Pool for what Prisma does not do (LISTEN/NOTIFY, advisory locks, migrations).
//
// Faults heal. A pooled connection that dies is dropped and the next query makes a new one. Every
// pool reports how its new connections fare to its server's DatabaseWatch, which knows whether
// PostgreSQL is up, down, or shutting down. A "smart" shutdown (SIGTERM to the postmaster) refuses
// new connections (SQLSTATE 57P03) and waits for every open one to close; so when the watch learns
// of it, the pools close their idle connections and close each busy one as it is handed back, and
// the watch's spare connection ends the idle LISTEN connections, letting the shutdown complete.
// Once a new connection succeeds again, everything is back to normal.
import { EventEmitter } from 'node:events';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client';

export type { PrismaClient };

/** `application_name` of every pooled connection: how a sweep tells our idle connections apart. */
export const APPLICATION_NAME = 'claude-flow';
/** An idle pooled connection is closed after this long (it must not pin a server that shuts down). */
const IDLE_TIMEOUT_MS = 10_000;
/** While the server is not up, the watch tries a new connection this often. */
const RECHECK_MS = 1_000;

export type DatabaseState = 'up' | 'shutting-down' | 'down';

export interface DatabaseFault {
  state: Exclude<DatabaseState, 'up'>;
  /** One line for a person, e.g. `shutting down (the database system is shutting down; SQLSTATE 57P03)`. */
  detail: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** What a failed connection attempt says about the server; undefined when it is not about the server being there. */
export function databaseFault(err: unknown): DatabaseFault | undefined {
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (e.code === '57P03') {
    // cannot_connect_now: shutting down, starting up, in recovery.
    const shutting = /shutting down/i.test(message);
    return {
      state: shutting ? 'shutting-down' : 'down',
      detail: `${shutting ? 'shutting down' : 'not accepting connections'} (${message}; SQLSTATE 57P03)`,
    };
  }
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code))
    return { state: 'down', detail: `unreachable (${message})` };
  if (/Connection terminated|timeout expired|connection timeout/i.test(message)) {
    return { state: 'down', detail: `unreachable (${message})` };
  }
  return undefined;
}

/** A database error as a readiness detail: `postgres is shutting down (…)`, `postgres unreachable (…)`, or the message. */
export function describeDatabaseError(err: unknown): string {
  const fault = databaseFault(err);
  if (!fault) return (err as Error)?.message ?? String(err);
  return fault.detail.startsWith('unreachable') ? `postgres ${fault.detail}` : `postgres is ${fault.detail}`;
}

export interface DatabaseStateChange {
  state: DatabaseState;
  was: DatabaseState;
  detail: string;
  /** For `up`: how long the server was not up. */
  outageMs?: number;
}

/**
 * What this process knows of one database server: up, down or shutting down, learnt from new
 * connections (the pools', and the watch's own probes). Emits 'shutting-down', 'down' and 'up'
 * (a {@link DatabaseStateChange}), and 'swept' (how many idle connections a sweep ended).
 */
export class DatabaseWatch extends EventEmitter {
  state: DatabaseState = 'up';
  detail = 'reachable';
  /** When the current state began. */
  since = Date.now();
  private users = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  /** While started: how often to probe a server that is up, and the spare connection. */
  private watching: { everyMs: number } | undefined;
  private spare: pg.Client | undefined;

  constructor(readonly url: string) {
    super();
    this.setMaxListeners(0);
  }

  /** A new connection failed: when the failure says the server is down or shutting down, so be it. */
  noteConnectError(err: unknown): void {
    const fault = databaseFault(err);
    if (fault) this.enter(fault.state, fault.detail);
  }

  /** A new connection succeeded: the server is up. */
  noteConnected(): void {
    if (this.state !== 'up') this.enter('up', 'reachable');
  }

  /** A pool uses this watch (it probes a server that is not up only while someone does). */
  attach(): void {
    this.users++;
  }

  detach(): void {
    this.users = Math.max(0, this.users - 1);
  }

  /**
   * Watches actively, for a process that holds connections for long (LISTEN): keeps one spare
   * connection, to end idle connections with when the server starts shutting down, and tries a new
   * connection every `everyMs`, which is how a smart shutdown shows while nothing else connects.
   */
  start(everyMs = 2_000): () => Promise<void> {
    this.watching = { everyMs };
    void this.openSpare();
    this.schedule(this.state === 'up' ? everyMs : RECHECK_MS);
    return async () => {
      this.watching = undefined;
      clearTimeout(this.probeTimer);
      const spare = this.spare;
      this.spare = undefined;
      await spare?.end().catch(() => undefined);
    };
  }

  private enter(state: DatabaseState, detail: string): void {
    if (state === this.state) {
      this.detail = detail;
      return;
    }
    const change: DatabaseStateChange = { state, was: this.state, detail };
    if (state === 'up') change.outageMs = Date.now() - this.since;
    // An outage begins once: shutting down and then down is one outage.
    if (state === 'up' || this.state === 'up') this.since = Date.now();
    this.state = state;
    this.detail = detail;
    this.emit(state, change);
    if (state === 'shutting-down') void this.sweep();
    if (state === 'up') {
      if (this.watching) void this.openSpare();
      this.schedule(this.watching?.everyMs);
    } else {
      this.schedule(RECHECK_MS);
    }
  }

  private schedule(ms: number | undefined): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    if (ms === undefined) return;
    this.probeTimer = setTimeout(() => void this.probe(), ms);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    if (!this.watching && (this.state === 'up' || this.users === 0)) return;
    this.probing = true;
    const client = new pg.Client({
      connectionString: this.url,
      application_name: APPLICATION_NAME,
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      this.noteConnected();
    } catch (err) {
      this.noteConnectError(err);
    } finally {
      this.probing = false;
      await client.end().catch(() => undefined);
    }
    this.schedule(this.state === 'up' ? this.watching?.everyMs : RECHECK_MS);
  }

  private async openSpare(): Promise<void> {
    if (this.spare || !this.watching) return;
    const client = new pg.Client({ connectionString: this.url, application_name: `${APPLICATION_NAME} spare` });
    const lost = () => {
      if (this.spare === client) this.spare = undefined;
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
    } catch {
      return; // the next 'up' opens another
    }
    if (!this.watching || this.spare) {
      await client.end().catch(() => undefined);
      return;
    }
    this.spare = client;
  }

  /**
   * The server is shutting down and waits for every connection: end the idle ones of Claude Flow
   * (pooled, or a LISTEN) with the spare connection, then the spare itself. Busy connections
   * finish their work; the pools close them when they are handed back.
   */
  private async sweep(): Promise<void> {
    const spare = this.spare;
    this.spare = undefined;
    if (!spare) return;
    try {
      const res = await spare.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE usename = current_user AND pid <> pg_backend_pid() AND backend_type = 'client backend'
            AND state = 'idle' AND (application_name = $1 OR query LIKE 'LISTEN %')`,
        [APPLICATION_NAME],
      );
      this.emit('swept', res.rows[0]?.n ?? 0);
    } catch {
      // the spare was gone already
    } finally {
      await spare.end().catch(() => undefined);
    }
  }
}

const watches = new Map<string, DatabaseWatch>();

/** The one watch of this process for the database at `url`. */
export function databaseWatch(url: string): DatabaseWatch {
  let w = watches.get(url);
  if (!w) {
    w = new DatabaseWatch(url);
    watches.set(url, w);
  }
  return w;
}

type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/**
 * A pg Pool that drops dead connections (an 'error' handler, an idle timeout), tells its watch how
 * new connections fare, and lets go of every connection while the server is shutting down.
 */
class WatchedPool extends pg.Pool {
  readonly watch: DatabaseWatch;
  private readonly maxUses: number;
  private attached = false;
  private readonly onShuttingDown = () => this.drain();
  private readonly onUp = () => {
    this.options.maxUses = this.maxUses;
  };

  constructor(url: string, poolSize: number) {
    super({
      connectionString: url,
      max: poolSize,
      idleTimeoutMillis: IDLE_TIMEOUT_MS,
      application_name: APPLICATION_NAME,
    });
    this.maxUses = this.options.maxUses ?? Infinity;
    this.watch = databaseWatch(url);
    // An idle client losing its connection (Postgres restarted) must not crash the process; the
    // pool has already dropped it.
    this.on('error', () => undefined);
    // The same for a client that is checked out (the pool listens only to idle ones): a connection
    // a request or transaction holds, ended by the server between two of its queries, would
    // otherwise raise an unhandled 'error' and take the process down. Its next query fails instead.
    this.on('connect', (client) => {
      client.on('error', () => undefined);
      this.watch.noteConnected();
    });
    this.watch.on('shutting-down', this.onShuttingDown);
    this.watch.on('up', this.onUp);
    if (this.watch.state === 'shutting-down') this.drain();
  }

  /** Closes the idle connections now, and each busy one when it is handed back, until the server is up again. */
  private drain(): void {
    if (this.ending) return;
    this.options.maxUses = 1;
    for (let n = this.idleCount; n > 0; n--) {
      super.connect().then(
        (client) => client.release(true),
        () => undefined,
      );
    }
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    // A pool counts as a user of its watch from its first connection on: one never used (a Prisma
    // client that ran no query, whose $disconnect never ends it) must not keep the watch probing.
    if (!this.attached && !this.ending) {
      this.attached = true;
      this.watch.attach();
    }
    if (!callback) {
      return super.connect().catch((err: unknown) => {
        this.watch.noteConnectError(err);
        throw err;
      });
    }
    super.connect((err, client, done) => {
      if (err) this.watch.noteConnectError(err);
      callback(err, client, done);
    });
  }

  override end(): Promise<void>;
  override end(callback: () => void): void;
  override end(callback?: () => void): Promise<void> | void {
    if (!this.ending) {
      this.watch.off('shutting-down', this.onShuttingDown);
      this.watch.off('up', this.onUp);
      if (this.attached) this.watch.detach();
      this.attached = false;
    }
    if (callback) return super.end(callback);
    return super.end();
  }
}

export function createPrisma(url: string, poolSize = 10): PrismaClient {
  // Prisma's adapter uses our pool, so its connections heal the same way; $disconnect ends it.
  return new PrismaClient({
    adapter: new PrismaPg(new WatchedPool(url, poolSize), { disposeExternalPool: true }),
  });
}

export function createPool(url: string, poolSize = 10): pg.Pool {
  return new WatchedPool(url, poolSize);
}

/** The watch a pool from {@link createPool} reports to (undefined for any other pool). */
export function watchOf(pool: unknown): DatabaseWatch | undefined {
  return pool instanceof WatchedPool ? pool.watch : undefined;
}

/** The database name and a URL for another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Password-free form of a connection URL, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
