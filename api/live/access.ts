// Live connections (SSE and WebSocket) end as soon as the identity that opened them may no longer
// have them: its key revoked or given another role, its login ended (logout) or expired.
//
// How every API copy hears of it at once: the change is published as a live event on the internal
// channel `auth` (lib/live.ts: a row in live_event and a NOTIFY, as every live event), and each
// copy's LiveAccess subscribes to that channel through its hub and closes the matching connections
// when the event arrives, milliseconds after the change. Clients cannot subscribe to `auth` (it is
// not a channel name they may give, live/channels.ts), so the events are never shown to anyone.
//
// Why not a check against the keys table on each delivery or heartbeat alone: an idle stream
// delivers nothing for minutes and heartbeats are 15-30 s apart, so a revoked key would keep
// listening that long; a query per delivered event would cost one per event per client. The
// heartbeat check is kept as the backstop: it catches what no one announces (a login expiring), a
// connection opened just as its key was revoked, and an announcement lost with a LISTEN connection.
import type pg from 'pg';
import { publish, type LiveEvent } from '../../lib/live';
import { liveKeyRole } from '../auth/keys';
import { loginAlive } from '../auth/logins';
import type { Principal, Role } from '../auth/roles';
import { sha256 } from '../auth/secrets';
import type { LiveHub } from './hub';

type Db = Pick<pg.Pool, 'query'>;

/** The internal live channel of access changes. */
export const AUTH_CHANNEL = 'auth';

export type AccessChange =
  | { type: 'key-revoked'; keyId: string }
  | { type: 'key-role-changed'; keyId: string; role: Role }
  | { type: 'logout'; loginId: string };

/** Tells every API copy that an identity's live connections must end. */
export async function announce(db: Db, change: AccessChange): Promise<void> {
  const data =
    change.type === 'logout'
      ? { login: loginTag(change.loginId) }
      : { keyId: change.keyId, ...(change.type === 'key-role-changed' ? { role: change.role } : {}) };
  await publish(db, AUTH_CHANNEL, change.type, data);
}

/** What names a login in announcements: a hash of its row's id, so live_event never holds the id itself. */
const loginTag = (loginId: string) => sha256(`live\0${loginId}`);

interface Watched {
  who: Principal;
  end(reason: string): void;
}

export interface Watch {
  /** Checks the keys and logins tables now; ends the connection when access is gone. */
  check(): Promise<void>;
  /** The connection closed: stop watching it. */
  stop(): void;
}

/** True when nothing can take a principal's access away while it is connected (local use, the bootstrap key). */
const permanent = (who: Principal) => who.keyId === undefined && who.loginId === undefined;

export class LiveAccess {
  private readonly open = new Set<Watched>();
  private subscription: Promise<(() => void) | undefined> | undefined;

  constructor(
    private readonly hub: Pick<LiveHub, 'subscribe'>,
    private readonly db: Db,
  ) {}

  /**
   * Ends the connection (`end`, once) when `who` loses access; checks once now, for a change made
   * while the connection was being set up. `check` checks again (on each heartbeat); `stop` is for
   * when the connection has closed.
   */
  watch(who: Principal, end: (reason: string) => void): Watch {
    if (permanent(who)) return { check: async () => undefined, stop: () => undefined };
    let ended = false;
    const entry: Watched = {
      who,
      end: (reason) => {
        if (ended) return;
        ended = true;
        stop();
        end(reason);
      },
    };
    const stop = () => {
      if (!this.open.delete(entry) || this.open.size > 0) return;
      const s = this.subscription;
      this.subscription = undefined;
      void s?.then((unsubscribe) => unsubscribe?.());
    };
    this.open.add(entry);
    this.subscription ??= this.hub
      .subscribe({ channels: new Set([AUTH_CHANNEL]), deliver: (e) => this.onChange(e) })
      .catch(() => {
        // Without live events the heartbeat check still ends revoked connections.
        this.subscription = undefined;
        return undefined;
      });
    const check = async () => {
      const reason = await this.revoked(who).catch(() => undefined);
      if (reason) entry.end(reason);
    };
    void check();
    return { check, stop };
  }

  /** Why `who` may no longer listen, or undefined while it may (a query or two; for heartbeats). */
  async revoked(who: Principal): Promise<string | undefined> {
    if (who.keyId !== undefined) {
      const role = await liveKeyRole(this.db, who.keyId);
      if (role === undefined) return 'the API key was revoked';
      if (role !== who.role) return `the API key's role changed to ${role}: reconnect`;
    }
    if (who.loginId !== undefined && !(await loginAlive(this.db, who.loginId)))
      return 'the login ended or expired: log in again';
    return undefined;
  }

  private onChange(e: LiveEvent): void {
    const data = (e.data ?? {}) as { keyId?: string; role?: Role; login?: string };
    for (const w of [...this.open]) {
      const { who } = w;
      if (e.type === 'key-revoked' && who.keyId === data.keyId) w.end('the API key was revoked');
      else if (e.type === 'key-role-changed' && who.keyId === data.keyId && who.role !== data.role)
        w.end(`the API key's role changed to ${data.role}: reconnect`);
      else if (e.type === 'logout' && who.loginId !== undefined && loginTag(who.loginId) === data.login)
        w.end('the login ended: log in again');
    }
  }

  get size(): number {
    return this.open.size;
  }
}

const byHub = new WeakMap<object, LiveAccess>();

/** The LiveAccess of a hub (one per process and hub, shared by the SSE route and the WebSocket server). */
export function liveAccess(hub: Pick<LiveHub, 'subscribe'>, db: Db): LiveAccess {
  let access = byHub.get(hub);
  if (!access) {
    access = new LiveAccess(hub, db);
    byHub.set(hub, access);
  }
  return access;
}
