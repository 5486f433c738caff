// The schema of one custom workflow definition: the zod schema of each step kind's body (the step
// envelope and nesting are walked by validate.ts so every error can name its exact field).
import { z } from 'zod';
import { MAX_LOOP_ITERATIONS } from './custom-types';
import { parseDuration as parseContractDuration } from './duration';
import { route, TASK_KINDS } from './routes';

/**
 * A duration as custom workflow files write it: the contract's grammar (`500ms`, `30s`, `5m`,
 * `1.5h`, `2 days`, …; see workflows/contract/duration.ts) or a whole number of milliseconds.
 */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  const ms = parseContractDuration(v);
  return ms === undefined ? undefined : Math.round(ms);
}

/** A duration field: `30s`, `5m`, `1h`, `2 hours` or milliseconds, between min and max. */
export const duration = (min: number, max: number, example: string) =>
  z
    .unknown()
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `"${String(v)}" is not a duration; write e.g. ${example} (ms, s, m, h, d)`,
        });
        return z.NEVER;
      }
      if (ms < min || ms > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min} ms and ${max / 60_000} minutes` });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ format: 'duration', examples: [example] });

const text = (what: string) => z.string({ error: `expected text: ${what}` }).min(1, `must not be empty: ${what}`);
const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: 'expected text, a number or true/false',
});
/** Text, or an expression giving the value. */
const TEMPLATE = /\$\{\{/;

export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export { NAME_PATTERN } from './inputs/custom';

export const shellSchema = z
  .object({
    command: z
      .string({ error: 'expected the program to run, e.g. git' })
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._+-]*$/,
        'a program name without a path or arguments, e.g. git; put arguments in args',
      )
      .describe('A program on the shell allowlist (CLAUDE_FLOW_SHELL_ALLOWLIST), without a path, e.g. git'),
    args: z.array(scalar).max(200).default([]).describe('Its arguments, one per item (argv form, never a shell)'),
    cwd: z.string().min(1).optional().describe('Working directory, relative to the workspace (stays inside it)'),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment names are letters, digits and _'), scalar)
      .optional()
      .describe('Extra environment variables'),
    timeout: duration(100, 3_600_000, '30s').default(600_000).describe('Killed after this long'),
    allowFailure: z
      .boolean()
      .default(false)
      .describe('A non-zero exit is a result (exitCode in the output) instead of a failed step'),
  })
  .strict();

const httpUrl = z
  .string({ error: 'expected the URL to call, e.g. https://example.com/health' })
  .refine(
    (v) => TEMPLATE.test(v) || /^https?:\/\/[^\s]+$/.test(v),
    'expected an http(s) URL, e.g. https://example.com/health',
  );
const status = z.number().int().min(100).max(599);

export const httpSchema = z
  .object({
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    url: httpUrl.describe('The http(s) URL to call'),
    headers: z.record(z.string(), scalar).optional().describe('Request headers'),
    body: z.unknown().optional().describe('Sent as JSON unless it is text'),
    timeout: duration(100, 600_000, '30s').default(30_000).describe('Fails after this long'),
    expectStatus: z
      .union([status, z.array(status).min(1)], { error: 'expected a status code or a list of them, e.g. [200, 201]' })
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .optional()
      .describe('Statuses that count as success; default any 2xx'),
    retries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe('Extra attempts on connection errors, 429 and 5xx (default 2 for GET, HEAD, PUT, DELETE; else 0)'),
  })
  .strict();

const namespace = z
  .string({ error: 'expected a memory namespace, e.g. workflows/custom/' })
  .refine((v) => TEMPLATE.test(v) || /^([A-Za-z0-9][A-Za-z0-9._:-]*\/)+$/.test(v), {
    message: 'a namespace is path-like and ends with "/", e.g. workflows/custom/',
  });

export const memorySchemas = {
  get: z.object({ action: z.literal('get'), namespace, key: text('the entry key') }).strict(),
  set: z
    .object({
      action: z.literal('set'),
      namespace,
      key: text('the entry key'),
      value: z.unknown().refine((v) => v !== undefined, 'missing: the value to store'),
      tags: z.array(scalar).max(32).optional(),
      ttlSeconds: z.number().int().min(1).optional(),
    })
    .strict(),
  search: z
    .object({
      action: z.literal('search'),
      query: text('what to search for'),
      namespace: namespace.optional(),
      limit: z.number().int().min(1).max(100).default(10),
    })
    .strict(),
};

const repo = z
  .string({ error: 'expected a repository, owner/name' })
  .refine(
    (v) => TEMPLATE.test(v) || /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(v),
    'a repository is owner/name, e.g. acme/widgets',
  );

export const githubSchemas = {
  comment: z
    .object({
      action: z.literal('comment'),
      repo,
      issue: z.union([z.number().int().min(1), z.string().regex(TEMPLATE)], {
        error: 'expected the issue or pull request number, or an expression giving it',
      }),
      body: text('the comment'),
    })
    .strict(),
  issue: z
    .object({
      action: z.literal('issue'),
      repo,
      title: text('the issue title'),
      body: text('the issue body'),
      labels: z.array(scalar).max(20).optional(),
    })
    .strict(),
};

export const aiSchema = z
  .object({
    prompt: text('what to ask the model').describe('What to ask the model'),
    system: z.string().optional().describe('The system prompt'),
    task: z.enum(TASK_KINDS).default('chat').describe('What the call is for: picks the provider chain'),
    maxTokens: z.number().int().min(1).max(64_000).optional().describe('Longest answer, in tokens'),
    route: route.optional().describe('Providers to try in order, e.g. anthropic:claude-sonnet-5'),
  })
  .strict();

export const approvalSchema = z
  .object({
    title: text('what the approver decides').describe('What the approver decides'),
    details: z.string().optional().describe('More for the approver to read'),
    timeout: duration(1000, 30 * 86_400_000, '1h')
      .optional()
      .describe('How long to wait for a decision'),
    default: z.enum(['approve', 'reject']).optional().describe('The decision taken at the deadline'),
    onReject: z
      .enum(['fail', 'continue'])
      .default('fail')
      .describe('fail: a rejection fails the run; continue: the outcome is the step output'),
  })
  .strict();

export const childSchema = z
  .object({
    type: text('a workflow type, e.g. systemCheck or custom').describe(
      'A workflow type of the catalog, e.g. systemCheck',
    ),
    input: z.unknown().optional().describe("The child workflow's input"),
  })
  .strict();

const stepList = z.array(z.unknown(), { error: 'expected a list of steps' }).min(1, 'needs at least one step');
const condition = z.union([z.string().min(1), z.boolean()], {
  error: 'expected an expression, e.g. steps.check.output.exitCode == 0',
});

export const conditionSchema = z
  .object({
    if: condition.describe('An expression, e.g. steps.check.output.exitCode == 0'),
    then: stepList.describe('Steps run when it holds'),
    else: z.array(z.unknown(), { error: 'expected a list of steps' }).default([]).describe('Steps run otherwise'),
  })
  .strict();

export const parallelSchema = z
  .object({
    steps: stepList.optional().describe('Each step runs as its own branch'),
    branches: z
      .array(z.object({ steps: stepList }).strict(), { error: 'expected a list of {steps: [...]}' })
      .min(1)
      .optional()
      .describe('Lists of steps, each run as one branch'),
  })
  .strict()
  .refine((v) => (v.steps === undefined) !== (v.branches === undefined), {
    message: 'give either steps (each runs as its own branch) or branches (lists of steps), not both or neither',
  });

export const loopSchema = z
  .object({
    over: z.unknown().optional().describe('A list, or an expression giving one'),
    while: condition.optional().describe('An expression: repeat while it holds'),
    max: z
      .number({ error: `a loop needs max: its most iterations (1-${MAX_LOOP_ITERATIONS})` })
      .int()
      .min(1)
      .max(MAX_LOOP_ITERATIONS, `at most ${MAX_LOOP_ITERATIONS} iterations`)
      .describe(`The most iterations (1-${MAX_LOOP_ITERATIONS})`),
    as: z
      .string()
      .regex(ID_PATTERN, 'a name of letters, digits and _')
      .default('item')
      .describe('The name of the item: loop.<as>'),
    steps: stepList.describe('Steps run each iteration'),
  })
  .strict()
  .refine((v) => (v.over === undefined) !== (v.while === undefined), {
    message: 'give exactly one of over (a list, or an expression giving one) or while (an expression)',
  });

const inputType = z.enum(['string', 'number', 'boolean', 'object', 'array', 'any']);
export const inputSpecSchema = z.union(
  [
    inputType.transform((type) => ({ type, required: false })),
    z
      .object({
        type: inputType.default('any'),
        required: z.boolean().default(false),
        default: z.unknown().optional(),
        description: z.string().optional(),
      })
      .strict(),
  ],
  {
    error: 'an input is a type (string, number, boolean, object, array, any) or {type, required, default, description}',
  },
);

/** The top level; `steps` are walked separately. */
export const topSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    inputs: z.record(z.string().regex(ID_PATTERN, 'input names are letters, digits and _'), z.unknown()).optional(),
    steps: stepList,
    outputs: z.record(z.string().regex(ID_PATTERN, 'output names are letters, digits and _'), z.unknown()).optional(),
  })
  .strict();

export const KIND_SCHEMAS = {
  shell: shellSchema,
  http: httpSchema,
  ai: aiSchema,
  approval: approvalSchema,
  child: childSchema,
  condition: conditionSchema,
  parallel: parallelSchema,
  loop: loopSchema,
} as const;
