// Dashboard logins: a random cookie secret whose sha256 is a row in auth_session with an expiry.
// A login made with an API key ends when that key is revoked.
import type pg from 'pg';
import type { Principal, Role } from './roles';
import { newToken, sha256 } from './secrets';

type Db = Pick<pg.Pool, 'query'>;

/** Name of the login cookie. */
export const LOGIN_COOKIE = 'cf_login';

/** Stores a login for `who`; returns the cookie value (shown once) and its expiry. */
export async function createLogin(db: Db, who: Principal, hours: number): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + hours * 3_600_000);
  await db.query(`INSERT INTO auth_session (hash, key_id, name, role, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
    sha256(token),
    who.keyId ?? null,
    who.name,
    who.role,
    expiresAt,
  ]);
  // Expired logins are useless; sweep a few now and then rather than run a timer.
  if (Math.random() < 0.05) await db.query(`DELETE FROM auth_session WHERE expires_at < now()`);
  return { token, expiresAt };
}

/**
 * The principal behind a live login cookie; undefined when unknown, expired or its key revoked. A
 * login made with a key has the key's role now (a role change applies to its logins at once).
 */
export async function findLogin(db: Db, token: string): Promise<Principal | undefined> {
  const hash = sha256(token);
  const res = await db.query<{ key_id: string | null; name: string; role: Role }>(
    `SELECT s.key_id, s.name, coalesce(k.role, s.role) AS role FROM auth_session s LEFT JOIN api_key k ON k.id = s.key_id
      WHERE s.hash = $1 AND s.expires_at > now() AND (s.key_id IS NULL OR k.revoked_at IS NULL)`,
    [hash],
  );
  const row = res.rows[0];
  if (!row) return undefined;
  return {
    actor: row.key_id ? `key:${row.key_id}` : 'bootstrap',
    name: row.name,
    role: row.role,
    keyId: row.key_id ?? undefined,
    loginId: hash,
    via: 'cookie',
  };
}

/** True while the login `loginId` (the sha256 of its cookie) exists and has not expired. */
export async function loginAlive(db: Db, loginId: string): Promise<boolean> {
  const res = await db.query(`SELECT 1 FROM auth_session WHERE hash = $1 AND expires_at > now()`, [loginId]);
  return res.rows.length > 0;
}

export async function deleteLogin(db: Db, token: string): Promise<void> {
  await db.query(`DELETE FROM auth_session WHERE hash = $1`, [sha256(token)]);
}

/** The value of one cookie in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      // A malformed %-escape is no login of ours: the raw value, which finds no login (401), not a 500.
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return undefined;
}
