// The production shape without Docker: the Temporal Server built from its Go module (.tools/),
// persisting to PostgreSQL with SQL visibility (ops/temporal/cluster.yaml, the compose file's
// configuration), schemas set up with temporal-sql-tool from the module's own files, on the test
// run's embedded PostgreSQL. Claude Flow workflows run through a real worker against it, are found
// with a visibility query on a Claude Flow search attribute, and survive a server restart.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import pg from 'pg';
import { systemCheck } from '../../workflows';
import { CfOwner } from '../../workflows/contract/search-attributes';
import { freePort } from '../../stack/temporal-server';
import {
  clusterPostgresFromUrl,
  clusterUnavailableReason,
  findTemporalCluster,
  setupClusterSchema,
  startTemporalCluster,
  type ClusterBinaries,
  type TemporalCluster,
} from '../../stack/temporal-cluster';
import { harness, startTestApp, type TestApp } from '../helpers/stack';
import { baseEnv, dataDirectory, startStack, stopAll, waitFor } from '../helpers/stack-process';

const root = path.join(__dirname, '..', '..');
const unavailable = clusterUnavailableReason(root);
const suffix = randomBytes(4).toString('hex');
const databases = { database: `temporal_${suffix}`, visibilityDatabase: `temporal_visibility_${suffix}` };
const owner = `cluster-test-${suffix}`;

let binaries: ClusterBinaries;
let cluster: TemporalCluster;
let app: TestApp | undefined;
let port: number;

function startCluster(ports?: Record<string, number>): Promise<TemporalCluster> {
  const h = harness();
  return startTemporalCluster({
    binaries,
    postgres: clusterPostgresFromUrl(h.pgAdminUrl, databases),
    root,
    port,
    ports,
    namespace: 'default',
    logFile: path.join(h.tmpDir, `temporal-cluster-${suffix}.log`),
  });
}

async function listUntil(a: TestApp, query: string, count: number): Promise<WorkflowExecutionInfo[]> {
  // Visibility is written by the server's own task processing, shortly after a run closes.
  for (let i = 0; i < 100; i++) {
    const found: WorkflowExecutionInfo[] = [];
    for await (const wf of a.client.workflow.list({ query })) found.push(wf);
    if (found.length >= count) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`visibility query ${query} did not find ${count} runs`);
}

async function visibilityRows(): Promise<{ workflow_id: string; workflow_type_name: string }[]> {
  const url = new URL(harness().pgAdminUrl);
  url.pathname = `/${databases.visibilityDatabase}`;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    const r = await c.query<{ workflow_id: string; workflow_type_name: string }>(
      'SELECT workflow_id, workflow_type_name FROM executions_visibility ORDER BY workflow_id',
    );
    return r.rows;
  } finally {
    await c.end();
  }
}

