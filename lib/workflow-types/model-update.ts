// The catalog entry of modelUpdate: compare the routed model of a task kind with a candidate on an
// evaluation set, and propose the routing change behind an approval.
import { modelUpdateInput } from '../../workflows/contract/inputs/model-update';
import type { WorkflowTypeDef } from './types';

export const modelUpdateDef: WorkflowTypeDef<'modelUpdate'> = {
  type: 'modelUpdate',
  description:
    "Compares a task's routed model with a candidate on an evaluation set; proposes the change behind an approval",
  input: modelUpdateInput,
};
