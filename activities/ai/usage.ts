// Usage accounting: one row per attempt. A call's success is stored once (a partial unique index
// on call_key), so a retried activity, or a worker that died after the call, never counts twice.
import type { PrismaClient } from '../../lib/db';
import type { ModelResponse, ProviderName, TaskKind, Usage } from './types';

export interface CallIdentity {
  callKey: string;
  attempt: number;
  task: TaskKind;
  sessionId?: string;
  workflowId?: string;
  workflowType?: string;
}

export class UsageStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** The recorded answer of an earlier attempt of the same call, if one succeeded. */
  async priorSuccess(callKey: string): Promise<ModelResponse | undefined> {
    const row = await this.prisma.aiCall.findFirst({ where: { callKey, outcome: 'success' } });
    return (row?.response as ModelResponse | null) ?? undefined;
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

  private async insert(
    id: CallIdentity,
    provider: ProviderName,
    model: string,
    outcome: string,
    usage: Usage | undefined,
    costUsd: number | null,
    latencyMs: number,
    extra: { response?: object; errorType?: string; errorMessage?: string },
  ): Promise<void> {
    // skipDuplicates = ON CONFLICT DO NOTHING: the attempt (or the call's success) is already there.
    await this.prisma.aiCall.createMany({
      skipDuplicates: true,
      data: [
        {
          callKey: id.callKey,
          attempt: id.attempt,
          task: id.task,
          provider,
          model,
          outcome,
          inputTokens: usage?.inputTokens ?? 0,
          outputTokens: usage?.outputTokens ?? 0,
          cacheReadTokens: usage?.cacheReadTokens ?? 0,
          cacheWriteTokens: usage?.cacheWriteTokens ?? 0,
          costUsd,
          latencyMs: Math.round(latencyMs),
          sessionId: id.sessionId,
          workflowId: id.workflowId,
          workflowType: id.workflowType,
          ...extra,
        },
      ],
    });
  }
}
