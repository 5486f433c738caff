// Development workflow runs as the API and CLI see them: start (validated against the catalog of
// types), list and describe (from Temporal's visibility store — Temporal is the source of truth, so
// there is no second table to drift), and run analytics.
import { createHash, randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { z } from 'zod';
import type { Config } from './config';
import { progressQuery } from '../workflows/contract/runs';
import type { WorkflowProgress } from '../workflows/contract/runs';
import { CfSessionId } from '../workflows/contract/search-attributes';
import { ProblemError, badRequest, notFound } from './errors';
import { WORKFLOW_TYPES, workflowType, type WorkflowTypeDef } from './workflow-types';

export const RUN_STATUSES = [
  'running',
  'completed',
  'failed',
  'cancelled',
  'terminated',
  'timed_out',
  'continued_as_new',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunSummary {
  workflowId: string;
  runId: string;
  type: string;
  status: RunStatus;
  startTime: string;
  closeTime?: string;
  durationMs?: number;
  sessionId?: string;
  parentWorkflowId?: string;
}

export interface RunDetail extends RunSummary {
  /** The input it was started with (GET /workflows/{id}: for "run again"). */
  input?: unknown;
  progress?: WorkflowProgress;
  result?: unknown;
  failure?: { message: string; type?: string };
}

/** The catalog entry for `type`, or a 400 naming the types there are. */
export function requireType(type: string): WorkflowTypeDef {
  const def = workflowType(type);
  if (!def) {
    throw badRequest(`Unknown workflow type "${type}": one of ${WORKFLOW_TYPES.map((d) => d.type).join(', ')}`);
  }
  return def;
}

/**
 * The input parsed by the type's schema (defaults applied), or a 400 naming each bad field; then the
 * type's own check against what this host can see (e.g. a custom workflow's file), also a 400.
 */
export function validateInput(def: WorkflowTypeDef, input: unknown, config: Config): unknown {
  const r = (def.input as z.ZodType).safeParse(input);
  if (r.success) {
    try {
      def.check?.(r.data, { config, workflowTypes: WORKFLOW_TYPES.map((d) => d.type) });
    } catch (err) {
      throw badRequest(`Invalid input for ${def.type}: ${(err as Error).message}`, {
        errors: checkErrors(err),
      });
    }
    return r.data;
  }
  const problems = r.error.issues.map((i) => `${i.path.length ? `input.${i.path.join('.')}` : 'input'}: ${i.message}`);
  throw badRequest(`Invalid input for ${def.type}: ${problems.join('; ')}`, {
    errors: r.error.issues.map((i) => ({ path: ['input', ...i.path].join('.'), message: i.message })),
  });
}

/**
 * The fields a type's own check names (`inputs.<name>: …` problems of a custom workflow), as the
 * machine-readable `errors` of the 400; anything else is about the input as a whole.
 */
function checkErrors(err: unknown): { path: string; message: string }[] {
  const problems = (err as { problems?: unknown }).problems;
  const lines = Array.isArray(problems) ? problems.map(String) : [(err as Error).message];
  return lines.map((line) => {
    const m = /^(inputs\.[A-Za-z_][A-Za-z0-9_]*): (.*)$/s.exec(line);
    return m ? { path: `input.${m[1]}`, message: m[2] } : { path: 'input', message: line };
  });
}

/** An id a caller may choose for a run. */
export const chosenWorkflowId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'letters, digits and . _ : - (1-200 characters)');

/**
 * Starts a run of a catalog type on the configured task queue; 409 when the id is taken. A chosen
 * `workflowId` must already have passed {@link chosenWorkflowId} (the route's body schema).
 */
export async function startRun(
  client: Client,
  config: Config,
  opts: { type: string; input?: unknown; workflowId?: string },
): Promise<{ workflowId: string; runId: string; type: string }> {
  const def = requireType(opts.type);
  const input = validateInput(def, opts.input, config);
  const workflowId = opts.workflowId ?? `${def.type}-${randomUUID()}`;
  try {
    const handle = await client.workflow.start(def.type, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: input === undefined ? [] : [input],
      // A chosen id is an idempotency key: a retried start never runs the work twice.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return { workflowId, runId: handle.firstExecutionRunId, type: def.type };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new ProblemError(409, 'Conflict', `A workflow with id ${workflowId} is already running or was run`);
    }
    throw err;
  }
}

export function runStatus(info: Pick<WorkflowExecutionInfo, 'status'>): RunStatus {
  const name = info.status.name.toLowerCase();
  return (RUN_STATUSES as readonly string[]).includes(name) ? (name as RunStatus) : 'failed';
}

export function summaryOf(info: Omit<WorkflowExecutionInfo, 'raw'>): RunSummary {
  const sessionId = info.typedSearchAttributes.get(CfSessionId);
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type: info.type,
    status: runStatus(info),
    startTime: info.startTime.toISOString(),
    ...(info.closeTime
      ? { closeTime: info.closeTime.toISOString(), durationMs: info.closeTime.getTime() - info.startTime.getTime() }
      : {}),
    ...(sessionId ? { sessionId } : {}),
    ...(info.parentExecution?.workflowId ? { parentWorkflowId: info.parentExecution.workflowId } : {}),
  };
}

