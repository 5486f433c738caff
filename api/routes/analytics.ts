// Analytics: model usage (tokens, cost, calls, failures) grouped and filtered in one query, and
// workflow runs by type from Temporal's visibility store; and the dashboard's time series over a
// range cut into buckets (usage, runs, sessions, errors) and the perfMonitor targets.
import type pg from 'pg';
import { z } from 'zod';
import {
  BUCKET_NAMES,
  errorSeries,
  MAX_POINTS,
  perfTargets,
  resolveRange,
  sessionSeries,
  usageSeries,
  workflowSeries,
} from '../../lib/analytics';
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

// ---------------------------------------------------------------------------------------------
// Time series

const rangeShape = {
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Start of the time range (ISO 8601; default: 24 hours before `to`)'),
  to: z.iso.datetime({ offset: true }).optional().describe('End of the time range (ISO 8601, exclusive; default: now)'),
  bucket: z
    .enum(BUCKET_NAMES)
    .optional()
    .describe(`Bucket size (default: the smallest that makes at most 200 points; at most ${MAX_POINTS})`),
};
const maxRuns = z.coerce
  .number()
  .int()
  .min(1)
  .max(20_000)
  .default(5_000)
  .describe('Most runs read from Temporal (newest first; `truncated` says when there were more)');
const usageSeriesQuery = z
  .object({
    ...rangeShape,
    groupBy: z
      .enum(['provider', 'model'])
      .default('provider')
      .describe('One series per provider or per provider/model'),
  })
  .strict();
const workflowSeriesQuery = z.object({ ...rangeShape, max: maxRuns }).strict();
const sessionSeriesQuery = z.object(rangeShape).strict();
const errorSeriesQuery = z
  .object({
    ...rangeShape,
    max: maxRuns,
    recent: z.coerce.number().int().min(0).max(100).default(10).describe('How many of the newest errors to list'),
  })
  .strict();
const perfQuery = z.object({ from: rangeShape.from, to: rangeShape.to }).strict();

