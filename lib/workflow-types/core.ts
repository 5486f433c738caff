// The catalog entries of the building-block workflows: systemCheck and aiTask.
import { aiTaskInput } from '../../workflows/contract/inputs/ai-task';
import { systemCheckInput } from '../../workflows/contract/inputs/system-check';
import type { WorkflowTypeDef } from './types';

export const systemCheckDef: WorkflowTypeDef<'systemCheck'> = {
  type: 'systemCheck',
  description: 'Proves worker, Temporal and PostgreSQL work together (writes one row)',
  input: systemCheckInput,
};

export const aiTaskDef: WorkflowTypeDef<'aiTask'> = {
  type: 'aiTask',
  description: 'One model call through the AI router (retries and provider fallback)',
  input: aiTaskInput,
};