/** A string literal of Temporal's visibility query language. */
export const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const STATUS_NAMES: Record<RunStatus, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
  continued_as_new: 'ContinuedAsNew',
};

export interface RunFilter {
  /**
   * This deployment's task queue (config.temporal.taskQueue): a namespace may hold other
   * deployments' runs (another team's, staging beside dev), which are not this one's to list.
   */
  taskQueue?: string;
  type?: string;
  status?: RunStatus;
  sessionId?: string;
  since?: Date;
  until?: Date;
}

/** A visibility query over catalog types only (sessions and internal workflows are not runs). */
export function runQuery(f: RunFilter): string {
  const types = f.type ? [f.type] : WORKFLOW_TYPES.map((d) => d.type);
  const parts = [`WorkflowType IN (${types.map(quote).join(', ')})`];
  if (f.taskQueue) parts.push(`TaskQueue = ${quote(f.taskQueue)}`);
  if (f.status) parts.push(`ExecutionStatus = ${quote(STATUS_NAMES[f.status])}`);
  if (f.sessionId) parts.push(`CfSessionId = ${quote(f.sessionId)}`);
  if (f.since) parts.push(`StartTime >= ${quote(f.since.toISOString())}`);
  if (f.until) parts.push(`StartTime < ${quote(f.until.toISOString())}`);
  return parts.join(' AND ');
}

// Page tokens are Temporal's, with a checksum: a token this API did not hand out is a 400 at once,
// never sent to the server (which can take its time to refuse garbage).
const tokenSum = (t: Buffer) =>
  createHash('sha256').update('cf-runs:').update(t).digest().subarray(0, 9).toString('base64url');
function sealPageToken(t: Buffer): string {
  return `${t.toString('base64url')}.${tokenSum(t)}`;
}
function openPageToken(text: string): Buffer {
  const [body, sum] = text.split('.');
  const t = Buffer.from(body ?? '', 'base64url');
  if (!body || !sum || t.length === 0 || tokenSum(t) !== sum) {
    throw badRequest('pageToken: not a token this API returned (use nextPageToken from the previous page)');
  }
  return t;
}

/** One page of runs, newest first, with an opaque token for the next page. */
export async function listRuns(
  client: Client,
  filter: RunFilter,
  page: { limit: number; pageToken?: string },
): Promise<{ runs: RunSummary[]; nextPageToken?: string }> {
  const token = page.pageToken ? openPageToken(page.pageToken) : undefined;
  const res = await client.workflowService
    .listWorkflowExecutions({
      namespace: client.options.namespace,
      query: runQuery(filter),
      pageSize: page.limit,
      nextPageToken: token,
    })
    .catch((err: unknown) => {
      if (page.pageToken) throw badRequest(`pageToken: expired or invalid (${(err as Error).message})`);
      throw err;
    });
  const runs = await Promise.all(
    (res.executions ?? []).map(async (raw) =>
      summaryOf(
        (await executionInfoFromRaw(
          raw,
          client.options.loadedDataConverter,
          raw,
          client.options.namespace,
        )) as WorkflowExecutionInfo,
      ),
    ),
  );
  const next = res.nextPageToken?.length ? sealPageToken(Buffer.from(res.nextPageToken)) : undefined;
  return { runs, ...(next ? { nextPageToken: next } : {}) };
}

