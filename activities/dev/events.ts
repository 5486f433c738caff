// Live events of development workflows: `workflow:<id>` (progress, approvals, results); a run's
// end is also announced on `analytics` (a `run` event) for the charts and counts that include it.
import { publish } from '../../lib/live';
import type { ActivityDeps } from '../deps';

const ENDS: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

export function createWorkflowEventActivities({ pool }: ActivityDeps) {
  return {
    async publishWorkflowEvent(input: { workflowId: string; type: string; data: unknown }): Promise<void> {
      await publish(pool, `workflow:${input.workflowId}`, input.type, input.data);
      if (ENDS.has(input.type)) await publish(pool, 'analytics', 'run', { run: input.workflowId, outcome: input.type });
    },
  };
}
