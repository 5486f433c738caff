// The catalog entry of promptEval: an evaluation set across model configurations.
import { promptEvalInput } from '../../workflows/contract/inputs/prompt-eval';
import type { WorkflowTypeDef } from './types';

export const promptEvalDef: WorkflowTypeDef<'promptEval'> = {
  type: 'promptEval',
  description: 'Runs an evaluation set across model configurations: quality, latency and cost per configuration',
  input: promptEvalInput,
};
