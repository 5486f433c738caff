// The activities of promptEval and modelUpdate: input validation, scoring, the report (and its
// analytics event), the current route of a task kind, and the routing decision record in memory.
import { publish } from '../../../lib/live';
import { SETTINGS, type TaskKind } from '../../../lib/config';
import { type ModelUpdateOptions, modelUpdateInput } from '../../../workflows/contract/inputs/model-update';
import { parseInput } from '../../../workflows/contract/inputs/parse';
import { type PromptEvalOptions, promptEvalInput } from '../../../workflows/contract/inputs/prompt-eval';
import { configuredProviders, DEFAULT_CHAINS, parseRoute, resolveChain } from '../../../lib/ai/router';
import type { ActivityDeps } from '../../deps';
import { evalReport, scoreItem } from './report';
import type { CaseResult, PromptEvalResult, Score, ScoreItem } from './types';

export type * from './types';

export const ROUTING_NAMESPACE = 'decisions/routing/';

/** What to change so that `task` routes to the proposed chain; routes come from configuration. */
export interface RoutingChange {
  task: TaskKind;
  route: string[];
  /** The environment variable and its complete new value (it holds every task's chain). */
  env: { name: string; value: string };
  /** Or the settings file and the key inside it. */
  settings: { file: string; key: string; value: string[] };
  /** One line saying the same. */
  instruction: string;
}

export interface CurrentRoute {
  task: TaskKind;
  /** Where the chain comes from: an explicit `ai.routes` entry, or the built-in default. */
  source: 'ai.routes' | 'default';
  /** The chain as configured ("provider" or "provider:model" entries). */
  configured: string[];
  /** The configured providers of the chain as "provider:model", in order: what answers today. */
  route: string[];
  /** The candidate as "provider:model". */
  candidate: string;
  candidateConfigured: boolean;
  /** The change that would put the candidate first (the rest of the chain stays as fallback). */
  change: RoutingChange;
}

export function createEvalActivities({ config, memory, pool }: ActivityDeps) {
  return {
    /** Kept for runs that parsed their input here before the workflows parsed it themselves (patch input-parsed-in-workflow). */
    async parsePromptEvalInput(input: unknown): Promise<PromptEvalOptions> {
      return parseInput('promptEval', promptEvalInput, input);
    },

    /** Kept for runs that parsed their input here before the workflows parsed it themselves (patch input-parsed-in-workflow). */
    async parseModelUpdateInput(input: unknown): Promise<ModelUpdateOptions> {
      return parseInput('modelUpdate', modelUpdateInput, input);
    },

    /** Scores a batch of answers (judge verdicts parsed here too). */
    async promptEvalScore(items: ScoreItem[]): Promise<Score[]> {
      return items.map(scoreItem);
    },

    /** The per-configuration report; publishes one `eval` event on `analytics` per workflow. */
    async promptEvalReport(input: {
      workflowId: string;
      configurations: { label: string; route: string[] }[];
      results: CaseResult[];
      judge?: { route?: string[]; skipped?: string };
    }): Promise<PromptEvalResult> {
      const report = evalReport(input);
      const already = await pool.query(
        `SELECT 1 FROM live_event WHERE channel = 'analytics' AND type = 'eval' AND data->>'workflowId' = $1 LIMIT 1`,
        [input.workflowId],
      );
      if (already.rowCount === 0) {
        await publish(pool, 'analytics', 'eval', {
          workflowId: input.workflowId,
          outcome: report.outcome,
          best: report.best ?? null,
          configurations: report.configurations.map((c) => ({
            label: c.label,
            outcome: c.outcome,
            passRate: c.passRate,
            meanScore: c.meanScore,
            p50: c.latencyMs?.p50 ?? null,
            p95: c.latencyMs?.p95 ?? null,
            tokens: c.tokens.total,
            costUsd: c.costUsd,
          })),
        });
      }
      return report;
    },

    /** The chain `task` routes to today, and the change that would put `candidate` first. */
    async modelCurrentRoute(input: { task: TaskKind; candidate: string }): Promise<CurrentRoute> {
      const { task } = input;
      const explicit = config.ai.routes[task];
      const configured = explicit ?? [...DEFAULT_CHAINS[task]];
      const norm = (e: string) => {
        const r = parseRoute(config.ai, e, task);
        return `${r.provider}:${r.model}`;
      };
      const candidate = norm(input.candidate);
      const proposed = [candidate, ...configured.filter((e) => norm(e) !== candidate)];
      const routes = { ...config.ai.routes, [task]: proposed };
      const spec = SETTINGS.aiRoutes;
      return {
        task,
        source: explicit ? 'ai.routes' : 'default',
        configured,
        route: resolveChain(config.ai, task).map((r) => `${r.provider}:${r.model}`),
        candidate,
        candidateConfigured: configuredProviders(config.ai).has(parseRoute(config.ai, candidate, task).provider),
        change: {
          task,
          route: proposed,
          env: { name: spec.env, value: JSON.stringify(routes) },
          settings: { file: '.claude-flow/settings.json', key: `${spec.file}.${task}`, value: proposed },
          instruction:
            `Set ${spec.env}='${JSON.stringify(routes)}' (or "${spec.file}.${task}": ${JSON.stringify(proposed)} ` +
            `in .claude-flow/settings.json) and restart the worker.`,
        },
      };
    },

    /** Writes the decision to `decisions/routing/<task>`; a retry of the same workflow writes nothing twice. */
    async modelRecordDecision(input: {
      workflowId: string;
      task: TaskKind;
      record: Record<string, unknown>;
      tags: string[];
    }): Promise<{ namespace: string; key: string; version: number }> {
      const existing = await memory.get(ROUTING_NAMESPACE, input.task);
      if (existing && existing.provenance.workflowId === input.workflowId) {
        return { namespace: ROUTING_NAMESPACE, key: input.task, version: existing.version };
      }
      const info = await memory.set({
        namespace: ROUTING_NAMESPACE,
        key: input.task,
        value: input.record,
        valueType: 'json',
        tags: ['routing', ...input.tags],
        metadata: { workflowId: input.workflowId },
        provenance: { workflowId: input.workflowId },
      });
      return { namespace: ROUTING_NAMESPACE, key: input.task, version: info.version };
    },
  };
}
