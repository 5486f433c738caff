// Live events of development workflows: `workflow:<id>` (progress, approvals, results).
import { publish } from '../../lib/live';
import type { ActivityDeps } from '../deps';

export function createWorkflowEventActivities({ pool }: ActivityDeps) {
  return {
    async publishWorkflowEvent(input: { workflowId: string; type: string; data: unknown }): Promise<void> {
      await publish(pool, `workflow:${input.workflowId}`, input.type, input.data);
    },
  };
}
