// One workflow end to end: the real dev server, the real worker, real PostgreSQL.
import fs from 'node:fs';
import path from 'node:path';
import { systemCheck } from '../../workflows';
import { startTestApp, type TestApp } from '../helpers/stack';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

test('systemCheck runs through the worker and writes its row to Postgres', async () => {
  const workflowId = `system-check-${Date.now()}`;
  const handle = await app.client.workflow.start(systemCheck, { taskQueue: app.config.temporal.taskQueue, workflowId });
  const result = await handle.result();

  expect(result.workflowId).toBe(workflowId);
  expect(result.postgresVersion).toMatch(/^\d+\.\d+/);
  const row = await app.prisma.systemCheck.findUniqueOrThrow({ where: { id: result.id } });
  expect(row.workflowId).toBe(workflowId);
  expect(row.worker).toBe(result.worker);

  // The recorded history feeds the replay test; refresh it with CF_RECORD_HISTORIES=1 npm test.
  if (process.env.CF_RECORD_HISTORIES === '1') {
    const history = await handle.fetchHistory();
    fs.writeFileSync(
      path.join(__dirname, '..', 'histories', 'system-check.json'),
      JSON.stringify({ workflowId, history }, null, 2),
    );
  }
});
