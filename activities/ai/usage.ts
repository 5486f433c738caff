// Usage accounting: one row per attempt. A call's success is stored once (a partial unique index
// on call_key), so a retried activity, or a worker that died after the call, never counts twice.
import type pg from 'pg';
import type { PrismaClient } from '../../lib/db';
import { NOTIFY_CHANNEL } from '../../lib/live';
import type { ModelResponse, ProviderName, TaskKind, Usage } from './types';

export interface CallIdentity {
  callKey: string;
  attempt: number;
  task: TaskKind;
  sessionId?: string;
  workflowId?: string;
  workflowType?: string;
}

/** A parameterised statement a caller runs itself. */
export interface UsageStatement {
  text: string;
  values: unknown[];
}

// The row, and, when it was written (not a repeat), a `usage` event on the `analytics` live channel
// in the same statement (so in the caller's transaction, if any): the dashboard refreshes its charts.
const INSERT = `WITH c AS (
    INSERT INTO ai_call (call_key, attempt, task, provider, model, outcome, input_tokens, output_tokens,
      cache_read_tokens, cache_write_tokens, cost_usd, latency_ms, session_id, workflow_id, workflow_type,
      response, error_type, error_message)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb, $17, $18)
    ON CONFLICT DO NOTHING
    RETURNING provider, model, outcome, session_id, workflow_id
  ), e AS (
    INSERT INTO live_event (channel, type, data)
    SELECT 'analytics', 'usage', jsonb_strip_nulls(jsonb_build_object('provider', provider, 'model', model,
             'outcome', outcome, 'sessionId', session_id, 'workflowId', workflow_id))
      FROM c WHERE outcome <> 'skipped'
    RETURNING id, channel, type, data, created_at
  )
  SELECT pg_notify('${NOTIFY_CHANNEL}', json_build_object('id', id::text, 'channel', channel, 'type', type,
           'data', data, 'at', created_at)::text) FROM e`;

type UsageExtra = { response?: object; errorType?: string; errorMessage?: string };

export class UsageStore {
  /** Rows are written with one plain statement through `pool` (this is on every model call's path). */
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pool: Pick<pg.Pool, 'query'>,
  ) {}

  /** The recorded answer of an earlier attempt of the same call, if one succeeded. */
  async priorSuccess(callKey: string): Promise<ModelResponse | undefined> {
    const row = await this.prisma.aiCall.findFirst({ where: { callKey, outcome: 'success' } });
    return (row?.response as ModelResponse | null) ?? undefined;
  }

  /**
   * The statement that records a success, for a caller that writes it in its own transaction
   * (together with what it does with the answer): see callModel's `deferUsage`.
   */
  successStatement(id: CallIdentity, r: ModelResponse): UsageStatement {
    return {
      text: INSERT,
      values: this.values(id, r.provider, r.model, 'success', r.usage, r.costUsd, r.latencyMs, {
        response: JSON.parse(JSON.stringify(r)) as object,
      }),
    };
  }

  async success(id: CallIdentity, r: ModelResponse): Promise<void> {
    await this.insert(id, r.provider, r.model, 'success', r.usage, r.costUsd, r.latencyMs, {
      response: JSON.parse(JSON.stringify(r)) as object,
    });
  }

  async failure(
    id: CallIdentity,
    provider: ProviderName,
    model: string,
    latencyMs: number,
    errorType: string,
    message: string,
  ): Promise<void> {
    await this.insert(id, provider, model, 'failure', undefined, null, latencyMs, { errorType, errorMessage: message });
  }

  async skipped(id: CallIdentity, reason: string): Promise<void> {
    await this.insert(id, 'none' as ProviderName, 'none', 'skipped', undefined, null, 0, { errorMessage: reason });
  }

  private async insert(...row: Parameters<UsageStore['values']>): Promise<void> {
    // ON CONFLICT DO NOTHING: the attempt (or the call's success) is already there.
    await this.pool.query(INSERT, this.values(...row));
  }

  private values(
    id: CallIdentity,
    provider: ProviderName,
    model: string,
    outcome: string,
    usage: Usage | undefined,
    costUsd: number | null,
    latencyMs: number,
    extra: UsageExtra,
  ): unknown[] {
    return [
      id.callKey,
      id.attempt,
      id.task,
      provider,
      model,
      outcome,
      usage?.inputTokens ?? 0,
      usage?.outputTokens ?? 0,
      usage?.cacheReadTokens ?? 0,
      usage?.cacheWriteTokens ?? 0,
      costUsd,
      Math.round(latencyMs),
      id.sessionId ?? null,
      id.workflowId ?? null,
      id.workflowType ?? null,
      extra.response === undefined ? null : JSON.stringify(extra.response),
      extra.errorType ?? null,
      extra.errorMessage ?? null,
    ];
  }
}
