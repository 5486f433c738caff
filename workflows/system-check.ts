// systemCheck: one activity that writes to Postgres and reports which worker ran it.
// `npm start` and the tests run it to prove Temporal, the worker and Postgres work together.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SystemCheckRecord } from '../activities/system';

const { recordSystemCheck } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

export async function systemCheck(): Promise<SystemCheckRecord> {
  return await recordSystemCheck();
}
