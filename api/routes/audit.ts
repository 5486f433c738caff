// /audit: the audit trail of mutating calls, for admins: filtered, newest first, paged by cursor.
import { z } from 'zod';
import { readAudit } from '../audit';
import { BASE, type RouteSpec } from '../route-spec';
import { parse, withoutNul } from '../validate';

const status = z
  .string()
  .regex(/^([1-5]\d\d|[1-5]xx)$/, 'an HTTP status such as 403, or a class such as 4xx')
  .transform((s) => (s.endsWith('xx') ? (s as `${1 | 2 | 3 | 4 | 5}xx`) : Number(s)));

// Handed to PostgreSQL in UTC: it refuses offsets beyond ±15:59, which ISO 8601 allows.
const time = z.iso
  .datetime({ offset: true, message: 'an ISO 8601 time with an offset, e.g. 2026-12-01T00:00:00Z' })
  .refine((s) => Number.isFinite(Date.parse(s)), 'a date that exists, e.g. 2026-12-01T00:00:00Z')
  .transform((s) => new Date(s).toISOString());

const auditQuery = z
  .object({
    actor: withoutNul(z.string().min(1).max(200))
      .optional()
      .describe('`key:<id>`, `bootstrap`, `local`, `anonymous` or a key name'),
    action: withoutNul(z.string().min(1).max(300))
      .optional()
      .describe(
        'A route as declared, e.g. "PUT /api/claude-flow/memory/entries/{path}" (GET /audit/actions lists them)',
      ),
    target: withoutNul(z.string().min(1).max(2000))
      .optional()
      .describe('The path called, or its start: "/api/claude-flow/keys/" finds every call on a key'),
    status: status.optional().describe('An HTTP status (403) or a class (2xx, 4xx, 5xx)'),
    outcome: z
      .enum(['ok', 'failed'], { message: 'ok (answered below 400) or failed (400 and up)' })
      .optional()
      .describe('ok: answered below 400; failed: 400 and up'),
    from: time.optional().describe('Calls answered at or after this time'),
    to: time.optional().describe('Calls answered before this time'),
    cursor: z
      .string()
      .regex(/^[1-9]\d{0,18}$/, 'the nextCursor of the previous page')
      .optional()
      .describe('The nextCursor of the previous page'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict()
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: 'from must be before to',
    path: ['from'],
  });

const auditRow = z.object({
  id: z.string(),
  at: z.string().describe('ISO time of the answer'),
  actor: z.string(),
  actorName: z.string().nullable(),
  action: z.string(),
  target: z.string(),
  status: z.number().int(),
  ip: z.string().nullable(),
  requestId: z.string().nullable(),
});

export const routes: RouteSpec[] = [
  {
    method: 'GET',
    path: `${BASE}/audit`,
    role: 'admin',
    tag: 'audit',
    summary: 'The audit trail of mutating calls, newest first',
    description:
      'Filters combine (AND). A page holds `limit` rows; when there are more, `nextCursor` is set: pass it as `cursor` for the next page.',
    query: auditQuery,
    response: {
      schema: z.object({ entries: z.array(auditRow), nextCursor: z.string().optional() }),
    },
    handler: async (req, res, { pool }) => {
      res.json(await readAudit(pool, parse(auditQuery, req.query, 'query')));
    },
  },
  {
    method: 'GET',
    path: `${BASE}/audit/actions`,
    role: 'admin',
    tag: 'audit',
    summary: 'The actions the audit trail records: every mutating route as declared',
    response: { schema: z.object({ actions: z.array(z.string()) }) },
    handler: (_req, res, { routes }) => {
      res.json({
        actions: routes
          .filter((r) => r.method !== 'GET' && r.handler)
          .map((r) => `${r.method} ${r.path}`)
          .sort(),
      });
    },
  },
];
