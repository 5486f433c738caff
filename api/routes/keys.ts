// /keys: API keys, for admins. The secret is in the creation response only. Revoking a key or
// changing its role ends its live streams at once, on every API copy (live/access.ts).
import { z } from 'zod';
import { notFound } from '../../lib/errors';
import { createKey, listKeys, revokeKey, setKeyRole } from '../auth/keys';
import { ROLES } from '../auth/roles';
import { announce } from '../live/access';
import { BASE, type RouteSpec } from '../route-spec';
import { parse } from '../validate';

const createKeyBody = z
  .object({
    name: z.string().trim().min(1).max(200).describe('Who or what uses the key, e.g. "ci" or "ada"'),
    role: z.enum(ROLES),
  })
  .strict();
const updateKeyBody = z.object({ role: z.enum(ROLES) }).strict();
const keyId = z.uuid({ message: 'a key id (UUID) from GET /keys' });

export const routes: RouteSpec[] = [
  {
    method: 'POST',
    path: `${BASE}/keys`,
    role: 'admin',
    tag: 'keys',
    summary: 'Create an API key (the key is shown once)',
    body: createKeyBody,
    handler: async (req, res, { pool }) => {
      const body = parse(createKeyBody, req.body ?? {}, 'body');
      const created = await createKey(pool, body.name, body.role);
      res.status(201).json({ ...created, note: 'Store the key now: it is not shown again' });
    },
  },
  {
    method: 'GET',
    path: `${BASE}/keys`,
    role: 'admin',
    tag: 'keys',
    summary: 'List API keys (never their secrets)',
    handler: async (_req, res, { pool }) => {
      res.json({ keys: await listKeys(pool) });
    },
  },
  {
    method: 'DELETE',
    path: `${BASE}/keys/{keyId}`,
    role: 'admin',
    tag: 'keys',
    summary: 'Revoke an API key',
    handler: async (req, res, { pool }) => {
      const revoked = await revokeKey(pool, parse(keyId, req.params.keyId, 'path'));
      if (!revoked) throw notFound(`No API key ${req.params.keyId}; GET /api/claude-flow/keys lists them`);
      // Its live streams end now, on every API copy (its requests and logins already fail).
      await announce(pool, { type: 'key-revoked', keyId: revoked.id });
      res.json(revoked);
    },
  },
  {
    method: 'PUT',
    path: `${BASE}/keys/{keyId}`,
    role: 'admin',
    tag: 'keys',
    summary: "Change an API key's role (its logins follow; its live streams end, to reconnect with the new role)",
    body: updateKeyBody,
    handler: async (req, res, { pool }) => {
      const id = parse(keyId, req.params.keyId, 'path');
      const { role } = parse(updateKeyBody, req.body ?? {}, 'body');
      const updated = await setKeyRole(pool, id, role);
      if (!updated) throw notFound(`No API key ${req.params.keyId}; GET /api/claude-flow/keys lists them`);
      await announce(pool, { type: 'key-role-changed', keyId: updated.id, role: updated.role });
      res.json(updated);
    },
  },
];
