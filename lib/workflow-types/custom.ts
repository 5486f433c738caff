// The catalog entry of `custom`: runs a user-defined workflow from .claude-flow/workflows/<name>.yaml.
import fs from 'node:fs';
import { definitionsDir, loadDefinition, resolveInputs, validateOptions } from '../custom-workflows/load';
import { customInput, type CustomOptions } from '../../workflows/contract/inputs/custom';
import type { CheckContext, WorkflowTypeDef } from './types';

export const customDef: WorkflowTypeDef<'custom'> = {
  type: 'custom',
  description: 'Runs a custom workflow defined in .claude-flow/workflows/<name>.yaml (pinned to its content hash)',
  input: customInput,
  // Where this host has the definitions (always with `npm start`), a missing file, a broken one or
  // wrong inputs are a 400 now rather than a failed run. A pinned hash is checked by the run itself.
  check(input: unknown, { config, workflowTypes }: CheckContext) {
    const { name, inputs, hash } = input as CustomOptions;
    if (hash || !fs.existsSync(definitionsDir(config.workspaceDir))) return;
    const loaded = loadDefinition(config.workspaceDir, name, validateOptions(config, workflowTypes));
    resolveInputs(name, loaded.definition.inputs, inputs);
  },
};
