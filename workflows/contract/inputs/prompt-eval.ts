// promptEval's input (an evaluation set across model configurations) and the evaluation-case schema
// that modelUpdate shares. Each default is written here, once.
import { z } from 'zod';
import { TASK_KINDS, route } from '../routes';

/** Flags a regex scorer may use after `/pattern/`. */
const REGEX_FLAGS = /^[imsu]*$/;

/** A regex scorer's `expected`: `/pattern/flags` or a bare pattern. Throws SyntaxError when invalid. */
export function compileExpected(expected: string): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(expected);
  if (m) {
    if (!REGEX_FLAGS.test(m[2])) throw new SyntaxError(`flags "${m[2]}" are not allowed; use any of i, m, s, u`);
    return new RegExp(m[1], m[2]);
  }
  return new RegExp(expected);
}

/** Task kinds a chat-style evaluation can exercise (embeddings are not answers). */
export const evalTask = z.enum(TASK_KINDS).exclude(['embed']);

export const evalCase = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'case id must be 1-100 letters, digits, ".", "_", ":" or "-"')
      .describe('Unique id of the case'),
    prompt: z.string().min(1, 'prompt is empty').max(100_000).describe('The user message'),
    system: z.string().max(50_000).optional().describe('System prompt'),
    expected: z
      .string()
      .min(1)
      .max(100_000)
      .optional()
      .describe(
        'exact: the answer; contains: text the answer must contain (case-insensitive); regex: /pattern/flags; judge: a reference answer',
      ),
    scorer: z
      .enum(['exact', 'contains', 'regex', 'judge'])
      .describe('exact (trimmed equality), contains, regex, or judge (LLM-as-judge on the criteria)'),
    criteria: z.string().min(1).max(10_000).optional().describe('judge: what a good answer must do'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.scorer !== 'judge' && c.expected === undefined) {
      ctx.addIssue({ code: 'custom', path: ['expected'], message: `the ${c.scorer} scorer needs "expected"` });
    }
    if (c.scorer === 'judge' && c.criteria === undefined && c.expected === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['criteria'],
        message: 'the judge scorer needs "criteria" (or a reference "expected")',
      });
    }
    if (c.scorer === 'regex' && c.expected !== undefined) {
      try {
        compileExpected(c.expected);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          path: ['expected'],
          message: `not a valid regular expression: ${(err as Error).message}`,
        });
      }
    }
  });

export const evalCases = z
  .array(evalCase)
  .min(1, 'give at least one case: [{"id":"q1","prompt":"...","expected":"...","scorer":"contains"}]')
  .max(100)
  .superRefine((cases, ctx) => {
    const seen = new Set<string>();
    cases.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `case id "${c.id}" is used twice` });
      seen.add(c.id);
    });
  })
  .describe('The evaluation set');

export const promptEvalInput = z
  .object({
    cases: evalCases,
    configurations: z
      .array(
        z
          .object({
            route: route.describe('Provider chain for this configuration, e.g. ["anthropic:claude-sonnet-5"]'),
            label: z.string().min(1).max(100).optional().describe('Name in the report; default: the route'),
          })
          .strict(),
      )
      .min(1, 'give at least one configuration: [{"route":["anthropic:claude-sonnet-5"]}]')
      .max(5, 'at most 5 configurations per evaluation')
      .describe('The model configurations to compare'),
    judge: z
      .object({ route: route.optional().describe('Judge chain; default: the configured "review" route') })
      .strict()
      .optional()
      .describe('Who grades judge-scored cases'),
    task: evalTask.default('chat').describe('Task kind the calls are recorded under'),
    maxTokens: z.number().int().min(1).max(64_000).default(1024).describe('Answer length limit'),
    temperature: z.number().min(0).max(2).default(0).describe('Sampling temperature of the answers'),
    concurrency: z.number().int().min(1).max(16).default(4).describe('Model calls in flight at once'),
  })
  .strict();

export type EvalCase = z.output<typeof evalCase>;
/** What a caller may send. */
export type PromptEvalInput = z.input<typeof promptEvalInput>;
/** The parsed input, defaults applied: what the workflow runs with. */
export type PromptEvalOptions = z.output<typeof promptEvalInput>;
