// Time series for the dashboard's analytics: model usage, workflow runs, sessions, errors and the
// performance monitor's targets over a time range cut into buckets. Usage, sessions and errors of
// model calls are one SQL query each (date_bin buckets); runs come from Temporal's visibility
// store (bounded); perf targets from memory (`performance/<name>/`, written by perfMonitor).
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type pg from 'pg';
import type { MemoryStore } from './memory';
import { badRequest } from './errors';
import { listRuns, percentile, runQuery, type RunStatus, type RunSummary } from './workflow-runs';

export const BUCKETS = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600, '6h': 21_600, '1d': 86_400 } as const;
export type Bucket = keyof typeof BUCKETS;
export const BUCKET_NAMES = Object.keys(BUCKETS) as [Bucket, ...Bucket[]];
/** Most buckets a chosen bucket size may make; an automatic one makes at most AUTO_POINTS. */
export const MAX_POINTS = 500;
const AUTO_POINTS = 200;
export const MAX_RANGE_DAYS = 400;
const DAY_MS = 86_400_000;

export interface Range {
  from: Date;
  to: Date;
  bucket: Bucket;
  bucketMs: number;
  /** Start of every bucket (UTC-aligned to the bucket size), oldest first. */
  buckets: string[];
}

const floorTo = (t: number, ms: number) => Math.floor(t / ms) * ms;
const pointsOf = (from: Date, to: Date, ms: number) => Math.ceil((to.getTime() - floorTo(from.getTime(), ms)) / ms);

/**
 * The range a query asks for (default: the last 24 hours) with its bucket size: the one asked for
 * (a 400 naming the sizes that fit when it makes more than MAX_POINTS), or the smallest that makes
 * at most AUTO_POINTS.
 */
export function resolveRange(q: { from?: string; to?: string; bucket?: Bucket }, now = new Date()): Range {
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - DAY_MS);
  if (from >= to) {
    throw badRequest(`from (${from.toISOString()}) must be before to (${to.toISOString()})`);
  }
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
    throw badRequest(
      `The range from ${from.toISOString()} to ${to.toISOString()} is longer than ${MAX_RANGE_DAYS} days: choose a shorter one`,
    );
  }
  let bucket: Bucket;
  if (q.bucket) {
    const points = pointsOf(from, to, BUCKETS[q.bucket] * 1000);
    if (points > MAX_POINTS) {
      const fits = BUCKET_NAMES.filter((b) => pointsOf(from, to, BUCKETS[b] * 1000) <= MAX_POINTS);
      throw badRequest(
        `bucket: ${q.bucket} over this range makes ${points.toLocaleString('en-US')} points (at most ${MAX_POINTS}): choose ${fits.join(', ')}, or a shorter range`,
      );
    }
    bucket = q.bucket;
  } else {
    bucket = BUCKET_NAMES.find((b) => pointsOf(from, to, BUCKETS[b] * 1000) <= AUTO_POINTS) ?? '1d';
  }
  const bucketMs = BUCKETS[bucket] * 1000;
  const buckets: string[] = [];
  for (let t = floorTo(from.getTime(), bucketMs); t < to.getTime(); t += bucketMs)
    buckets.push(new Date(t).toISOString());
  return { from, to, bucket, bucketMs, buckets };
}

const rangeOut = (r: Range) => ({
  from: r.from.toISOString(),
  to: r.to.toISOString(),
  bucket: r.bucket,
  bucketSeconds: r.bucketMs / 1000,
  buckets: r.buckets,
});
/** The date_bin expression of a column, with the interval as parameter $1 (buckets aligned to the epoch, UTC). */
const BIN = (col: string) => `date_bin($1::interval, ${col}, timestamptz '1970-01-01 00:00:00+00')`;
const iso = (d: Date) => d.toISOString();
const num = (v: string | number | null) => (v === null ? 0 : Number(v));
const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
const msOf = (v: number | null) => (v === null ? null : Math.round(v));

// ---------------------------------------------------------------------------------------------
// Model usage

export interface UsagePoint {
  bucket: string;
  key: string;
  calls: number;
  failures: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}
type UsageTotals = Omit<UsagePoint, 'bucket' | 'key'>;

