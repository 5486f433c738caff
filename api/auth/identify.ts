// Who is calling: one function for HTTP requests and WebSocket upgrades alike.
//
// Order: `Authorization: Bearer <key>`, then the login cookie, then `?key=` (only where the caller
// allows it: browsers cannot set headers on WebSockets and EventSource). A credential that is given
// but wrong is an error even where none is needed. With no CLAUDE_FLOW_API_KEY configured, a caller
// from this machine without credentials is the local admin.
import type { IncomingMessage } from 'node:http';
import type pg from 'pg';
import type { Config } from '../../lib/config';
import { ProblemError } from '../../lib/errors';
import { useKey } from './keys';
import { LOGIN_COOKIE, findLogin, readCookie } from './logins';
import type { AuthFailures } from './failures';
import type { Principal } from './roles';
import { sameSecret } from './secrets';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export const unauthorized = (detail: string) =>
  new ProblemError(401, 'Unauthorized', detail, { hint: 'send Authorization: Bearer <API key>' });

/** Resolves an API key (bootstrap or stored) to a principal; throws a 401 for an unknown or revoked key. */
export async function principalForKey(
  pool: Pick<pg.Pool, 'query'>,
  config: Config,
  key: string,
  via: Principal['via'],
): Promise<Principal> {
  if (config.api.apiKey && sameSecret(key, config.api.apiKey))
    return { actor: 'bootstrap', name: 'bootstrap', role: 'admin', via };
  const found = await useKey(pool, key);
  if (!found) throw unauthorized('The API key is not valid; ask an admin for a key (POST /api/claude-flow/keys)');
  if (found.revokedAt)
    throw unauthorized(`The API key ${found.prefix}… was revoked at ${found.revokedAt.toISOString()}; use another key`);
  return { actor: `key:${found.id}`, name: found.name, role: found.role, keyId: found.id, via };
}

/** A credential as sent; `secret` is undefined for a malformed Authorization header. */
interface Credential {
  via: 'bearer' | 'cookie' | 'query';
  secret: string | undefined;
}

function credentialOf(req: IncomingMessage, opts: { allowQueryKey?: boolean }): Credential | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) return { via: 'bearer', secret: /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] };
  const cookie = readCookie(req.headers.cookie, LOGIN_COOKIE);
  if (cookie !== undefined) return { via: 'cookie', secret: cookie };
  if (opts.allowQueryKey) {
    const key = new URL(req.url ?? '/', 'http://x').searchParams.get('key');
    if (key) return { via: 'query', secret: key };
  }
  return undefined;
}

async function resolve(cred: Credential, deps: { pool: Pick<pg.Pool, 'query'>; config: Config }): Promise<Principal> {
  if (cred.secret === undefined) throw unauthorized('The Authorization header must be "Bearer <API key>"');
  if (cred.via !== 'cookie') return principalForKey(deps.pool, deps.config, cred.secret, cred.via);
  const who = await findLogin(deps.pool, cred.secret);
  if (!who) throw unauthorized('Your login has expired or was ended; log in again (POST /api/claude-flow/auth/login)');
  return who;
}

/**
 * The caller of `req`, or undefined for an anonymous caller that needs a key. With `failures`, a
 * locked-out address (or key prefix) is a 429 before the credential is looked at, and a wrong
 * credential counts toward the lockout (its 401 may become that 429).
 * @param ip the client address as the app sees it (after trusted proxies)
 */
export async function identify(
  req: IncomingMessage,
  ip: string | undefined,
  deps: { pool: Pick<pg.Pool, 'query'>; config: Config; failures?: AuthFailures },
  opts: { allowQueryKey?: boolean } = {},
): Promise<Principal | undefined> {
  const cred = credentialOf(req, opts);
  if (cred) {
    await deps.failures?.admit(ip, cred.secret);
    try {
      return await resolve(cred, deps);
    } catch (err) {
      if (!deps.failures || !(err instanceof ProblemError) || err.status !== 401) throw err;
      throw (await deps.failures.failed(ip, cred.secret)) ?? err;
    }
  }
  if (!deps.config.api.apiKey && ip !== undefined && LOOPBACK.test(ip))
    return { actor: 'local', name: 'local', role: 'admin', via: 'local' };
  return undefined;
}
