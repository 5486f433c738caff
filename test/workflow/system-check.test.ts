// Workflow logic under the time-skipping test server (the Java binary, found like the CLI).
import fs from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, Worker } from '@temporalio/worker';
import { systemCheck } from '../../workflows';
import { harness, quietTemporal } from '../helpers/stack';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  quietTemporal();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: harness().testServer } },
  });
});
afterAll(async () => {
  await env?.teardown();
  // The test environment leaves the SDK runtime up; let this test process exit.
  await Runtime.instance().shutdown();
});

test('systemCheck retries a failing activity and returns its record', async () => {
  let attempts = 0;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'system-check-ts',
    workflowBundle: { code: fs.readFileSync(harness().bundlePath, 'utf8') },
    activities: {
      async recordSystemCheck() {
        attempts += 1;
        if (attempts < 3) throw new Error('database not there yet');
        return {
          id: 'x',
          workflowId: 'wf',
          worker: 'w',
          checkedAt: new Date(0).toISOString(),
          postgresVersion: '18.4',
        };
      },
    },
  });
  const result = await worker.runUntil(
    env.client.workflow.execute(systemCheck, { taskQueue: 'system-check-ts', workflowId: 'system-check-ts' }),
  );
  expect(result.postgresVersion).toBe('18.4');
  expect(attempts).toBe(3);
});
