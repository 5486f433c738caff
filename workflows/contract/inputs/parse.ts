// Parsing a workflow's input with its schema, the same way wherever it happens.
//
// Every development workflow parses its own input with its contract schema, first thing: the
// workflow's parameter is the schema's z.input (what a caller may send) and it runs on z.output
// (defaults applied). Chosen over applying exported default values in the workflow because a
// workflow is started not only by the API (which parses before the start) but also by the
// `temporal` CLI, a schedule, a session's runWorkflow or a parent workflow with raw input, and
// only parsing gives all of them the same defaults and the same checks, each written once in the
// schema. zod is pure and the parse is deterministic, so this is replay-safe; parsing an input the
// API already parsed gives the same value again (the schemas have no transforms).
import type { z } from 'zod';
import { FAILURE_TYPES, failure } from '../failures';

/** One problem with an input: where (dotted path, "input" for the whole) and what to fix. */
export interface InputProblem {
  path: string;
  message: string;
}

export const inputProblems = (error: z.ZodError): InputProblem[] =>
  error.issues.map((i) => ({ path: i.path.length ? i.path.join('.') : 'input', message: i.message }));

/**
 * The input parsed by `schema` (defaults applied), or a non-retryable `InvalidRequest` failure
 * naming each problem (also as details: `{ errors: [{path, message}] }`). No input at all is read as
 * `{}`, so the message names the missing fields. Deterministic: safe in workflow code.
 */
export function parseInput<S extends z.ZodType>(type: string, schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const errors = inputProblems(parsed.error);
  throw failure(
    FAILURE_TYPES.InvalidRequest,
    `Invalid ${type} input: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    { errors },
  );
}
