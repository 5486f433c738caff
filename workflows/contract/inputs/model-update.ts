// modelUpdate's input: a task kind, a candidate model, an evaluation set, the judge and the approval.
// Each default is written here, once.
import { z } from 'zod';
import { route, routeEntry } from '../routes';
import { evalCases, evalTask } from './prompt-eval';

export const modelUpdateInput = z
  .object({
    task: evalTask.describe('The task kind whose route may change'),
    candidate: routeEntry.describe('The model to try, "provider:model", e.g. "openai:gpt-5-mini"'),
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
      // Absent: `{}` parsed, so the two defaults above apply (they are written only there).
      .prefault({})
      .describe('The human decision on the proposal'),
  })
  .strict();

/** What a caller may send. */
export type ModelUpdateInput = z.input<typeof modelUpdateInput>;
/** The parsed input, defaults applied: what the workflow runs with. */
export type ModelUpdateOptions = z.output<typeof modelUpdateInput>;
