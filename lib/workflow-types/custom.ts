// The catalog entry of `custom`: runs a user-defined workflow from .claude-flow/workflows/<name>.yaml.
import { z } from 'zod';
import fs from 'node:fs';
import { definitionsDir, loadDefinition, resolveInputs, validateOptions } from '../custom-workflows/load';
import { NAME_PATTERN } from '../custom-workflows/schema';
import { MAX_CUSTOM_DEPTH } from '../../workflows/contract/custom-types';
import type { CheckContext, WorkflowTypeDef } from './types';

export const customDef: WorkflowTypeDef = {
  type: 'custom',
  description: 'Runs a custom workflow defined in .claude-flow/workflows/<name>.yaml (pinned to its content hash)',
  input: z
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
        .max(MAX_CUSTOM_DEPTH)
        .optional()
        .describe('Set by a parent custom workflow: how deep this run is in a chain of custom workflows'),
    })
    .strict(),
  // Where this host has the definitions (always with `npm start`), a missing file, a broken one or
  // wrong inputs are a 400 now rather than a failed run. A pinned hash is checked by the run itself.
  check(input: unknown, { config, workflowTypes }: CheckContext) {
    const { name, inputs, hash } = input as { name: string; inputs: Record<string, unknown>; hash?: string };
    if (hash || !fs.existsSync(definitionsDir(config.workspaceDir))) return;
    const loaded = loadDefinition(config.workspaceDir, name, validateOptions(config, workflowTypes));
    resolveInputs(name, loaded.definition.inputs, inputs);
  },
};