/** Tokens, cost, calls and failures per bucket and provider (or model), with totals per key and in all. */
export async function usageSeries(pool: pg.Pool, range: Range, groupBy: 'provider' | 'model') {
  const key = groupBy === 'model' ? `provider || '/' || model` : 'provider';
  const r = await pool.query<{
    b: Date;
    key: string;
    calls: string;
    failures: string;
    input_tokens: string;
    output_tokens: string;
    cost_usd: string | null;
  }>(
    `SELECT ${BIN('created_at')} AS b, ${key} AS key, count(*) AS calls,
            count(*) FILTER (WHERE outcome = 'failure') AS failures,
            coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
            sum(cost_usd) AS cost_usd
       FROM ai_call WHERE outcome <> 'skipped' AND created_at >= $2 AND created_at < $3
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [`${range.bucketMs / 1000} seconds`, range.from, range.to],
  );
  const points: UsagePoint[] = r.rows.map((row) => ({
    bucket: iso(row.b),
    key: row.key,
    calls: num(row.calls),
    failures: num(row.failures),
    inputTokens: num(row.input_tokens),
    outputTokens: num(row.output_tokens),
    costUsd: round6(num(row.cost_usd)),
  }));
  const zero = (): UsageTotals => ({ calls: 0, failures: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 });
  const add = (t: UsageTotals, p: UsagePoint) => {
    t.calls += p.calls;
    t.failures += p.failures;
    t.inputTokens += p.inputTokens;
    t.outputTokens += p.outputTokens;
    t.costUsd = round6(t.costUsd + p.costUsd);
  };
  const byKey = new Map<string, UsageTotals>();
  const totals = zero();
  for (const p of points) {
    const t = byKey.get(p.key) ?? zero();
    add(t, p);
    byKey.set(p.key, t);
    add(totals, p);
  }
  return {
    ...rangeOut(range),
    groupBy,
    points,
    keys: [...byKey.entries()]
      .map(([k, t]) => ({ key: k, ...t }))
      .sort((a, b) => b.costUsd - a.costUsd || b.inputTokens + b.outputTokens - (a.inputTokens + a.outputTokens)),
    totals,
  };
}

// ---------------------------------------------------------------------------------------------
// Workflow runs

/** Runs started in the range, newest first, at most `max` (then `truncated`). */
export async function runsIn(
  client: Client,
  range: Range,
  max: number,
  taskQueue?: string,
): Promise<{ runs: RunSummary[]; truncated: boolean }> {
  const runs: RunSummary[] = [];
  let pageToken: string | undefined;
  do {
    const page = await listRuns(
      client,
      { since: range.from, until: range.to, taskQueue },
      { limit: Math.min(1000, max - runs.length), pageToken },
    );
    runs.push(...page.runs);
    pageToken = page.nextPageToken;
  } while (pageToken && runs.length < max);
  return { runs, truncated: !!pageToken };
}

export const OUTCOMES = ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out'] as const;
const outcomeOf = (s: RunStatus) => (s === 'continued_as_new' ? 'completed' : s);
const bucketOf = (range: Range, at: string) => new Date(floorTo(Date.parse(at), range.bucketMs)).toISOString();

/** Runs by outcome per bucket (of their start), duration percentiles by type, and how many run now. */
export async function workflowSeries(client: Client, range: Range, max: number, taskQueue?: string) {
  const { runs, truncated } = await runsIn(client, range, max, taskQueue);
  const counts = new Map<string, number>();
  const durations = new Map<string, number[]>();
  const byType = new Map<string, RunSummary[]>();
  for (const run of runs) {
    const b = bucketOf(range, run.startTime);
    const k = `${b}\n${outcomeOf(run.status)}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    byType.set(run.type, [...(byType.get(run.type) ?? []), run]);
    if (run.durationMs !== undefined) {
      const dk = `${b}\n${run.type}`;
      durations.set(dk, [...(durations.get(dk) ?? []), run.durationMs]);
    }
  }
  const points = [...counts.entries()]
    .map(([k, n]) => {
      const [bucket, outcome] = k.split('\n');
      return { bucket, outcome, runs: n };
    })
    .sort((a, b) => a.bucket.localeCompare(b.bucket) || a.outcome.localeCompare(b.outcome));
  const durationPoints = [...durations.entries()]
    .map(([k, list]) => {
      const [bucket, type] = k.split('\n');
      const sorted = list.sort((a, b) => a - b);
      return { bucket, type, runs: list.length, p50Ms: percentile(sorted, 50)!, p95Ms: percentile(sorted, 95)! };
    })
    .sort((a, b) => a.bucket.localeCompare(b.bucket) || a.type.localeCompare(b.type));
  const types = [...byType.entries()]
    .map(([type, list]) => {
      const closed = list.filter((r) => r.durationMs !== undefined);
      const sorted = closed.map((r) => r.durationMs!).sort((a, b) => a - b);
      const by = (o: string) => list.filter((r) => outcomeOf(r.status) === o).length;
      return {
        type,
        runs: list.length,
        running: by('running'),
        completed: by('completed'),
        failed: by('failed') + by('timed_out') + by('terminated'),
        cancelled: by('cancelled'),
        p50Ms: percentile(sorted, 50),
        p95Ms: percentile(sorted, 95),
      };
    })
    .sort((a, b) => a.type.localeCompare(b.type));
  const totals = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<(typeof OUTCOMES)[number], number>;
  for (const run of runs) totals[outcomeOf(run.status)] += 1;
  return {
    ...rangeOut(range),
    runs: runs.length,
    truncated,
    runningNow: await runningNow(client, taskQueue),
    totals,
    points,
    durations: durationPoints,
    types,
  };
}

