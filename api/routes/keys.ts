// /keys: API keys, for admins. The secret is in the creation response only.
import { z } from 'zod';
import { notFound } from '../../lib/errors';
import { createKey, listKeys, revokeKey } from '../auth/keys';
import { ROLES } from '../auth/roles';
import { BASE, type RouteSpec } from '../route-spec';
import { parse } from '../validate';

const createKeyBody = z
  .object({
    name: z.string().trim().min(1).max(200).describe('Who or what uses the key, e.g. "ci" or "ada"'),
    role: z.enum(ROLES),
  })
  .strict();
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
      res.json(revoked);
    },
  },
];
