// custom's input: which definition (.claude-flow/workflows/<name>.yaml) to run, with which inputs.
// Each default is written here, once.
import { z } from 'zod';
import { MAX_CUSTOM_DEPTH } from '../custom-types';

/** A definition's name: its file name under .claude-flow/workflows/ without .yaml. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const customInput = z
  .object({
    name: z
      .string({ error: 'name is required: the file name under .claude-flow/workflows/ without .yaml' })
      .regex(NAME_PATTERN, 'name is the file name without .yaml: letters, digits, . _ - (no slashes), e.g. "release"')
      .describe('The definition file under .claude-flow/workflows/, without .yaml'),
    inputs: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'input names are letters, digits and _'), z.unknown())
      .default({})
      .describe("Values for the definition's declared inputs (checked against their types when the run starts)"),
    hash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'hash is the sha256 (64 lowercase hex digits) an earlier run of this workflow pinned')
      .optional()
      .describe('Run an earlier version: the sha256 that a previous run pinned, instead of the current file'),
    depth: z
      .number()
      .int()
      .min(0)
      .max(MAX_CUSTOM_DEPTH, `custom workflows nest at most ${MAX_CUSTOM_DEPTH} deep`)
      .default(0)
      .describe('Set by a parent custom workflow: how deep this run is in a chain of custom workflows'),
  })
  .strict();

/** What a caller may send. */
export type CustomInput = z.input<typeof customInput>;
/** The parsed input, defaults applied: what the workflow runs with. */
export type CustomOptions = z.output<typeof customInput>;