const rangeOut = {
  from: z.string(),
  to: z.string(),
  bucket: z.enum(BUCKET_NAMES),
  bucketSeconds: z.number(),
  buckets: z.array(z.string()).describe('Start of every bucket, oldest first'),
};
const ms = z.number().nullable();
const usageFigures = {
  calls: z.number(),
  failures: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
};
const usageSeriesOut = z.object({
  ...rangeOut,
  groupBy: z.enum(['provider', 'model']),
  points: z
    .array(z.object({ bucket: z.string(), key: z.string(), ...usageFigures }))
    .describe('Buckets without calls are left out'),
  keys: z.array(z.object({ key: z.string(), ...usageFigures })),
  totals: z.object(usageFigures),
});
const workflowSeriesOut = z.object({
  ...rangeOut,
  runs: z.number(),
  truncated: z.boolean(),
  runningNow: z.number().describe('Runs running now, whenever they started'),
  totals: z.record(z.string(), z.number()),
  points: z.array(z.object({ bucket: z.string(), outcome: z.string(), runs: z.number() })),
  durations: z.array(
    z.object({ bucket: z.string(), type: z.string(), runs: z.number(), p50Ms: z.number(), p95Ms: z.number() }),
  ),
  types: z.array(
    z.object({
      type: z.string(),
      runs: z.number(),
      running: z.number(),
      completed: z.number(),
      failed: z.number(),
      cancelled: z.number(),
      p50Ms: ms,
      p95Ms: ms,
    }),
  ),
});
const sessionFigures = { sessions: z.number(), p50Ms: ms, p95Ms: ms, maxMs: ms };
const sessionSeriesOut = z.object({
  ...rangeOut,
  points: z.array(z.object({ bucket: z.string(), status: z.string(), ...sessionFigures })),
  statuses: z.array(z.object({ status: z.string(), ...sessionFigures })),
  totals: z.object(sessionFigures),
});
const errorSeriesOut = z.object({
  ...rangeOut,
  calls: z.object({
    points: z.array(
      z.object({ bucket: z.string(), provider: z.string(), errorType: z.string(), failures: z.number() }),
    ),
    types: z.array(
      z.object({
        provider: z.string(),
        errorType: z.string(),
        failures: z.number(),
        calls: z.number(),
        rate: z.number(),
      }),
    ),
    total: z.number(),
    failures: z.number(),
  }),
  runs: z.object({
    points: z.array(z.object({ bucket: z.string(), failureType: z.string(), runs: z.number() })),
    types: z.array(z.object({ failureType: z.string(), runs: z.number(), rate: z.number() })),
    total: z.number(),
    closed: z.number(),
    failed: z.number(),
    inspected: z.number().describe('Failed runs whose failure type was read (the newest 50)'),
    truncated: z.boolean(),
  }),
  recent: z.array(
    z.object({
      kind: z.enum(['run', 'call']),
      at: z.string(),
      type: z.string(),
      message: z.string(),
      workflowId: z.string().optional(),
      workflowType: z.string().optional(),
      sessionId: z.string().optional(),
      provider: z.string().optional(),
      model: z.string().optional(),
    }),
  ),
});
const perfOut = z.object({
  from: z.string(),
  to: z.string(),
  targets: z.array(
    z.object({
      name: z.string(),
      baseline: z
        .object({ workflowId: z.string().nullable(), at: z.string(), p50Ms: ms, p95Ms: ms, errorRate: z.number() })
        .nullable(),
      runs: z.array(
        z.object({
          workflowId: z.string(),
          at: z.string(),
          p50Ms: ms,
          p95Ms: ms,
          p99Ms: ms,
          errorRate: z.number(),
          regressed: z.boolean(),
        }),
      ),
      regressions: z.number(),
    }),
  ),
});

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
    handler: async (req, res, { temporal, config }) => {
      const q = parse(workflowAnalyticsQuery, req.query, 'query');
      const since = q.since ? new Date(q.since) : new Date(Date.now() - 30 * 24 * 3600 * 1000);
      res.json(await runAnalytics(temporal, { since, max: q.max, taskQueue: config.temporal.taskQueue }));
    },
  },
  {
    method: 'GET',
    path: `${BASE}/analytics/usage/series`,
    role: 'viewer',
    tag: 'analytics',
    summary: 'Model usage over time: tokens, cost, calls and failures per bucket and provider or model',
    query: usageSeriesQuery,
    response: { schema: usageSeriesOut },
    handler: async (req, res, { pool }) => {
      const q = parse(usageSeriesQuery, req.query, 'query');
      res.json(await usageSeries(pool, resolveRange(q), q.groupBy));
    },
  },
  {
    method: 'GET',
    path: `${BASE}/analytics/workflows/series`,
    role: 'viewer',
    tag: 'analytics',
    summary: 'Workflow runs over time: runs by outcome per bucket, duration percentiles by type',
    query: workflowSeriesQuery,
    response: { schema: workflowSeriesOut },
    handler: async (req, res, { temporal, config }) => {
      const q = parse(workflowSeriesQuery, req.query, 'query');
      res.json(await workflowSeries(temporal, resolveRange(q), q.max, config.temporal.taskQueue));
    },
  },
  {
    method: 'GET',
    path: `${BASE}/analytics/sessions`,
    role: 'viewer',
    tag: 'analytics',
    summary: 'Sessions over time: started per bucket by status, with duration percentiles',
    query: sessionSeriesQuery,
    response: { schema: sessionSeriesOut },
    handler: async (req, res, { pool }) => {
      res.json(await sessionSeries(pool, resolveRange(parse(sessionSeriesQuery, req.query, 'query'))));
    },
  },
  {
    method: 'GET',
    path: `${BASE}/analytics/errors`,
    role: 'viewer',
    tag: 'analytics',
    summary: 'Errors over time: failed model calls by provider and type, failed runs by failure type, the newest',
    query: errorSeriesQuery,
    response: { schema: errorSeriesOut },
    handler: async (req, res, { pool, temporal, config }) => {
      const q = parse(errorSeriesQuery, req.query, 'query');
      res.json(
        await errorSeries(pool, temporal, resolveRange(q), {
          max: q.max,
          recent: q.recent,
          taskQueue: config.temporal.taskQueue,
        }),
      );
    },
  },
  {
    method: 'GET',
    path: `${BASE}/analytics/perf`,
    role: 'viewer',
    tag: 'analytics',
    summary: "perfMonitor targets: each run's p50/p95 in the range against the target's baseline",
    query: perfQuery,
    response: { schema: perfOut },
    handler: async (req, res, { pool, memory }) => {
      const q = parse(perfQuery, req.query, 'query');
      res.json(await perfTargets(pool, memory, resolveRange({ from: q.from, to: q.to })));
    },
  },
];
