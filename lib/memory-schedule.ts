// The Temporal Schedule that runs memory maintenance. `ensureMemoryMaintenanceSchedule` is
// idempotent: it creates the schedule, or brings an existing one in line with the configuration
// (interval, task queue), so every process that starts can call it.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from './config';

export const MEMORY_MAINTENANCE_SCHEDULE_ID = 'claude-flow-memory-maintenance';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30m`, `1h`, `1d` … in milliseconds. */
export function intervalMs(interval: string): number {
  const m = /^([1-9]\d*)([smhd])$/.exec(interval);
  if (!m) throw new Error(`"${interval}" is not an interval like 30m, 1h or 1d`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/**
 * Creates or updates schedule `claude-flow-memory-maintenance`: `memoryMaintenance` every
 * `config.memory.maintenanceInterval` on the configured task queue, never two runs at once (an
 * overdue run is skipped). With the interval `off`, deletes the schedule. Returns the schedule id,
 * or undefined when off.
 */
export async function ensureMemoryMaintenanceSchedule(client: Client, config: Config): Promise<string | undefined> {
  const handle = client.schedule.getHandle(MEMORY_MAINTENANCE_SCHEDULE_ID);
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
    workflowId: MEMORY_MAINTENANCE_SCHEDULE_ID,
    taskQueue: config.temporal.taskQueue,
    args: [],
    workflowExecutionTimeout: every,
  };
  const spec = { intervals: [{ every }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: every };
  try {
    await client.schedule.create({ scheduleId: MEMORY_MAINTENANCE_SCHEDULE_ID, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((prev) => ({ ...prev, spec, action, policies }));
  }
  return MEMORY_MAINTENANCE_SCHEDULE_ID;
}