/** The input a run was started with (the first event of its history), decoded; undefined when it took none. */
export async function runInput(client: Client, workflowId: string): Promise<unknown> {
  const res = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId },
    maximumPageSize: 1,
  });
  const payloads = res.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  if (!payloads?.length) return undefined;
  return (await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads))[0];
}

/** A run with its progress (query) and, once closed, its result or failure; 404 when unknown. */
/** How long describing a run waits for a worker to answer its progress query. */
export const PROGRESS_QUERY_DEADLINE_MS = 3_000;

export async function describeRun(client: Client, workflowId: string): Promise<RunDetail> {
  const handle = client.workflow.getHandle(workflowId);
  let info: Omit<WorkflowExecutionInfo, 'raw'>;
  try {
    info = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(`No workflow run ${workflowId}`);
    throw err;
  }
  const detail: RunDetail = summaryOf(info);
  // Workflows without a progress query, or with no worker answering it within the deadline (a query
  // waits for a worker, however long: a run whose task queue nobody polls would hold the request),
  // just have no progress.
  detail.progress = await client.connection
    .withDeadline(Date.now() + PROGRESS_QUERY_DEADLINE_MS, () => handle.query(progressQuery))
    .catch(() => undefined);
  if (detail.status === 'completed') {
    detail.result = await handle.result().catch(() => undefined);
  } else if (detail.status !== 'running') {
    await handle.result().catch((err: unknown) => {
      const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
      const inner = (cause as { cause?: { message?: string; type?: string } } | undefined)?.cause;
      detail.failure = {
        message: inner?.message ?? cause?.message ?? (err as Error).message,
        ...((cause as { type?: string } | undefined)?.type ? { type: (cause as { type?: string }).type } : {}),
      };
    });
  }
  return detail;
}

export interface TypeAnalytics {
  type: string;
  count: number;
  running: number;
  completed: number;
  failed: number;
  /** Completed / closed runs (null with none closed). */
  successRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Counts, success rate and duration percentiles by type over runs started since `since` (at most `max` runs). */
export async function runAnalytics(
  client: Client,
  opts: { since: Date; max: number; taskQueue?: string },
): Promise<{ since: string; runs: number; truncated: boolean; types: TypeAnalytics[] }> {
  const byType = new Map<string, RunSummary[]>();
  let seen = 0;
  let truncated = false;
  let pageToken: string | undefined;
  do {
    const page = await listRuns(
      client,
      { since: opts.since, taskQueue: opts.taskQueue },
      { limit: Math.min(1000, opts.max - seen), pageToken },
    );
    for (const run of page.runs) {
      const list = byType.get(run.type) ?? [];
      list.push(run);
      byType.set(run.type, list);
    }
    seen += page.runs.length;
    pageToken = page.nextPageToken;
    if (seen >= opts.max && pageToken) truncated = true;
  } while (pageToken && seen < opts.max);
  const types = [...byType.entries()]
    .map(([type, runs]): TypeAnalytics => {
      const closed = runs.filter((r) => r.status !== 'running' && r.status !== 'continued_as_new');
      const completed = closed.filter((r) => r.status === 'completed').length;
      const durations = closed.map((r) => r.durationMs ?? 0).sort((a, b) => a - b);
      return {
        type,
        count: runs.length,
        running: runs.filter((r) => r.status === 'running').length,
        completed,
        failed: closed.length - completed,
        successRate: closed.length ? completed / closed.length : null,
        p50Ms: percentile(durations, 50),
        p95Ms: percentile(durations, 95),
        p99Ms: percentile(durations, 99),
      };
    })
    .sort((a, b) => a.type.localeCompare(b.type));
  return { since: opts.since.toISOString(), runs: seen, truncated, types };
}
