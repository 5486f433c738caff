// The catalog entry of modelUpdate: compare the routed model of a task kind with a candidate on an
// evaluation set, and propose the routing change behind an approval.
import { z } from 'zod';
import { evalCases, evalTask, route } from './prompt-eval';
import type { WorkflowTypeDef } from './types';

export const modelUpdateInput = z
  .object({
    task: evalTask.describe('The task kind whose route may change'),
    candidate: route.element.describe('The model to try, "provider:model", e.g. "openai:gpt-5-mini"'),
    cases: evalCases,
    judge: z
      .object({ route: route.optional().describe('Judge chain; default: the configured "review" route') })
      .strict()
      .optional()
      .describe('Who grades judge-scored cases'),
    approval: z
      .object({
        timeoutMs: z
          .number()
          .int()
          .min(1_000)
          .max(30 * 24 * 3600 * 1000)
          .default(7 * 24 * 3600 * 1000)
          .describe('How long to wait for a decision (default 7 days)'),
        defaultOutcome: z
          .enum(['approve', 'reject'])
          .default('reject')
          .describe('What applies when nobody decides in time'),
      })
      .strict()
      .default({ timeoutMs: 7 * 24 * 3600 * 1000, defaultOutcome: 'reject' })
      .describe('The human decision on the proposal'),
  })
  .strict();

export type ModelUpdateInput = z.input<typeof modelUpdateInput>;
export type ModelUpdateOptions = z.output<typeof modelUpdateInput>;

export const modelUpdateDef: WorkflowTypeDef = {
  type: 'modelUpdate',
  description:
    "Compares a task's routed model with a candidate on an evaluation set; proposes the change behind an approval",
  input: modelUpdateInput,
};
