// The model-call activities as workflows see them, with the retry policy that drives fallback:
// attempt N of callModel uses the Nth provider of the task's chain.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ModelRequest, ModelResult } from '../activities/ai/types';

/** Retries (and so fallbacks) for model calls; providers' retry-after overrides the interval. */
export const AI_RETRY = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 6,
} as const;

export const ai = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: AI_RETRY,
});

/** One model call as a workflow: for the CLI, schedules and tests. */
export async function aiTask(request: ModelRequest): Promise<ModelResult> {
  return await ai.callModel(request);
}
