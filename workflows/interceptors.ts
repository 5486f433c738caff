// Bundled with every workflow: development workflow runs announce their end as a live event on
// `workflow:<id>` (`completed`, `failed` or `cancelled`), so the API, CLI and dashboard can follow a
// run without polling. Sessions and internal workflows are left alone.
import {
  CancellationScope,
  ContinueAsNew,
  isCancellation,
  log,
  proxyLocalActivities,
  workflowInfo,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { CHILD_WORKFLOW_TYPES } from './dev/names';

const events = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 3 },
});

const REPORTED: ReadonlySet<string> = new Set(CHILD_WORKFLOW_TYPES.filter((t) => t !== 'systemCheck'));

async function announce(type: string, data: unknown): Promise<void> {
  // Best effort and never cancelled with the run: the run's outcome does not depend on it.
  await CancellationScope.nonCancellable(() =>
    events.publishWorkflowEvent({ workflowId: workflowInfo().workflowId, type, data }),
  ).catch((err: unknown) => log.warn('end-of-run event not published', { err: String(err) }));
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        const info = workflowInfo();
        if (!REPORTED.has(info.workflowType)) return next(input);
        try {
          const result = await next(input);
          await announce('completed', { type: info.workflowType });
          return result;
        } catch (err) {
          if (err instanceof ContinueAsNew) throw err;
          await announce(isCancellation(err) ? 'cancelled' : 'failed', {
            type: info.workflowType,
            message: (err as Error).message ?? String(err),
          });
          throw err;
        }
      },
    },
  ],
});
