// Scale out on one machine the way it runs on many: `npm start -- --workers 3 --apis 2` against one
// Temporal and one PostgreSQL (the harness's, as a team's would be), every extra worker and API
// copy its own process started as production starts it. Both API copies answer /readyz naming
// themselves and the three workers with one build id; runs started through either copy are worked
// by more than one worker; SIGTERM stops everything, children included. And a worker that shuts
// down drains: an activity that ends within the grace time finishes on it, one that does not is
// cancelled at the grace time and retried on another worker (the same idempotency key, once
// answered).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import { ENTRY, startCopy, type Copy } from '../../stack/copies';
import { startWorker, type WorkerHandle } from '../../workers/worker';
import { freshDatabase, harness, startTestApp, type TestApp } from '../helpers/stack';
import { alive, baseEnv, dataDirectory, portPair, startStack, stopAll, waitFor } from '../helpers/stack-process';

jest.setTimeout(240_000);
afterAll(stopAll);

const BUILD_ID = /^claude-flow@\d+\.\d+\.\d+\+[0-9a-f]{12}$/;

interface Ready {
  status: string;
  api: { identity: string };
  workers: { identity: string; buildId?: string; polls: string[]; lastSeen?: string }[];
}

test('npm start --workers 3 --apis 2: two API copies, three workers sharing the work, one build', async () => {
  const db = await freshDatabase();
  const port = await portPair();
  const taskQueue = `scale-${Date.now()}`;
  const s = startStack(
    baseEnv({
      CLAUDE_FLOW_DATA_DIR: dataDirectory(),
      PORT: String(port),
      TEMPORAL_ADDRESS: harness().temporalAddress,
      DATABASE_URL: db.url,
      TEMPORAL_TASK_QUEUE: taskQueue,
    }),
    ['--workers', '3', '--apis', '2'],
  );
  await waitFor(s, 'Press Ctrl-C to stop.', 150_000);
  expect(s.output()).toContain(`API copies   http://127.0.0.1:${port + 1}`);
  const pids = [...s.output().matchAll(/worker-\d \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  expect(pids).toHaveLength(2);

  // Both copies ready, each naming itself; the same three workers, one build id.
  const urls = [`http://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`];
  let ready: Ready[] = [];
  const deadline = Date.now() + 60_000;
  do {
    ready = await Promise.all(urls.map(async (u) => (await (await fetch(`${u}/readyz`)).json()) as Ready));
    // A worker's workflow pollers take turns on its own sticky queue: wait until Temporal has seen
    // every worker poll the shared queue for both kinds of task.
    if (ready.every((r) => r.workers.length === 3 && r.workers.every((w) => w.polls.length === 2))) break;
    await new Promise((r) => setTimeout(r, 500));
  } while (Date.now() < deadline);
  expect(ready.map((r) => r.status)).toEqual(['ready', 'ready']);
  expect(new Set(ready.map((r) => r.api.identity)).size).toBe(2);
  const workers = ready[0].workers;
  expect(workers).toHaveLength(3);
  expect(workers.map((w) => w.identity)).toEqual(ready[1].workers.map((w) => w.identity));
  for (const w of workers) {
    expect(w.polls.sort()).toEqual(['activity', 'workflow']);
    expect(w.buildId).toMatch(BUILD_ID);
  }
  expect(new Set(workers.map((w) => w.buildId)).size).toBe(1);
  for (const pid of pids) expect(workers.some((w) => w.identity.startsWith(`${pid}@`))).toBe(true);

  // Runs started through both copies; their activities are worked by more than one worker.
  const ids: string[] = [];
  for (let i = 0; i < 24; i++) {
    const res = await fetch(`${urls[i % 2]}/api/claude-flow/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'systemCheck' }),
    });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { workflowId: string }).workflowId);
  }
  const identities = new Set<string>();
  for (const id of ids) {
    const end = Date.now() + 60_000;
    let run: { status: string } = { status: 'running' };
    while (run.status === 'running' && Date.now() < end) {
      run = (await (await fetch(`${urls[0]}/api/claude-flow/workflows/${id}`)).json()) as { status: string };
      if (run.status === 'running') await new Promise((r) => setTimeout(r, 200));
    }
    expect(run.status).toBe('completed');
  }
  const { Client, Connection } = await import('@temporalio/client');
  const connection = await Connection.connect({ address: harness().temporalAddress });
  const client = new Client({ connection });
  for (const id of ids) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    for (const e of history.events ?? []) {
      const who = e.activityTaskStartedEventAttributes?.identity;
      if (who) identities.add(who);
    }
  }
  await connection.close();
  expect(identities.size).toBeGreaterThanOrEqual(2);
  for (const who of identities) expect(workers.map((w) => w.identity)).toContain(who);

  // Stopped: the stack and every copy it started.
  s.child.kill('SIGTERM');
  expect(await s.exited).toBe(0);
  expect(pids.filter(alive)).toEqual([]);
  await db.drop();
});

describe('a worker shutting down drains', () => {
  let app: TestApp;
  let server: http.Server;
  let base: string;
  /** Idempotency keys of the requests the slow endpoint got, and how many it answered. */
  const seen: string[] = [];
  let answered = 0;
  let native: NativeConnection;
  const workers: WorkerHandle[] = [];
  const copies: Copy[] = [];
  const bundle = () => ({ code: fs.readFileSync(harness().bundlePath, 'utf8') });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const key = String(req.headers['idempotency-key']);
      // Slow the first time a key comes, at once when it comes again (a retry).
      const again = seen.includes(key);
      seen.push(key);
      const ms = again ? 0 : Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0);
      const timer = setTimeout(() => {
        answered++;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }, ms);
      req.socket.once('close', () => clearTimeout(timer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    app = await startTestApp({ worker: false });
    native = await NativeConnection.connect({ address: app.config.temporal.address as string });
  });
  afterAll(async () => {
    for (const w of workers) await w.shutdown().catch(() => undefined);
    for (const c of copies) await c.stop();
    await native?.close();
    await app?.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const start = (grace: string) =>
    startWorker({
      identity: `drain-worker-${workers.length + 1}`,
      config: app.config,
      connection: native,
      deps: { prisma: app.prisma, pool: app.pool, logger: app.logger },
      bundle: bundle(),
      shutdownGraceTime: grace,
    }).then((w) => (workers.push(w), w));

  function define(name: string, ms: number) {
    const dir = path.join(app.config.workspaceDir, '.claude-flow', 'workflows');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, `${name}.yaml`),
      `name: ${name}\nsteps:\n  - id: call\n    http: {url: '${base}/slow?ms=${ms}', retries: 2, timeout: 5m}\n`,
    );
  }
  const runOf = (name: string) =>
    app.client.workflow.start('custom', {
      taskQueue: app.config.temporal.taskQueue,
      workflowId: `drain-${name}-${Date.now()}`,
      args: [{ name }],
    });
  async function requests(n: number) {
    const end = Date.now() + 30_000;
    while (seen.length < n) {
      if (Date.now() > end) throw new Error(`the endpoint got ${seen.length} of ${n} requests`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  /** The attempts of the run's HTTP call as its history has them: who started each, and which. */
  async function callStarts(h: Awaited<ReturnType<typeof runOf>>) {
    const events = (await h.fetchHistory()).events ?? [];
    const calls = new Set(
      events
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'customHttp')
        .map((e) => String(e.eventId)),
    );
    return events.flatMap((e) => {
      const s = e.activityTaskStartedEventAttributes;
      return s && calls.has(String(s.scheduledEventId)) ? [{ identity: s.identity, attempt: s.attempt }] : [];
    });
  }

  test('an activity that ends within the grace time finishes on the worker that is stopping', async () => {
    define('drain-short', 1500);
    const a = await start('20 seconds');
    const h = await runOf('drain-short');
    await requests(1);
    await a.shutdown(); // waits for the call in flight
    expect(answered).toBe(1);
    // Nothing else polls: the run is finished only if its activity completed on the stopping worker.
    const b = await start('1 second');
    await h.result();
    expect(await callStarts(h)).toEqual([{ identity: a.worker.options.identity, attempt: 1 }]);
    expect(seen).toHaveLength(1);
    await b.shutdown();
  });

  test('one that outlasts it is cancelled at the grace time and retried on another worker, with the same key', async () => {
    seen.length = 0;
    answered = 0;
    define('drain-long', 120_000);
    const a = await start('1 second');
    const h = await runOf('drain-long');
    await requests(1);
    // The other worker: its own process (one process runs one worker per task queue), as
    // `npm run worker` starts it.
    const b: Copy = startCopy(
      'worker-b',
      ENTRY.worker,
      {
        TEMPORAL_ADDRESS: app.config.temporal.address as string,
        DATABASE_URL: app.db.url,
        TEMPORAL_TASK_QUEUE: app.config.temporal.taskQueue,
        CLAUDE_FLOW_WORKSPACE: app.config.workspaceDir,
        CLAUDE_FLOW_DATA_DIR: app.config.dataDir,
        LOG_LEVEL: 'warn',
      },
      path.join(app.config.dataDir, 'worker-b.log'),
    );
    copies.push(b);
    const bIdentity = `${b.pid}@${os.hostname()}`;
    const end = Date.now() + 120_000;
    for (;;) {
      const q = await app.client.workflowService.describeTaskQueue({
        namespace: app.config.temporal.namespace,
        taskQueue: { name: app.config.temporal.taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      if (q.pollers?.some((p) => p.identity === bIdentity)) break;
      if (Date.now() > end) throw new Error(`worker-b never polled; see ${b.logFile}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await a.shutdown(); // cancels the call after its grace second; attempt 2 goes to b
    await h.result();
    // The history records the attempt that completed: the second, on the other worker.
    expect(await callStarts(h)).toEqual([{ identity: bIdentity, attempt: 2 }]);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    expect(answered).toBe(1);
  });
});
