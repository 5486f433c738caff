// aiTask's public input: one model call through the AI router.
import { z } from 'zod';
import { TASK_KINDS, route } from '../routes';

export const aiTaskInput = z
  .object({
    task: z.enum(TASK_KINDS).default('chat'),
    messages: z
      .array(z.object({ role: z.enum(['user', 'assistant']), content: z.string().min(1).max(200_000) }).strict())
      .min(1)
      .max(200),
    system: z.string().max(50_000).optional(),
    maxTokens: z.number().int().min(1).max(64_000).optional(),
    temperature: z.number().min(0).max(2).optional(),
    route: route.optional(),
    optional: z.boolean().optional(),
  })
  .strict();

export type AiTaskInput = z.input<typeof aiTaskInput>;
export type AiTaskOptions = z.output<typeof aiTaskInput>;
