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

/**
 * The caller of `req`, or undefined for an anonymous caller that needs a key.
 * @param ip the client address as the app sees it (after trusted proxies)
 */
export async function identify(
  req: IncomingMessage,
  ip: string | undefined,
  deps: { pool: Pick<pg.Pool, 'query'>; config: Config },
  opts: { allowQueryKey?: boolean } = {},
): Promise<Principal | undefined> {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) throw unauthorized('The Authorization header must be "Bearer <API key>"');
    return principalForKey(deps.pool, deps.config, m[1], 'bearer');
  }
  const cookie = readCookie(req.headers.cookie, LOGIN_COOKIE);
  if (cookie !== undefined) {
    const who = await findLogin(deps.pool, cookie);
    if (!who)
      throw unauthorized('Your login has expired or was ended; log in again (POST /api/claude-flow/auth/login)');
    return who;
  }
  if (opts.allowQueryKey) {
    const key = new URL(req.url ?? '/', 'http://x').searchParams.get('key');
    if (key) return principalForKey(deps.pool, deps.config, key, 'query');
  }
  if (!deps.config.api.apiKey && ip !== undefined && LOOPBACK.test(ip))
    return { actor: 'local', name: 'local', role: 'admin', via: 'local' };
  return undefined;
}