if (unavailable) {
  test.skip(`Temporal cluster skipped: ${unavailable}`, () => undefined);
} else {
  beforeAll(async () => {
    // The first run builds the server (minutes); later runs reuse the build in .tools/.
    binaries = await findTemporalCluster({ root, log: (l) => process.stdout.write(`[temporal-cluster] ${l}\n`) });
    await setupClusterSchema(binaries, clusterPostgresFromUrl(harness().pgAdminUrl, databases));
    port = await freePort();
    cluster = await startCluster();
    app = await startTestApp({ env: { TEMPORAL_ADDRESS: cluster.address } });
  }, 2_700_000);

  afterAll(async () => {
    await stopAll();
    await app?.close();
    await cluster?.stop();
  });

  test('the schema tool can run again on set-up databases (as auto-setup does at every start)', async () => {
    await setupClusterSchema(binaries, clusterPostgresFromUrl(harness().pgAdminUrl, databases));
  }, 120_000);

  test('workflows run on the cluster, are found through SQL visibility, and survive a server restart', async () => {
    const a = app as TestApp;
    const taskQueue = a.config.temporal.taskQueue;
    const typedSearchAttributes = [{ key: CfOwner, value: owner }];
    const check = await a.client.workflow.start(systemCheck, {
      taskQueue,
      workflowId: `cluster-system-check-${suffix}`,
      typedSearchAttributes,
    });
    const custom = await a.client.workflow.start('custom', {
      taskQueue,
      workflowId: `cluster-custom-${suffix}`,
      args: [{ name: 'example', inputs: { note: 'on the cluster' } }],
      typedSearchAttributes,
    });
    const checkResult = await check.result();
    expect(checkResult.workflowId).toBe(check.workflowId);
    expect(checkResult.postgresVersion).toMatch(/^\d+\.\d+/);
    const customResult = (await custom.result()) as { outputs: { stored: unknown } };
    expect(customResult.outputs.stored).toEqual(expect.any(Number));

    // A visibility query on the workflow type and a Claude Flow search attribute.
    const found = await listUntil(a, `WorkflowType = 'systemCheck' AND CfOwner = '${owner}'`, 1);
    expect(found.map((w) => [w.workflowId, w.status.name])).toEqual([[check.workflowId, 'COMPLETED']]);
    const both = await listUntil(a, `CfOwner = '${owner}' AND ExecutionStatus = 'Completed'`, 2);
    expect(both.map((w) => w.workflowId).sort()).toEqual([custom.workflowId, check.workflowId].sort());
    // ... answered from PostgreSQL: the visibility database holds both runs.
    expect(await visibilityRows()).toEqual(
      expect.arrayContaining([
        { workflow_id: check.workflowId, workflow_type_name: 'systemCheck' },
        { workflow_id: custom.workflowId, workflow_type_name: 'custom' },
      ]),
    );
    const before = await check.fetchHistory();
    await a.close();
    app = undefined;

    // Restart the server on the same databases: the histories and the visibility records are still there.
    const ports = cluster.ports;
    await cluster.stop();
    expect(cluster.exitSignal?.()).toBe(null); // it stopped on SIGTERM by itself, not by SIGKILL
    cluster = await startCluster(ports);
    app = await startTestApp({ env: { TEMPORAL_ADDRESS: cluster.address } });
    const again = app.client.workflow.getHandle(check.workflowId);
    const after = await again.fetchHistory();
    expect(after.events?.length).toBe(before.events?.length);
    expect(after.events?.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    expect((await again.describe()).status.name).toBe('COMPLETED');
    const listed = await listUntil(app, `WorkflowType = 'systemCheck' AND CfOwner = '${owner}'`, 1);
    expect(listed.map((w) => w.workflowId)).toEqual([check.workflowId]);

    // ... and the restarted server runs new work.
    const next = await app.client.workflow.execute(systemCheck, {
      taskQueue: app.config.temporal.taskQueue,
      workflowId: `cluster-system-check-after-restart-${suffix}`,
    });
    expect(next.postgresVersion).toMatch(/^\d+\.\d+/);
  }, 240_000);

  test("npm start with TEMPORAL_SERVER=cluster runs the stack on it, history in the stack's PostgreSQL", async () => {
    const ports = { api: await freePort(), temporal: await freePort(), pg: await freePort() };
    const stack = startStack(
      baseEnv({
        TEMPORAL_SERVER: 'cluster',
        CLAUDE_FLOW_DATA_DIR: dataDirectory(),
        PORT: String(ports.api),
        TEMPORAL_PORT: String(ports.temporal),
        EMBEDDED_POSTGRES_PORT: String(ports.pg),
        TEMPORAL_TASK_QUEUE: 'cluster-stack-test',
      }),
    );
    await waitFor(stack, 'Press Ctrl-C to stop.', 150_000);
    expect(stack.output()).toContain(
      '(Temporal Server, history in PostgreSQL: databases temporal and temporal_visibility)',
    );
    expect((await fetch(`http://127.0.0.1:${ports.api}/readyz`)).status).toBe(200);

    const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
    try {
      const workflowId = `cluster-stack-check-${suffix}`;
      await new Client({ connection }).workflow.execute(systemCheck, { taskQueue: 'cluster-stack-test', workflowId });
      // The run is in the stack's own PostgreSQL, in the database auto-setup would have made.
      const db = new pg.Client({
        connectionString: `postgresql://claude_flow:claude_flow@127.0.0.1:${ports.pg}/temporal`,
      });
      await db.connect();
      const rows = await db.query('SELECT 1 FROM current_executions WHERE workflow_id = $1', [workflowId]);
      await db.end();
      expect(rows.rowCount).toBe(1);
    } finally {
      await connection.close();
    }
    stack.child.kill('SIGTERM');
    expect(await stack.exited).toBe(0);
  }, 240_000);
}
