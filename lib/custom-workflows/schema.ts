// The schema of one custom workflow definition: the zod schema of each step kind's body (the step
// envelope and nesting are walked by validate.ts so every error can name its exact field).
import { z } from 'zod';
import { MAX_LOOP_ITERATIONS } from '../../workflows/contract/custom-types';
import { parseDuration as parseContractDuration } from '../../workflows/contract/duration';
import { route, TASK_KINDS } from '../../workflows/contract/routes';

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
  z.unknown().transform((v, ctx) => {
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
  });

const text = (what: string) => z.string({ error: `expected text: ${what}` }).min(1, `must not be empty: ${what}`);
const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: 'expected text, a number or true/false',
});
/** Text, or an expression giving the value. */
const TEMPLATE = /\$\{\{/;

export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export { NAME_PATTERN } from '../../workflows/contract/inputs/custom';

export const shellSchema = z
  .object({
    command: z
      .string({ error: 'expected the program to run, e.g. git' })
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._+-]*$/,
        'a program name without a path or arguments, e.g. git; put arguments in args',
      ),
    args: z.array(scalar).max(200).default([]),
    cwd: z.string().min(1).optional(),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment names are letters, digits and _'), scalar)
      .optional(),
    timeout: duration(100, 3_600_000, '30s').default(600_000),
    allowFailure: z.boolean().default(false),
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
    url: httpUrl,
    headers: z.record(z.string(), scalar).optional(),
    body: z.unknown().optional(),
    timeout: duration(100, 600_000, '30s').default(30_000),
    expectStatus: z
      .union([status, z.array(status).min(1)], { error: 'expected a status code or a list of them, e.g. [200, 201]' })
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .optional(),
    retries: z.number().int().min(0).max(10).optional(),
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
    prompt: text('what to ask the model'),
    system: z.string().optional(),
    task: z.enum(TASK_KINDS).default('chat'),
    maxTokens: z.number().int().min(1).max(64_000).optional(),
    route: route.optional(),
  })
  .strict();

export const approvalSchema = z
  .object({
    title: text('what the approver decides'),
    details: z.string().optional(),
    timeout: duration(1000, 30 * 86_400_000, '1h').optional(),
    default: z.enum(['approve', 'reject']).optional(),
    onReject: z.enum(['fail', 'continue']).default('fail'),
  })
  .strict();

export const childSchema = z
  .object({
    type: text('a workflow type, e.g. systemCheck or custom'),
    input: z.unknown().optional(),
  })
  .strict();

const stepList = z.array(z.unknown(), { error: 'expected a list of steps' }).min(1, 'needs at least one step');
const condition = z.union([z.string().min(1), z.boolean()], {
  error: 'expected an expression, e.g. steps.check.output.exitCode == 0',
});

export const conditionSchema = z
  .object({
    if: condition,
    then: stepList,
    else: z.array(z.unknown(), { error: 'expected a list of steps' }).default([]),
  })
  .strict();

export const parallelSchema = z
  .object({
    steps: stepList.optional(),
    branches: z
      .array(z.object({ steps: stepList }).strict(), { error: 'expected a list of {steps: [...]}' })
      .min(1)
      .optional(),
  })
  .strict()
  .refine((v) => (v.steps === undefined) !== (v.branches === undefined), {
    message: 'give either steps (each runs as its own branch) or branches (lists of steps), not both or neither',
  });

export const loopSchema = z
  .object({
    over: z.unknown().optional(),
    while: condition.optional(),
    max: z
      .number({ error: `a loop needs max: its most iterations (1-${MAX_LOOP_ITERATIONS})` })
      .int()
      .min(1)
      .max(MAX_LOOP_ITERATIONS, `at most ${MAX_LOOP_ITERATIONS} iterations`),
    as: z.string().regex(ID_PATTERN, 'a name of letters, digits and _').default('item'),
    steps: stepList,
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
