// Failed authentication, limited: per client address and per API key prefix, with back-off, shared
// by every API copy through Postgres (RateCounter, as the request limits are).
//
// - An address with CLAUDE_FLOW_RATE_LIMIT_AUTH_FAILURES failed authentications in a window gets
//   429 (Retry-After: the window's end) for anything it authenticates with, before the credential
//   is looked at, so it learns nothing more about keys until then.
// - Back-off: attempts keep counting in a long window (60 windows, at most a day) while refused, and
//   past 5× the limit there the address waits until the long window ends.
// - Per key prefix (`cf_live_` + 8 characters, the visible part of a key): many addresses guessing
//   one key. Past the limit, a prefix is refused to every address that has failed itself in this
//   window; an address that has not (the key's owner, elsewhere) is still checked, so a lockout
//   never blocks a correct key from another address.
// - The bootstrap admin key (CLAUDE_FLOW_API_KEY) is compared first (in memory, constant time):
//   correct, it is never refused, so the administrator always has a way in.
import type pg from 'pg';
import type { Config } from '../../lib/config';
import { ProblemError } from '../../lib/errors';
import { RateCounter } from '../rate-limit';
import { KEY_PREFIX, isBootstrapKey, visiblePrefix } from './secrets';

/** The long window's limit, as a multiple of the short window's. */
export const BACKOFF_FACTOR = 5;
/** The long window, in short windows (capped at a day). */
const LONG_WINDOWS = 60;

type Clock = () => number;

export class AuthFailures {
  private readonly short: RateCounter;
  private readonly long: RateCounter;
  private readonly limit: number;

  constructor(
    db: Pick<pg.Pool, 'query'>,
    private readonly config: Config,
    private readonly now: Clock = Date.now,
  ) {
    const { windowSeconds, authFailures } = config.api.rateLimit;
    this.limit = authFailures;
    this.short = new RateCounter(db, windowSeconds * 1000, 'af:');
    this.long = new RateCounter(db, Math.min(windowSeconds * LONG_WINDOWS, 86_400) * 1000, 'afl:');
  }

  /** True when `secret` is the bootstrap admin key. */
  isBootstrap(secret: string | undefined): boolean {
    return isBootstrapKey(this.config, secret);
  }

  /**
   * Before a credential is checked: throws a 429 when `ip` (or, for an address that failed itself,
   * the key's prefix) is locked out. The bootstrap key always passes.
   */
  async admit(ip: string | undefined, secret: string | undefined): Promise<void> {
    if (this.limit <= 0 || this.isBootstrap(secret)) return;
    const now = this.now();
    const addr = addressBucket(ip);
    const prefix = prefixBucket(secret);
    const failedHere = this.short.known(addr, now);
    let retryAfter: number | undefined;
    let what = '';
    if (this.long.known(addr, now) >= this.limit * BACKOFF_FACTOR) {
      retryAfter = this.long.secondsLeft(now);
      what = this.backoffReason();
    } else if (failedHere >= this.limit) {
      retryAfter = this.short.secondsLeft(now);
      what = `${this.limit} failed authentications from your address`;
    } else if (prefix && failedHere > 0 && this.short.known(prefix, now) >= this.limit) {
      retryAfter = this.short.secondsLeft(now);
      what = `${this.limit} failed authentications with keys starting ${prefix.slice(4)}`;
    }
    if (retryAfter === undefined) return;
    // Knocking on a lock counts toward the long one: back-off.
    await this.long.hit([addr], [this.limit * BACKOFF_FACTOR], now);
    throw tooMany(what, retryAfter);
  }

  /**
   * After a credential failed: counts it for the address and the key prefix, shared with every copy
   * at once (failures are rare; exact counts matter more than a statement). Returns the 429 to
   * answer instead of the 401 when that failure went past a limit another copy counted toward.
   */
  async failed(ip: string | undefined, secret: string | undefined): Promise<ProblemError | undefined> {
    if (this.limit <= 0) return undefined;
    const now = this.now();
    const addr = addressBucket(ip);
    const prefix = prefixBucket(secret);
    const names = prefix ? [addr, prefix] : [addr];
    await Promise.all([
      this.short.hit(
        names,
        names.map(() => this.limit),
        now,
      ),
      this.long.hit([addr], [this.limit * BACKOFF_FACTOR], now),
    ]);
    await Promise.all([this.short.flush(), this.long.flush()]);
    if (this.long.known(addr, now) > this.limit * BACKOFF_FACTOR)
      return tooMany(this.backoffReason(), this.long.secondsLeft(now));
    if (this.short.known(addr, now) > this.limit)
      return tooMany(`more than ${this.limit} failed authentications from your address`, this.short.secondsLeft(now));
    return undefined;
  }

  private backoffReason(): string {
    return `more than ${this.limit * BACKOFF_FACTOR} failed or refused authentications from your address in ${this.long.windowMs / 60_000} minutes`;
  }

  close(): void {
    this.short.close();
    this.long.close();
  }
}

const addressBucket = (ip: string | undefined) => `ip:${ip ?? 'unknown'}`;

/** The bucket of a key's visible prefix; undefined for anything not shaped like our keys. */
function prefixBucket(secret: string | undefined): string | undefined {
  if (!secret?.startsWith(KEY_PREFIX) || secret.length < KEY_PREFIX.length + 8) return undefined;
  return `key:${visiblePrefix(secret)}`;
}

function tooMany(what: string, retryAfter: number): ProblemError {
  return new ProblemError(
    429,
    'Too Many Requests',
    `Authentication refused for now: ${what}. Retry after ${retryAfter} s, with a valid key`,
    { retryAfterSeconds: retryAfter },
  );
}
