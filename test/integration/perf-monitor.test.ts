// perfMonitor end to end: the real worker on the real dev server probes a real HTTP server on
// 127.0.0.1 with Node's fetch, keeps runs and the baseline in real Postgres memory, publishes to
// analytics, and on a regression opens one issue on the GitHub fake and POSTs a webhook.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createPerfActivities, type ProbeResult } from '../../activities/dev/perf-monitor';
import { MemoryStore } from '../../lib/memory';
import { perfMonitorDef } from '../../lib/workflow-types/perf-monitor';
import { perfMonitor } from '../../workflows';
import { progressQuery } from '../../workflows/dev/common';
import { type FakeGithub, type FakeRepo, startFakeGithub } from '../fakes/github';
import { type HttpFake, startHttpFake } from '../fakes/http-fake';
import { temporalTestLogger } from '../helpers/logs';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(60_000);

let app: TestApp;
let gh: FakeGithub;
let repo: FakeRepo;
let hook: HttpFake;
let target: http.Server;
let base: string;
/** Delay of the probed server's /api answers, ms. */
let delayMs = 0;
/** Status of /flaky answers: every third request fails with it. */
let flakyHits = 0;
let n = 0;

beforeAll(async () => {
  target = http.createServer((req, res) => {
    if (req.url === '/flaky') {
      flakyHits += 1;
      res.writeHead(flakyHits % 3 === 0 ? 503 : 200).end('x');
      return;
    }
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), delayMs);
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  gh = await startFakeGithub({ token: /^ghp_/ });
  repo = gh.addRepo('acme/api');
  hook = await startHttpFake(async ({ res, pathname }) => {
    res.writeHead(pathname === '/reject' ? 400 : 202).end();
  });
  app = await startTestApp({ env: { GITHUB_TOKEN: 'ghp_perf_test', GITHUB_API_URL: gh.url } });
});
afterAll(async () => {
  await app?.close();
  await gh?.close();
  await hook?.close();
  target?.closeAllConnections();
  await new Promise((r) => target?.close(r));
});

const memory = () => new MemoryStore(app.pool, app.config.memory, { embedder: null });

function run(input: unknown, workflowId = `perf-${++n}-${Date.now()}`) {
  return app.client.workflow.execute(perfMonitor, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    args: [input as any],
  });
}

