// /keys: API keys, for admins. The secret is in the creation response only.
import { Router } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { notFound } from '../../lib/errors';
import { createKey, listKeys, revokeKey } from '../auth/keys';
import { ROLES } from '../auth/roles';
import { parse } from '../validate';

export const createKeyBody = z
  .object({
    name: z.string().trim().min(1).max(200).describe('Who or what uses the key, e.g. "ci" or "ada"'),
    role: z.enum(ROLES),
  })
  .strict();
const keyId = z.uuid({ message: 'a key id (UUID) from GET /keys' });

export function keysRouter(pool: pg.Pool): Router {
  const r = Router();
  r.post('/keys', async (req, res) => {
    const body = parse(createKeyBody, req.body ?? {}, 'body');
    const created = await createKey(pool, body.name, body.role);
    res.status(201).json({ ...created, note: 'Store the key now: it is not shown again' });
  });
  r.get('/keys', async (_req, res) => {
    res.json({ keys: await listKeys(pool) });
  });
  r.delete('/keys/:keyId', async (req, res) => {
    const revoked = await revokeKey(pool, parse(keyId, req.params.keyId, 'path'));
    if (!revoked) throw notFound(`No API key ${req.params.keyId}; GET /api/claude-flow/keys lists them`);
    res.json(revoked);
  });
  return r;
}
