// Activity options shared by development workflows.
import { proxyActivities } from '@temporalio/workflow';
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
