// `npm start` as a user runs it: the real supervisor process, its own Temporal dev server and
// PostgreSQL, ports of its own, stopped by a signal, started again on the same data.
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { freePort } from '../../stack/temporal-server';
import { systemCheck } from '../../workflows';
import { freshDatabase, harness } from '../helpers/stack';
import { alive, baseEnv, dataDirectory, startStack, stopAll, waitFor } from '../helpers/stack-process';

jest.setTimeout(180_000);

afterAll(stopAll);

test('npm start: ready, single instance, clean stop, same data after restart', async () => {
  const dataDir = dataDirectory();
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), pg: await freePort() };
  const env = baseEnv({
    CLAUDE_FLOW_DATA_DIR: dataDir,
    PORT: String(ports.api),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    EMBEDDED_POSTGRES_PORT: String(ports.pg),
    TEMPORAL_TASK_QUEUE: 'stack-test',
  });

  const first = startStack(env);
  await waitFor(first, 'Press Ctrl-C to stop.');
  expect(first.output()).toMatch(/Claude Flow is ready in \d+\.\d s/);
  expect(first.output()).toContain(`http://127.0.0.1:${ports.api}/api/claude-flow`);
  expect(first.output()).toContain(`Temporal UI  http://127.0.0.1:${ports.ui}/namespaces/default/workflows`);

  const ready = await fetch(`http://127.0.0.1:${ports.api}/readyz`);
  expect(ready.status).toBe(200);
  // The Web UI is up and lists the namespace.
  const namespaces = await (await fetch(`http://127.0.0.1:${ports.ui}/api/v1/namespaces`)).json();
  expect(JSON.stringify(namespaces)).toContain('"default"');

  // A workflow through the embedded stack's own worker.
  const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
  const client = new Client({ connection });
  const result = await client.workflow.execute(systemCheck, { taskQueue: 'stack-test', workflowId: 'stack-check' });
  await connection.close();

  // A second start while the first runs fails at once, with a clear message.
  const second = startStack(env);
  expect(await second.exited).toBe(1);
  expect(second.output()).toContain('Claude Flow is already running');

  const lock = JSON.parse(fs.readFileSync(path.join(dataDir, 'claude-flow.lock'), 'utf8'));
  const children: number[] = lock.children.map((c: { pid: number }) => c.pid);
  expect(children).toHaveLength(2);
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);
  expect(first.output()).toContain('stopped');
  expect(children.filter(alive)).toEqual([]);
  expect(fs.existsSync(path.join(dataDir, 'claude-flow.lock'))).toBe(false);

  // Started again: the same workflow history and the same database rows are there.
  const third = startStack(env);
  await waitFor(third, 'Press Ctrl-C to stop.');
  const again = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
  const desc = await new Client({ connection: again }).workflow.getHandle('stack-check').describe();
  expect(desc.status.name).toBe('COMPLETED');
  await again.close();
  const db = new pg.Client({
    connectionString: `postgresql://claude_flow:claude_flow@127.0.0.1:${ports.pg}/claude_flow`,
  });
  await db.connect();
  const rows = await db.query('SELECT id FROM system_check WHERE id = $1', [result.id]);
  await db.end();
  expect(rows.rowCount).toBe(1);
  third.child.kill('SIGINT');
  expect(await third.exited).toBe(0);
});

test('with TEMPORAL_ADDRESS and DATABASE_URL set it starts nothing of its own', async () => {
  const db = await freshDatabase();
  const dataDir = dataDirectory();
  const s = startStack(
    baseEnv({
      CLAUDE_FLOW_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      TEMPORAL_ADDRESS: harness().temporalAddress,
      DATABASE_URL: db.url,
      TEMPORAL_TASK_QUEUE: 'stack-external',
    }),
  );
  try {
    await waitFor(s, 'Press Ctrl-C to stop.');
    expect(s.output()).not.toContain('embedded');
    const lock = JSON.parse(fs.readFileSync(path.join(dataDir, 'claude-flow.lock'), 'utf8'));
    expect(lock.children).toEqual([]);
  } finally {
    s.child.kill('SIGTERM');
    await s.exited;
    await db.drop();
  }
});

test('an invalid setting stops start-up with one line naming it', async () => {
  const s = startStack(baseEnv({ PORT: 'eighty' }));
  expect(await s.exited).toBe(1);
  expect(s.output().trim()).toBe('claude-flow: Invalid setting PORT="eighty": allowed: a TCP port, 1-65535');
});