test('first run sets the baseline, an unchanged run passes, a slow run opens one issue and posts the webhook', async () => {
  const input = {
    endpoints: [{ name: 'api-items', url: `${base}/items` }],
    requests: 20,
    concurrency: 4,
    // The machine is shared: scheduling noise at p95 has been seen above 150 ms on a loaded CI
    // machine, so the rule asks for 100 % and 600 ms more, which 100 ms answers never reach by
    // noise and 1,200 ms answers always break.
    regressionThreshold: 1,
    minDeltaMs: 600,
    alert: { github: { repo: 'acme/api' }, webhook: { url: `${hook.origin}/alerts` } },
  };

  delayMs = 100;
  const first = await run(input);
  expect(first.regressions).toEqual([]);
  expect(first.endpoints[0]).toMatchObject({ name: 'api-items', baselineSetBy: 'first-run' });
  expect(first.endpoints[0].current).toMatchObject({ requests: 20, ok: 20, errors: 0, errorRate: 0 });
  const lat = first.endpoints[0].current.latencyMs;
  expect(lat?.count).toBe(20);
  expect(lat!.min).toBeGreaterThanOrEqual(99);
  expect(lat!.p50).toBeLessThanOrEqual(lat!.p95);
  expect(lat!.p95).toBeLessThanOrEqual(lat!.p99);

  const mem = memory();
  const baseline = await mem.get('performance/api-items/', 'baseline');
  expect(baseline?.provenance.workflowId).toBeDefined();
  expect((baseline?.value as ProbeResult).latencyMs?.p95).toBe(lat!.p95);

  const second = await run(input);
  expect(second.regressions).toEqual([]);
  expect(second.endpoints[0].comparison).toMatchObject({ regressed: false, reasons: [] });
  expect(second.alert).toBeUndefined();
  expect(repo.issues).toHaveLength(0);
  expect(hook.requests).toHaveLength(0);

  delayMs = 1200;
  const slowId = `perf-slow-${Date.now()}`;
  const slow = await app.client.workflow.start(perfMonitor, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: slowId,
    args: [input],
  });
  const third = await slow.result();
  expect(third.regressions).toEqual(['api-items']);
  expect(third.endpoints[0].current.latencyMs!.p95).toBeGreaterThanOrEqual(1200);
  expect(third.endpoints[0].comparison?.reasons[0]).toMatch(/^p95 .* vs baseline/);
  expect(third.alert?.github).toMatchObject({ number: expect.any(Number), reused: false });
  expect(third.alert?.webhook).toEqual({ status: 202 });
  expect(repo.issues).toHaveLength(1);
  expect(repo.issues[0].title).toBe('Performance regression: api-items');
  expect(repo.issues[0].labels).toEqual(['performance']);
  expect(repo.issues[0].body).toContain(`<!-- claude-flow:${slowId}/perf-alert -->`);
  expect(repo.issues[0].body).toContain('| api-items |');
  expect(hook.requests).toHaveLength(1);
  expect(hook.requests[0].headers['idempotency-key']).toBe(slowId);
  expect(hook.requests[0].body).toMatchObject({
    type: 'perf.regression',
    workflowId: slowId,
    regressions: [{ name: 'api-items', url: `${base}/items` }],
  });

  // The baseline stays the first run's; latest and the run history hold the slow run.
  expect((await mem.get('performance/api-items/', 'baseline'))?.version).toBe(1);
  const latest = await mem.get('performance/api-items/', 'latest');
  expect(latest?.provenance.workflowId).toBe(slowId);
  expect(latest?.metadata).toMatchObject({ regressed: true });
  const runs = await mem.list({ namespace: 'performance/api-items/', tags: ['run'] });
  expect(runs.entries).toHaveLength(3);

  // One analytics event per run.
  const events = await app.pool.query<{ data: { workflowId: string; endpoints: { regressed: boolean }[] } }>(
    `SELECT data FROM live_event WHERE channel = 'analytics' AND type = 'perf' ORDER BY id`,
  );
  expect(events.rows).toHaveLength(3);
  expect(events.rows[2].data).toMatchObject({ workflowId: slowId, endpoints: [{ regressed: true }] });

  // The recorded history feeds the replay test; refresh it with CF_RECORD_HISTORIES=1.
  if (process.env.CF_RECORD_HISTORIES === '1') {
    fs.writeFileSync(
      path.join(__dirname, '..', 'histories', 'perf-monitor.json'),
      JSON.stringify({ workflowId: slowId, history: await slow.fetchHistory() }, null, 2),
    );
  }

  // baseline: "reset" makes the slow run the new baseline; nothing regresses, nothing is sent.
  const reset = await run({ ...input, baseline: 'reset' });
  expect(reset.endpoints[0].baselineSetBy).toBe('reset');
  expect(reset.regressions).toEqual([]);
  expect((await mem.get('performance/api-items/', 'baseline'))?.version).toBe(2);
  expect(repo.issues).toHaveLength(1);
  expect(hook.requests).toHaveLength(1);
});

test('errors count: unexpected statuses and refused connections raise the error rate', async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
  await new Promise((r) => closed.close(r));

  flakyHits = 0;
  const r = await run({
    endpoints: [
      { name: 'flaky', url: `${base}/flaky` },
      { name: 'dead', url: deadUrl },
      { name: 'teapot', url: `${base}/items`, method: 'POST', body: { a: 1 }, expectStatus: [201] },
    ],
    requests: 9,
    concurrency: 3,
  });
  const [flaky, dead, teapot] = r.endpoints.map((e) => e.current);
  expect(flaky).toMatchObject({ ok: 6, errors: 3, statuses: { '200': 6, '503': 3 } });
  expect(flaky.errorRate).toBeCloseTo(1 / 3, 3);
  expect(flaky.errorSamples).toEqual(['HTTP 503 (expected 2xx)']);
  expect(dead).toMatchObject({ ok: 0, errors: 9, errorRate: 1, statuses: { error: 9 } });
  expect(dead.latencyMs).toBeUndefined();
  expect(dead.errorSamples).toEqual(['ECONNREFUSED']);
  expect(teapot).toMatchObject({ ok: 0, errors: 9, statuses: { '200': 9 }, errorSamples: ['HTTP 200'] });
  // No alert target: a first run sets baselines and sends nothing.
  expect(r.regressions).toEqual([]);
});

