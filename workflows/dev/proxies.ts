// Activity options shared by development workflows.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/**
 * Posts to GitHub (reviews, issues, releases). A short heartbeat timeout: a dead worker's post is
 * retried within seconds, and the retry finds the first attempt's post by its hidden marker.
 */
export const posts = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes', maximumAttempts: 10 },
});

/** Live events (progress, approvals, a run's end): local, quick, best effort. */
export const events = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 5 },
});

/** Short, idempotent bookkeeping: loading definitions, memory reads and writes keyed by the run. */
export const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});
