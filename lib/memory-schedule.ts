// The Temporal Schedule that runs memory maintenance. `ensureMemoryMaintenanceSchedule` is
// idempotent: it creates the schedule, or brings an existing one in line with the configuration
// (interval, task queue), so every process that starts can call it.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE, type Config } from './config';
import { parseDuration } from '../workflows/contract/duration';

export const MEMORY_MAINTENANCE_SCHEDULE_ID = 'claude-flow-memory-maintenance';

/**
 * The schedule of the deployment on `taskQueue`: `claude-flow-memory-maintenance` on the default
 * queue, `claude-flow-memory-maintenance-<queue>` on any other. Deployments that share a namespace
 * but not a task queue (and so not a database) each keep their own schedule; with one id for all,
 * the last to start would point every deployment's maintenance at its own workers.
 */
export function memoryMaintenanceScheduleId(taskQueue: string): string {
  return taskQueue === DEFAULT_TASK_QUEUE
    ? MEMORY_MAINTENANCE_SCHEDULE_ID
    : `${MEMORY_MAINTENANCE_SCHEDULE_ID}-${taskQueue}`;
}

/** The interval in milliseconds: `30m`, `1h`, `1d`, `90 minutes` … (the contract's duration grammar). */
export function intervalMs(interval: string): number {
  const ms = parseDuration(interval);
  if (ms === undefined) throw new Error(`"${interval}" is not an interval like 30m, 1h or 1d`);
  return ms;
}

/**
 * Creates or updates the deployment's schedule (memoryMaintenanceScheduleId): `memoryMaintenance` every
 * `config.memory.maintenanceInterval` on the configured task queue, never two runs at once (an
 * overdue run is skipped). With the interval `off`, deletes the schedule. Returns the schedule id,
 * or undefined when off.
 */
export async function ensureMemoryMaintenanceSchedule(client: Client, config: Config): Promise<string | undefined> {
  const scheduleId = memoryMaintenanceScheduleId(config.temporal.taskQueue);
  const handle = client.schedule.getHandle(scheduleId);
  if (config.memory.maintenanceInterval === 'off') {
    await handle.delete().catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
    return undefined;
  }
  const every = intervalMs(config.memory.maintenanceInterval);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'memoryMaintenance',
    workflowId: scheduleId,
    taskQueue: config.temporal.taskQueue,
    args: [],
    workflowExecutionTimeout: every,
  };
  const spec = { intervals: [{ every }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: every };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((prev) => ({ ...prev, spec, action, policies }));
  }
  return scheduleId;
}
