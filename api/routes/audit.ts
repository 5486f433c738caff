// /audit: the audit trail of mutating calls, for admins.
import { z } from 'zod';
import { readAudit } from '../audit';
import { BASE, type RouteSpec } from '../route-spec';
import { parse, withoutNul } from '../validate';

const auditQuery = z
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

export const routes: RouteSpec[] = [
  {
    method: 'GET',
    path: `${BASE}/audit`,
    role: 'admin',
    tag: 'audit',
    summary: 'The audit trail of mutating calls, newest first',
    query: auditQuery,
    handler: async (req, res, { pool }) => {
      res.json({ entries: await readAudit(pool, parse(auditQuery, req.query, 'query')) });
    },
  },
];