test('bad input fails at once with a message saying what to fix', async () => {
  const bad = { endpoints: [{ name: 'has space', url: 'ftp://x' }], requests: 5000 };
  const parsed = perfMonitorDef.input.safeParse(bad);
  expect(parsed.success).toBe(false);
  const err = await run(bad).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const msg = String((err as WorkflowFailedError).cause?.message);
  expect(msg).toContain('Invalid perfMonitor input');
  expect(msg).toContain('endpoints.0.name: endpoint name must be');
  expect(msg).toContain('endpoints.0.url: url must be an absolute http:// or https:// URL');
  expect(msg).toContain('requests:');
  expect(
    perfMonitorDef.input.safeParse({ endpoints: [{ name: 'a', url: 'http://x/', method: 'GET', body: 'x' }] }).error
      ?.issues[0].message,
  ).toBe('a GET request cannot have a body; use POST');
  const dup = perfMonitorDef.input.safeParse({
    endpoints: [
      { name: 'a', url: 'http://x/' },
      { name: 'a', url: 'http://y/' },
    ],
  });
  expect(dup.error?.issues[0].message).toBe('endpoint name "a" is used twice');
});

test('recording a run again (an activity retry) writes and publishes nothing twice', async () => {
  const acts = createPerfActivities({
    config: app.config,
    prisma: app.prisma,
    pool: app.pool,
    logger: app.logger,
    memory: memory(),
    workerIdentity: 'test',
  });
  const result: ProbeResult = {
    name: 'retried',
    url: `${base}/items`,
    method: 'GET',
    requests: 1,
    ok: 1,
    errors: 0,
    errorRate: 0,
    latencyMs: { count: 1, min: 5, mean: 5, p50: 5, p95: 5, p99: 5, max: 5 },
    statuses: { '200': 1 },
    errorSamples: [],
    startedAt: new Date().toISOString(),
    durationMs: 5,
  };
  const input = {
    workflowId: 'perf-retried',
    results: [result],
    baseline: 'stored' as const,
    rule: { threshold: 0.2, minDeltaMs: 5 },
  };
  const once = await new MockActivityEnvironment(undefined, { logger: temporalTestLogger() }).run(
    acts.perfRecordRun,
    input,
  );
  const twice = await new MockActivityEnvironment({ attempt: 2 }, { logger: temporalTestLogger() }).run(
    acts.perfRecordRun,
    input,
  );
  expect(twice).toEqual(once);
  const mem = memory();
  for (const key of ['baseline', 'latest', 'runs/perf-retried']) {
    expect((await mem.get('performance/retried/', key))?.version).toBe(1);
  }
  const events = await app.pool.query(
    `SELECT 1 FROM live_event WHERE channel = 'analytics' AND data->>'workflowId' = 'perf-retried'`,
  );
  expect(events.rowCount).toBe(1);
});

test('an alert target that fails does not stop the other, and the run still returns its figures', async () => {
  const input = {
    endpoints: [{ name: 'alert-fail', url: `${base}/items` }],
    requests: 8,
    regressionThreshold: 1,
    minDeltaMs: 600,
    alert: { github: { repo: 'acme/missing' }, webhook: { url: `${hook.origin}/reject` } },
  };
  delayMs = 100;
  await run(input);
  delayMs = 1200;
  const id = `perf-alert-fail-${Date.now()}`;
  const r = await run(input, id);
  expect(r.regressions).toEqual(['alert-fail']);
  expect((r.alert?.github as { error: string }).error).toContain('acme/missing');
  expect((r.alert?.webhook as { error: string }).error).toBe(
    `alert webhook ${hook.origin}/reject answered HTTP 400; check the URL and what the receiver expects`,
  );
  // 400 is not retried: one POST.
  expect(hook.requests.filter((q) => q.path === '/reject')).toHaveLength(1);
  const step = (await app.client.workflow.getHandle(id).query(progressQuery)).steps.find((s) => s.name === 'alert');
  expect(step?.status).toBe('failed');
  expect(step?.detail).toMatch(/^GitHub issue failed: .*, webhook failed: /);
});
