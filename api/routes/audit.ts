// /audit: the audit trail of mutating calls, for admins.
import { Router } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { readAudit } from '../audit';
import { parse, withoutNul } from '../validate';

export const auditQuery = z
  .object({
    actor: withoutNul(z.string().min(1).max(200))
      .optional()
      .describe('`key:<id>`, `bootstrap`, `local`, `anonymous` or a key name'),
    action: withoutNul(z.string().min(1).max(300))
      .optional()
      .describe('A route as declared, e.g. "PUT /api/claude-flow/memory/entries/{path}"'),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export function auditRouter(pool: pg.Pool): Router {
  const r = Router();
  r.get('/audit', async (req, res) => {
    res.json({ entries: await readAudit(pool, parse(auditQuery, req.query, 'query')) });
  });
  return r;
}
