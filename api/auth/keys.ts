// API keys in Postgres: created by an admin (the secret is returned once), listed without secrets,
// revoked (kept, for the audit trail), and looked up by hash, recording when each was last used.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Role } from './roles';
import { newKey, sha256, visiblePrefix } from './secrets';

type Db = Pick<pg.Pool, 'query'>;

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = `id, name, role, prefix, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

/** Creates a key; the returned `key` is the only time the secret exists outside the caller. */
export async function createKey(db: Db, name: string, role: Role): Promise<ApiKeyInfo & { key: string }> {
  const key = newKey();
  const res = await db.query<ApiKeyInfo>(
    `INSERT INTO api_key (id, name, role, prefix, hash) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [randomUUID(), name, role, visiblePrefix(key), sha256(key)],
  );
  return { ...res.rows[0], key };
}

export async function listKeys(db: Db): Promise<ApiKeyInfo[]> {
  return (await db.query<ApiKeyInfo>(`SELECT ${COLUMNS} FROM api_key ORDER BY created_at, id`)).rows;
}

/** Revokes a key (idempotent); undefined when there is no such key. */
export async function revokeKey(db: Db, id: string): Promise<ApiKeyInfo | undefined> {
  const res = await db.query<ApiKeyInfo>(
    `UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
    [id],
  );
  return res.rows[0];
}

/** The key with this secret, its last use set to now unless it is revoked; undefined if unknown. */
export async function useKey(db: Db, key: string): Promise<ApiKeyInfo | undefined> {
  const res = await db.query<ApiKeyInfo>(
    `UPDATE api_key SET last_used_at = CASE WHEN revoked_at IS NULL THEN now() ELSE last_used_at END
      WHERE hash = $1 RETURNING ${COLUMNS}`,
    [sha256(key)],
  );
  return res.rows[0];
}

/** Gives a key another role (its logins follow: they read the key's role); undefined when there is no such key. */
export async function setKeyRole(db: Db, id: string, role: Role): Promise<ApiKeyInfo | undefined> {
  const res = await db.query<ApiKeyInfo>(`UPDATE api_key SET role = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [id, role]);
  return res.rows[0];
}

/** A key's role now; undefined when it is revoked or gone. */
export async function liveKeyRole(db: Db, id: string): Promise<Role | undefined> {
  const res = await db.query<{ role: Role }>(`SELECT role FROM api_key WHERE id = $1 AND revoked_at IS NULL`, [id]);
  return res.rows[0]?.role;
}
