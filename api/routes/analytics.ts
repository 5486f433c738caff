// Analytics: model usage (tokens, cost, calls, failures) grouped and filtered in one query, and
// workflow runs by type from Temporal's visibility store.
import type pg from 'pg';
import { z } from 'zod';
import { PROVIDERS } from '../../lib/config';
import { runAnalytics } from '../../lib/workflow-runs';
import { BASE, type RouteSpec } from '../route-spec';
import { parse, withoutNul } from '../validate';

const GROUPS = {
  provider: 'provider',
  model: 'model',
  session: 'session_id',
  workflow: 'workflow_id',
  task: 'task',
} as const;

const usageQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).optional().describe('Start of the time range (ISO 8601)'),
    to: z.iso.datetime({ offset: true }).optional().describe('End of the time range (ISO 8601), exclusive'),
    provider: z.enum(PROVIDERS).optional(),
    model: withoutNul(z.string().min(1).max(200)).optional(),
    sessionId: withoutNul(z.string().min(1).max(200)).optional(),
    workflowId: withoutNul(z.string().min(1).max(400)).optional(),
    groupBy: z
      .string()
      .regex(/^(provider|model|session|workflow|task)(,(provider|model|session|workflow|task))*$/, {
        message: 'a comma-separated list of provider, model, session, workflow, task',
      })
      .optional()
      .describe('Group totals by these fields (default provider,model)'),
  })
  .strict();

const workflowAnalyticsQuery = z
  .object({
    since: z.iso.datetime({ offset: true }).optional().describe('Runs started at or after (default: 30 days ago)'),
    max: z.coerce.number().int().min(1).max(50_000).default(10_000).describe('Most runs read'),
  })
  .strict();

interface UsageRow {
  [k: string]: unknown;
  calls: string;
  successes: string;
  failures: string;
  input_tokens: string;
  output_tokens: string;
  cache_read_tokens: string;
  cache_write_tokens: string;
  cost_usd: string | null;
  latency_p50_ms: number | null;
}

/** Usage totals and groups for a parsed query. */
async function usage(pool: pg.Pool, q: z.output<typeof usageQuery>) {
  const groups = (q.groupBy ?? 'provider,model').split(',') as (keyof typeof GROUPS)[];
  const unique = [...new Set(groups)];
  const where: string[] = ["outcome <> 'skipped'"];
  const args: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    args.push(v);
    where.push(sql.replace('?', `$${args.length}`));
  };
  if (q.from) add('created_at >= ?', q.from);
  if (q.to) add('created_at < ?', q.to);
  if (q.provider) add('provider = ?', q.provider);
  if (q.model) add('model = ?', q.model);
  if (q.sessionId) add('session_id = ?', q.sessionId);
  if (q.workflowId) add('workflow_id = ?', q.workflowId);
  const cols = unique.map((g) => `${GROUPS[g]} AS "${g}"`).join(', ');
  const sql = `
    SELECT ${cols},
           GROUPING(${unique.map((g) => GROUPS[g]).join(', ')}) AS grouping_bits,
           count(*) AS calls,
           count(*) FILTER (WHERE outcome = 'success') AS successes,
           count(*) FILTER (WHERE outcome = 'failure') AS failures,
           coalesce(sum(input_tokens), 0) AS input_tokens,
           coalesce(sum(output_tokens), 0) AS output_tokens,
           coalesce(sum(cache_read_tokens), 0) AS cache_read_tokens,
           coalesce(sum(cache_write_tokens), 0) AS cache_write_tokens,
           sum(cost_usd) AS cost_usd,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE outcome = 'success') AS latency_p50_ms
      FROM ai_call WHERE ${where.join(' AND ')}
     GROUP BY GROUPING SETS ((${unique.map((g) => GROUPS[g]).join(', ')}), ())
     ORDER BY GROUPING(${unique.map((g) => GROUPS[g]).join(', ')}) DESC, sum(cost_usd) DESC NULLS LAST, count(*) DESC`;
  const rows = (await pool.query<UsageRow>(sql, args)).rows;
  const shape = (row: UsageRow) => ({
    calls: Number(row.calls),
    successes: Number(row.successes),
    failures: Number(row.failures),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    cacheReadTokens: Number(row.cache_read_tokens),
    cacheWriteTokens: Number(row.cache_write_tokens),
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    latencyP50Ms: row.latency_p50_ms === null ? null : Math.round(row.latency_p50_ms),
  });
  // The grand total is the grouping set (); it is the first row (or absent when nothing matched).
  const isTotal = (row: UsageRow) => Number(row.grouping_bits) === (1 << unique.length) - 1;
  const totalRow = rows.find(isTotal);
  return {
    filters: { ...q, groupBy: unique },
    totals: totalRow
      ? shape(totalRow)
      : shape({
          calls: '0',
          successes: '0',
          failures: '0',
          input_tokens: '0',
          output_tokens: '0',
          cache_read_tokens: '0',
          cache_write_tokens: '0',
          cost_usd: null,
          latency_p50_ms: null,
        }),
    groups: rows
      .filter((row) => !isTotal(row))
      .map((row) => ({ ...Object.fromEntries(unique.map((g) => [g, row[g]])), ...shape(row) })),
  };
}

export const routes: RouteSpec[] = [
  {
    method: 'GET',
    path: `${BASE}/analytics/usage`,
    role: 'viewer',
    tag: 'analytics',
    summary: 'Model usage: tokens, cost, calls, failures, grouped',
    query: usageQuery,
    handler: async (req, res, { pool }) => {
      res.json(await usage(pool, parse(usageQuery, req.query, 'query')));
    },
  },
  {
    method: 'GET',
    path: `${BASE}/analytics/workflows`,
    role: 'viewer',
    tag: 'analytics',
    summary: 'Workflow runs by type: count, success rate, duration percentiles',
    query: workflowAnalyticsQuery,
    handler: async (req, res, { temporal }) => {
      const q = parse(workflowAnalyticsQuery, req.query, 'query');
      const since = q.since ? new Date(q.since) : new Date(Date.now() - 30 * 24 * 3600 * 1000);
      res.json(await runAnalytics(temporal, { since, max: q.max }));
    },
  },
];