/** How many catalog runs are running now, whenever they started. */
export async function runningNow(client: Client, taskQueue?: string): Promise<number> {
  const res = await client.workflowService.countWorkflowExecutions({
    namespace: client.options.namespace,
    query: runQuery({ status: 'running', taskQueue }),
  });
  return Number(res.count ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Sessions

/** Sessions started per bucket by status, with their durations (to the end, or the last activity while open). */
export async function sessionSeries(pool: pg.Pool, range: Range) {
  const r = await pool.query<{
    b: Date | null;
    status: string | null;
    sessions: string;
    p50: number | null;
    p95: number | null;
    max: number | null;
  }>(
    `SELECT b, status, count(*) AS sessions,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95, max(ms) AS max
       FROM (SELECT ${BIN('created_at')} AS b, status,
                    extract(epoch FROM coalesce(ended_at, last_activity_at) - created_at) * 1000 AS ms
               FROM session WHERE created_at >= $2 AND created_at < $3) s
      GROUP BY GROUPING SETS ((b, status), (status), ())
      ORDER BY b NULLS FIRST, status NULLS FIRST`,
    [`${range.bucketMs / 1000} seconds`, range.from, range.to],
  );
  const shape = (row: (typeof r.rows)[number]) => ({
    sessions: num(row.sessions),
    p50Ms: msOf(row.p50),
    p95Ms: msOf(row.p95),
    maxMs: msOf(row.max),
  });
  const all = r.rows.find((row) => row.b === null && row.status === null);
  return {
    ...rangeOut(range),
    points: r.rows
      .filter((row) => row.b !== null)
      .map((row) => ({ bucket: iso(row.b!), status: row.status!, ...shape(row) })),
    statuses: r.rows
      .filter((row) => row.b === null && row.status !== null)
      .map((row) => ({ status: row.status!, ...shape(row) })),
    totals: all ? shape(all) : { sessions: 0, p50Ms: null, p95Ms: null, maxMs: null },
  };
}

// ---------------------------------------------------------------------------------------------
// Errors

const FAILED: ReadonlySet<RunStatus> = new Set(['failed', 'timed_out', 'terminated']);
/** Failed runs whose failure is read from Temporal (one close-event read each); older ones count as "failed". */
export const INSPECTED_FAILURES = 50;

/** The failure of a closed run: its type (the innermost ApplicationFailure's, or the status) and message. */
async function failureOf(client: Client, run: RunSummary): Promise<{ type: string; message: string }> {
  if (run.status === 'timed_out') return { type: 'TimedOut', message: 'The run timed out' };
  if (run.status === 'terminated') return { type: 'Terminated', message: 'The run was terminated' };
  try {
    await client.workflow.getHandle(run.workflowId, run.runId).result();
    return { type: 'failed', message: 'The run failed' };
  } catch (err) {
    let cause: unknown = err instanceof WorkflowFailedError ? err.cause : err;
    let type: string | undefined;
    let message = (cause as Error | undefined)?.message ?? String(err);
    // Innermost first: an ActivityFailure wraps the ApplicationFailure that says what went wrong.
    while (cause && typeof cause === 'object') {
      const c = cause as { type?: string; message?: string; cause?: unknown; name?: string };
      if (c.type) type = c.type;
      if (c.message) message = c.message;
      cause = c.cause;
    }
    return { type: type ?? 'failed', message };
  }
}

export interface RecentError {
  kind: 'run' | 'call';
  at: string;
  type: string;
  message: string;
  workflowId?: string;
  workflowType?: string;
  sessionId?: string;
  provider?: string;
  model?: string;
}

/**
 * Failed model calls by provider and error type (with the rate among that provider's calls), failed
 * runs by failure type, each per bucket, and the `recent` newest errors of both kinds.
 */
export async function errorSeries(
  pool: pg.Pool,
  client: Client,
  range: Range,
  opts: { max: number; recent: number; taskQueue?: string },
) {
  const interval = `${range.bucketMs / 1000} seconds`;
  const [calls, perProvider, recentCalls, { runs, truncated }] = await Promise.all([
    pool.query<{ b: Date; provider: string; error_type: string; failures: string }>(
      `SELECT ${BIN('created_at')} AS b, provider, coalesce(error_type, 'Error') AS error_type, count(*) AS failures
         FROM ai_call WHERE outcome = 'failure' AND created_at >= $2 AND created_at < $3
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      [interval, range.from, range.to],
    ),
    pool.query<{ provider: string; calls: string }>(
      `SELECT provider, count(*) AS calls FROM ai_call
        WHERE outcome <> 'skipped' AND created_at >= $1 AND created_at < $2 GROUP BY provider`,
      [range.from, range.to],
    ),
    pool.query<{
      created_at: Date;
      provider: string;
      model: string;
      error_type: string | null;
      error_message: string | null;
      session_id: string | null;
      workflow_id: string | null;
      workflow_type: string | null;
    }>(
      `SELECT created_at, provider, model, error_type, error_message, session_id, workflow_id, workflow_type
         FROM ai_call WHERE outcome = 'failure' AND created_at >= $1 AND created_at < $2
        ORDER BY created_at DESC, id DESC LIMIT $3`,
      [range.from, range.to, opts.recent],
    ),
    runsIn(client, range, opts.max, opts.taskQueue),
  ]);
  const callsOf = new Map(perProvider.rows.map((r) => [r.provider, num(r.calls)]));
  const callPoints = calls.rows.map((r) => ({
    bucket: iso(r.b),
    provider: r.provider,
    errorType: r.error_type,
    failures: num(r.failures),
  }));
  const callTypes = new Map<string, { provider: string; errorType: string; failures: number }>();
  for (const p of callPoints) {
    const k = `${p.provider}\n${p.errorType}`;
    const t = callTypes.get(k) ?? { provider: p.provider, errorType: p.errorType, failures: 0 };
    t.failures += p.failures;
    callTypes.set(k, t);
  }

  const failed = runs
    .filter((r) => FAILED.has(r.status))
    .sort((a, b) => (b.closeTime ?? b.startTime).localeCompare(a.closeTime ?? a.startTime));
  const inspected = await Promise.all(failed.slice(0, INSPECTED_FAILURES).map((r) => failureOf(client, r)));
  const failureType = (i: number) => inspected[i]?.type ?? 'failed';
  const runCounts = new Map<string, number>();
  const runTypes = new Map<string, number>();
  failed.forEach((run, i) => {
    const k = `${bucketOf(range, run.startTime)}\n${failureType(i)}`;
    runCounts.set(k, (runCounts.get(k) ?? 0) + 1);
    runTypes.set(failureType(i), (runTypes.get(failureType(i)) ?? 0) + 1);
  });
  const closed = runs.filter((r) => r.status !== 'running').length;

  const recent: RecentError[] = [
    ...recentCalls.rows.map((r): RecentError => ({
      kind: 'call',
      at: iso(r.created_at),
      type: r.error_type ?? 'Error',
      message: r.error_message ?? '',
      provider: r.provider,
      model: r.model,
      ...(r.session_id ? { sessionId: r.session_id } : {}),
      ...(r.workflow_id ? { workflowId: r.workflow_id } : {}),
      ...(r.workflow_type ? { workflowType: r.workflow_type } : {}),
    })),
    ...failed.slice(0, opts.recent).map((run, i): RecentError => ({
      kind: 'run',
      at: run.closeTime ?? run.startTime,
      type: failureType(i),
      message: inspected[i]?.message ?? `The run ${run.status.replace('_', ' ')}`,
      workflowId: run.workflowId,
      workflowType: run.type,
      ...(run.sessionId ? { sessionId: run.sessionId } : {}),
    })),
  ]
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, opts.recent);

  return {
    ...rangeOut(range),
    calls: {
      points: callPoints,
      types: [...callTypes.values()]
        .map((t) => ({ ...t, calls: callsOf.get(t.provider) ?? 0, rate: t.failures / (callsOf.get(t.provider) || 1) }))
        .sort((a, b) => b.failures - a.failures),
      total: [...callsOf.values()].reduce((a, b) => a + b, 0),
      failures: callPoints.reduce((a, p) => a + p.failures, 0),
    },
    runs: {
      points: [...runCounts.entries()]
        .map(([k, n]) => {
          const [bucket, failureType] = k.split('\n');
          return { bucket, failureType, runs: n };
        })
        .sort((a, b) => a.bucket.localeCompare(b.bucket) || a.failureType.localeCompare(b.failureType)),
      types: [...runTypes.entries()]
        .map(([failureType, n]) => ({ failureType, runs: n, rate: n / (closed || 1) }))
        .sort((a, b) => b.runs - a.runs),
      total: runs.length,
      closed,
      failed: failed.length,
      inspected: inspected.length,
      truncated,
    },
    recent,
  };
}

// ---------------------------------------------------------------------------------------------
// Performance monitor targets

interface PerfMeta {
  p50?: number | null;
  p95?: number | null;
  p99?: number | null;
  errorRate?: number;
  regressed?: boolean;
}

/**
 * Each perfMonitor target (memory namespace `performance/<name>/`): its baseline (the stored
 * `baseline` entry) and its runs stored in the range (`runs/<workflowId>`), oldest first.
 */
export async function perfTargets(pool: pg.Pool, memory: MemoryStore, range: Range) {
  const r = await pool.query<{
    namespace: string;
    key: string;
    metadata: PerfMeta;
    created_at: Date;
    updated_at: Date;
    workflow_id: string | null;
  }>(
    `SELECT namespace, key, metadata, created_at, updated_at, workflow_id FROM memory_entry
      WHERE namespace LIKE 'performance/%' AND (expires_at IS NULL OR expires_at > now())
        AND (key = 'baseline' OR (key LIKE 'runs/%' AND created_at >= $1 AND created_at < $2))
      ORDER BY namespace, created_at, key`,
    [range.from, range.to],
  );
  const names = [...new Set(r.rows.map((row) => row.namespace))];
  const targets = await Promise.all(
    names.map(async (ns) => {
      const rows = r.rows.filter((row) => row.namespace === ns);
      const base = rows.find((row) => row.key === 'baseline');
      // The baseline's p50 is in its value only (its metadata holds p95 and the error rate).
      const value = base
        ? ((await memory.get(ns, 'baseline'))?.value as { latencyMs?: { p50?: number } } | undefined)
        : undefined;
      const runs = rows
        .filter((row) => row.key.startsWith('runs/'))
        .map((row) => ({
          workflowId: row.key.slice('runs/'.length),
          at: iso(row.created_at),
          p50Ms: row.metadata.p50 ?? null,
          p95Ms: row.metadata.p95 ?? null,
          p99Ms: row.metadata.p99 ?? null,
          errorRate: row.metadata.errorRate ?? 0,
          regressed: row.metadata.regressed ?? false,
        }));
      return {
        name: ns.slice('performance/'.length, -1),
        baseline: base
          ? {
              workflowId: base.workflow_id,
              at: iso(base.updated_at),
              p50Ms: value?.latencyMs?.p50 ?? null,
              p95Ms: base.metadata.p95 ?? null,
              errorRate: base.metadata.errorRate ?? 0,
            }
          : null,
        runs,
        regressions: runs.filter((x) => x.regressed).length,
      };
    }),
  );
  return { from: iso(range.from), to: iso(range.to), targets: targets.filter((t) => t.runs.length > 0 || t.baseline) };
}
