// The model-call activities: `callModel` (routing, fallback by attempt, streaming, usage) and
// `embed`. This is the one way the project talks to a model.
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ProviderName } from '../../lib/config';
import type { ActivityDeps } from '../deps';
import { AI_ERROR, toAiFailure } from './errors';
import { costOf } from './pricing';
import { createAnthropicProvider } from './providers/anthropic';
import { createAuggieProvider } from './providers/auggie';
import { embedTexts, openAiClient } from '../../lib/ai/openai';
import { createOpenAiProvider } from './providers/openai';
import { notConfiguredMessage, resolveChain, routeForAttempt } from '../../lib/ai/router';
import { traceModelCall } from '../../lib/tracing';
import { DeltaPublisher } from './stream';
import type { ModelRequest, ModelResponse, ModelResult, Provider } from './types';
import { UsageStore, type CallIdentity, type UsageStatement } from './usage';

/** How often a model call says it is alive (see the turn's heartbeat timeout in workflows/session). */
const HEARTBEAT_MS = 1_000;

/** gen_ai.provider.name of each provider (OpenTelemetry GenAI conventions; Auggie is Augment's). */
const GENAI_PROVIDER: Record<ProviderName, string> = { anthropic: 'anthropic', openai: 'openai', auggie: 'augment' };

export interface EmbedResult {
  outcome: 'ok' | 'skipped';
  vectors: number[][];
  model: string;
  reason?: string;
}

/** For a caller calling callModel directly inside its own activity (never sent by workflows). */
export interface LocalCallOptions {
  /**
   * Receives the statement recording the call's success instead of callModel running it: the
   * caller runs it in the same transaction as its own writes of the answer, so they commit (or
   * not) together. A retry then finds the answer (priorSuccess) exactly when the caller's writes
   * committed.
   */
  deferUsage?: (statement: UsageStatement) => void;
}

/** The live channel a call streams to: its session's, else its workflow's. */
export function liveChannelFor(sessionId: string | undefined, workflowId: string): string {
  return sessionId ? `session:${sessionId}` : `workflow:${workflowId}`;
}

export function createAiActivities(deps: ActivityDeps) {
  const { config, pool, prisma } = deps;
  const usage = new UsageStore(prisma, pool);
  const providers = new Map<ProviderName, Provider>();
  const provider = (name: ProviderName): Provider => {
    let p = providers.get(name);
    if (!p) {
      if (name === 'anthropic') p = createAnthropicProvider(config.ai.anthropic, config.ai.timeoutMs);
      else if (name === 'openai') p = createOpenAiProvider(config.ai.openai, config.ai.timeoutMs);
      else
        p = createAuggieProvider(
          config.ai.auggie,
          config.ai.timeoutMs,
          config.workspaceDir,
          path.join(config.dataDir, 'auggie'),
        );
      providers.set(name, p);
    }
    return p;
  };

  function identity(request: ModelRequest): CallIdentity {
    const info = Context.current().info;
    const wf = info.workflowExecution;
    return {
      callKey: `${wf?.workflowId ?? 'activity'}/${wf?.runId ?? info.activityId}/${info.activityId}`,
      attempt: info.attempt,
      task: request.task,
      sessionId: request.sessionId,
      workflowId: wf?.workflowId,
      workflowType: info.workflowType,
    };
  }

  return {
    /**
     * Calls the model for `request.task`. Attempt N uses the Nth entry of the task's chain; errors
     * are classified once (toAiFailure) so Temporal retries, falls back, or fails fast.
     */
    async callModel(request: ModelRequest, local?: LocalCallOptions): Promise<ModelResult> {
      const ctx = Context.current();
      const id = identity(request);
      const chain = resolveChain(config.ai, request.task, request.route);
      if (chain.length === 0) {
        const reason = notConfiguredMessage(request.task);
        if (request.optional) {
          await usage.skipped(id, reason);
          return { outcome: 'skipped', reason };
        }
        throw ApplicationFailure.create({ type: AI_ERROR.notConfigured, nonRetryable: true, message: reason });
      }
      // Only a retry can find an earlier attempt's answer (its worker died before reporting it).
      const prior = id.attempt > 1 ? await usage.priorSuccess(id.callKey) : undefined;
      if (prior) return prior;

      const route = routeForAttempt(chain, id.attempt);
      const live = request.stream
        ? new DeltaPublisher(pool, liveChannelFor(request.sessionId, id.workflowId ?? id.callKey), {
            callKey: id.callKey,
            attempt: id.attempt,
            provider: route.provider,
            model: route.model,
          })
        : undefined;
      live?.start();
      const beat = setInterval(() => ctx.heartbeat({ provider: route.provider }), HEARTBEAT_MS);
      const t0 = performance.now();
      try {
        const reply = await traceModelCall(
          {
            provider: GENAI_PROVIDER[route.provider],
            model: route.model,
            maxTokens: request.maxTokens ?? 1024,
            temperature: request.temperature,
            system: request.system,
            messages: request.messages,
            task: request.task,
            attempt: id.attempt,
          },
          () =>
            provider(route.provider).call({
              model: route.model,
              request,
              signal: ctx.cancellationSignal,
              onDelta: live
                ? (text) => {
                    ctx.heartbeat({ provider: route.provider });
                    live.push(text);
                  }
                : undefined,
            }),
        );
        const result: ModelResponse = {
          outcome: 'ok',
          ...reply,
          provider: route.provider,
          latencyMs: Math.round(performance.now() - t0),
          costUsd: costOf(config.ai.pricing, route.provider, reply.model, reply.usage),
          attempt: id.attempt,
        };
        if (local?.deferUsage) local.deferUsage(usage.successStatement(id, result));
        else await usage.success(id, result);
        // Live events are a view, not the record: the reply does not wait for the last of them.
        void live?.end('ai.completed', { usage: result.usage, costUsd: result.costUsd, length: result.text.length });
        return result;
      } catch (err) {
        const failure = toAiFailure(route.provider, route.model, err);
        await usage.failure(
          id,
          route.provider,
          route.model,
          performance.now() - t0,
          failure.type ?? 'Error',
          failure.message,
        );
        await live?.end('ai.failed', { error: failure.message, retryable: !failure.nonRetryable });
        throw failure;
      } finally {
        clearInterval(beat);
      }
    },

    /** Embeddings for memory search, from the `embed` chain (OpenAI-compatible endpoints only). */
    async embed(input: { texts: string[]; optional?: boolean }): Promise<EmbedResult> {
      const chain = resolveChain(config.ai, 'embed').filter((r) => r.provider === 'openai');
      if (chain.length === 0) {
        const reason =
          'No embedding provider is configured: set OPENAI_API_KEY or OPENAI_BASE_URL (an OpenAI-compatible /embeddings endpoint)';
        if (input.optional) return { outcome: 'skipped', vectors: [], model: '', reason };
        throw ApplicationFailure.create({ type: AI_ERROR.notConfigured, nonRetryable: true, message: reason });
      }
      const route = routeForAttempt(chain, Context.current().info.attempt);
      try {
        const client = openAiClient(config.ai.openai, config.ai.timeoutMs);
        const res = await embedTexts(client, route.model, input.texts, Context.current().cancellationSignal);
        return { outcome: 'ok', vectors: res.vectors, model: res.model };
      } catch (err) {
        throw toAiFailure('openai', route.model, err);
      }
    },
  };
}

export type AiActivities = ReturnType<typeof createAiActivities>;
