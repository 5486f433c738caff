// The catalog entries of the building-block workflows: systemCheck and aiTask.
import { z } from 'zod';
import { TASK_KINDS } from '../config';
import type { WorkflowTypeDef } from './types';

export const systemCheckDef: WorkflowTypeDef = {
  type: 'systemCheck',
  description: 'Proves worker, Temporal and PostgreSQL work together (writes one row)',
  input: z.undefined().or(z.object({}).strict()),
};

export const aiTaskDef: WorkflowTypeDef = {
  type: 'aiTask',
  description: 'One model call through the AI router (retries and provider fallback)',
  input: z
    .object({
      task: z.enum(TASK_KINDS).default('chat'),
      messages: z
        .array(z.object({ role: z.enum(['user', 'assistant']), content: z.string().min(1).max(200_000) }).strict())
        .min(1)
        .max(200),
      system: z.string().max(50_000).optional(),
      maxTokens: z.number().int().min(1).max(64_000).optional(),
      temperature: z.number().min(0).max(2).optional(),
      route: z
        .array(z.string().regex(/^(anthropic|openai|auggie)(:.+)?$/))
        .min(1)
        .max(5)
        .optional(),
      optional: z.boolean().optional(),
    })
    .strict(),
};
