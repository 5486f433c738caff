// The memory maintenance schedule on the real dev server: created with the configured interval and
// task queue, updated in place when called again, triggerable, and deleted when turned off.
import { ensureMemoryMaintenanceSchedule, memoryMaintenanceScheduleId } from '../../lib/memory-schedule';
import { MemoryStore } from '../../lib/memory';
import type { MaintenanceReport } from '../../workflows/memory-maintenance';
import { startTestApp, type TestApp } from '../helpers/stack';

// The scheduler starts a triggered run on the server's own time; on a loaded machine that has taken
// over a minute once.
jest.setTimeout(150_000);

let app: TestApp;
// The test's own task queue names its own schedule: the stack suites' apps, starting on the same
// dev server meanwhile, ensure theirs.
const scheduleId = () => memoryMaintenanceScheduleId(app.config.temporal.taskQueue);

beforeAll(async () => {
  app = await startTestApp({ env: { CLAUDE_FLOW_MEMORY_MAINTENANCE_INTERVAL: '2h' } });
});
afterAll(async () => {
  await app?.client.schedule
    .getHandle(scheduleId())
    .delete()
    .catch(() => undefined);
  await app?.close();
});

test('the schedule is created, updated in place, triggerable, and deleted when off', async () => {
  const handle = app.client.schedule.getHandle(scheduleId());
  expect(await ensureMemoryMaintenanceSchedule(app.client, app.config)).toBe(scheduleId());
  let d = await handle.describe();
  expect(d.spec.intervals?.[0]?.every).toBe(2 * 3600_000);
  expect(d.action).toMatchObject({ workflowType: 'memoryMaintenance', taskQueue: app.config.temporal.taskQueue });

  const every30m = { ...app.config, memory: { ...app.config.memory, maintenanceInterval: '30m' } };
  await ensureMemoryMaintenanceSchedule(app.client, every30m);
  d = await handle.describe();
  expect(d.spec.intervals?.[0]?.every).toBe(30 * 60_000);

  const store = new MemoryStore(app.pool, app.config.memory);
  await store.set({ namespace: 'ttl/', key: 'x', value: 'short-lived', ttlSeconds: 1 });
  await new Promise((r) => setTimeout(r, 1100));
  await handle.trigger();
  let workflowId: string | undefined;
  for (let i = 0; i < 600 && !workflowId; i++) {
    d = await handle.describe();
    workflowId = d.info.recentActions[0]?.action.workflow.workflowId ?? d.info.runningActions[0]?.workflow.workflowId;
    if (!workflowId) await new Promise((r) => setTimeout(r, 100));
  }
  expect(workflowId?.startsWith(scheduleId())).toBe(true);
  const report = (await app.client.workflow.getHandle(workflowId as string).result()) as MaintenanceReport;
  expect(report.expired).toBe(1);
  expect(report.backup).toEqual({ skipped: expect.stringContaining('CLAUDE_FLOW_MEMORY_BACKUP_DIR') });

  const off = { ...app.config, memory: { ...app.config.memory, maintenanceInterval: 'off' } };
  expect(await ensureMemoryMaintenanceSchedule(app.client, off)).toBeUndefined();
  await expect(handle.describe()).rejects.toThrow();
  // Off twice is fine (nothing to delete).
  await ensureMemoryMaintenanceSchedule(app.client, off);
});
