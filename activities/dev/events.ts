// Live events of development workflows: `workflow:<id>` (progress, approvals, results), and on
// `workflows` the starts and ends of runs, so run lists follow them without polling.
import { Context } from '@temporalio/activity';
import { publishRunChange, runChangeOf } from '../../lib/run-events';
import { publish } from '../../lib/live';
import type { ActivityDeps } from '../deps';

export function createWorkflowEventActivities({ pool }: ActivityDeps) {
  return {
    async publishWorkflowEvent(input: { workflowId: string; type: string; data: unknown }): Promise<void> {
      await publish(pool, `workflow:${input.workflowId}`, input.type, input.data);
      // Whoever started the run (API, schedule, session, webhook), its first step and its end show here.
      const change = runChangeOf(input.type, input.data);
      if (change) {
        const info = Context.current().info;
        await publishRunChange(pool, change, { workflowId: input.workflowId, type: info.workflowType ?? 'unknown' });
      }
    },
  };
}
