// The analytics time series against real PostgreSQL and the real dev server with a worker: usage
// and sessions bucketed in SQL (rows written at known times into a past range), runs by outcome
// and failed runs by failure type from Temporal (real runs: a systemCheck, an aiTask the Anthropic
// fake refuses), perfMonitor targets from memory (two real runs against a local HTTP server, the
// second slow enough to regress), and the 400s that say what to choose instead.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createApp } from '../../api/app';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(90_000);

const api = '/api/claude-flow';
let app: TestApp;
let anthropic: FakeServer;
let target: http.Server;
let targetUrl: string;
let delayMs = 0;
const http_ = () => createApp({ ...app, temporal: app.client });

// A past range no other row of this database falls into.
const T0 = Date.parse('2026-03-02T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Fine.' });
  target = http.createServer((_req, res) => {
    setTimeout(() => res.writeHead(200).end('ok'), delayMs);
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/health`;
  app = await startTestApp({
    env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_MODEL: 'claude-haiku-4-5' },
  });
  const call = (
    key: string,
    provider: string,
    model: string,
    outcome: string,
    t: Date,
    tokens: number,
    cost: number | null,
    errorType?: string,
  ) =>
    app.pool.query(
      `INSERT INTO ai_call (call_key, attempt, task, provider, model, outcome, input_tokens, output_tokens, cost_usd,
                            error_type, error_message, created_at)
       VALUES ($1, 1, 'chat', $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [key, provider, model, outcome, tokens, tokens / 10, cost, errorType ?? null, errorType ? 'it broke' : null, t],
    );
  await call('a1', 'anthropic', 'claude-haiku-4-5', 'success', at(5), 100, 0.001);
  await call('a2', 'anthropic', 'claude-sonnet-4-5', 'success', at(20), 300, 0.004);
  await call('a3', 'anthropic', 'claude-haiku-4-5', 'failure', at(21), 0, null, 'AiRateLimited');
  await call('o1', 'openai', 'gpt-4.1-mini', 'success', at(70), 50, 0.0005);
  await call('s1', 'none', 'none', 'skipped', at(71), 0, null);
  await call('late', 'openai', 'gpt-4.1-mini', 'success', at(200), 990, 1); // after the range
  const session = (id: string, status: string, created: Date, minutes: number, ended: boolean) =>
    app.pool.query(
      `INSERT INTO session (id, title, owner, status, created_at, last_activity_at, ended_at)
       VALUES ($1, $1, 'alice', $2, $3, $4, $5)`,
      [
        id,
        status,
        created,
        new Date(created.getTime() + minutes * 60_000),
        ended ? new Date(created.getTime() + minutes * 60_000) : null,
      ],
    );
  await session('s-a', 'ended', at(1), 10, true);
  await session('s-b', 'ended', at(2), 30, true);
  await session('s-c', 'active', at(65), 5, false);
  await session('s-d', 'failed', at(66), 1, true);
});
afterAll(async () => {
  await app?.close();
  await anthropic?.close();
  target?.closeAllConnections();
  await new Promise((r) => target?.close(r));
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const RANGE = { from: at(0).toISOString(), to: at(120).toISOString() };

test('usage per hour by provider and by model: one point per bucket and key, totals, skipped and out-of-range rows left out', async () => {
  const res = await request(http_())
    .get(`${api}/analytics/usage/series`)
    .query({ ...RANGE, bucket: '1h' })
    .expect(200);
  expect(res.body).toMatchObject({
    bucket: '1h',
    bucketSeconds: 3600,
    buckets: [at(0).toISOString(), at(60).toISOString()],
  });
  expect(res.body.points).toEqual([
    {
      bucket: at(0).toISOString(),
      key: 'anthropic',
      calls: 3,
      failures: 1,
      inputTokens: 400,
      outputTokens: 40,
      costUsd: 0.005,
    },
    {
      bucket: at(60).toISOString(),
      key: 'openai',
      calls: 1,
      failures: 0,
      inputTokens: 50,
      outputTokens: 5,
      costUsd: 0.0005,
    },
  ]);
  expect(res.body.totals).toEqual({ calls: 4, failures: 1, inputTokens: 450, outputTokens: 45, costUsd: 0.0055 });
  expect(res.body.keys.map((k: { key: string }) => k.key)).toEqual(['anthropic', 'openai']);

  const byModel = await request(http_())
    .get(`${api}/analytics/usage/series`)
    .query({ ...RANGE, bucket: '15m', groupBy: 'model' })
    .expect(200);
  expect(byModel.body.buckets).toHaveLength(8);
  expect(
    byModel.body.points.map((p: { bucket: string; key: string; calls: number }) => [p.bucket, p.key, p.calls]),
  ).toEqual([
    [at(0).toISOString(), 'anthropic/claude-haiku-4-5', 1],
    [at(15).toISOString(), 'anthropic/claude-haiku-4-5', 1],
    [at(15).toISOString(), 'anthropic/claude-sonnet-4-5', 1],
    [at(60).toISOString(), 'openai/gpt-4.1-mini', 1],
  ]);
  // Without a bucket, the smallest that makes at most 200 points: 2 hours → 1m.
  const auto = await request(http_()).get(`${api}/analytics/usage/series`).query(RANGE).expect(200);
  expect(auto.body).toMatchObject({ bucket: '1m' });
  expect(auto.body.buckets).toHaveLength(120);
});

test('sessions by status per bucket with duration percentiles', async () => {
  const res = await request(http_())
    .get(`${api}/analytics/sessions`)
    .query({ ...RANGE, bucket: '1h' })
    .expect(200);
  expect(res.body.points).toEqual([
    {
      bucket: at(0).toISOString(),
      status: 'ended',
      sessions: 2,
      p50Ms: 20 * 60_000,
      p95Ms: 29 * 60_000,
      maxMs: 30 * 60_000,
    },
    {
      bucket: at(60).toISOString(),
      status: 'active',
      sessions: 1,
      p50Ms: 5 * 60_000,
      p95Ms: 5 * 60_000,
      maxMs: 5 * 60_000,
    },
    { bucket: at(60).toISOString(), status: 'failed', sessions: 1, p50Ms: 60_000, p95Ms: 60_000, maxMs: 60_000 },
  ]);
  expect(res.body.statuses.map((s: { status: string; sessions: number }) => [s.status, s.sessions])).toEqual([
    ['active', 1],
    ['ended', 2],
    ['failed', 1],
  ]);
  expect(res.body.totals).toMatchObject({ sessions: 4, maxMs: 30 * 60_000 });
});

test.each([
  [
    { ...RANGE, bucket: '1m', from: at(-60 * 24 * 30).toISOString() },
    /bucket: 1m over this range makes 43,3\d\d points \(at most 500\): choose 6h, 1d, or a shorter range/,
  ],
  [{ from: RANGE.to, to: RANGE.from }, /from .* must be before to/],
  [{ bucket: '2h' }, /bucket/],
  [{ from: 'yesterday' }, /from/],
  [{ groupBy: 'colour' }, /groupBy/],
  [{ from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, /longer than 400 days/],
])('bad usage series query %j is a 400 saying what to fix', async (query, detail) => {
  const res = await request(http_()).get(`${api}/analytics/usage/series`).query(query).expect(400);
  expect(res.headers['content-type']).toMatch(/problem\+json/);
  expect(res.body.detail).toMatch(detail);
});

test('runs by outcome, failed runs by failure type with the newest errors, and perfMonitor targets against their baseline', async () => {
  const since = new Date(Date.now() - 60_000).toISOString();
  const ok = await request(http_()).post(`${api}/workflows`).send({ type: 'systemCheck' }).expect(202);
  anthropic.script({ status: 401 });
  const bad = await request(http_())
    .post(`${api}/workflows`)
    .send({ type: 'aiTask', input: { messages: [{ role: 'user', content: 'hello' }] } })
    .expect(202);
  const series = await until('both runs to close', async () => {
    const res = await request(http_()).get(`${api}/analytics/workflows/series`).query({ from: since }).expect(200);
    return res.body.totals.completed >= 1 && res.body.totals.failed >= 1 ? res.body : undefined;
  });
  expect(series).toMatchObject({ runs: 2, truncated: false, runningNow: 0 });
  expect(series.points.map((p: { outcome: string; runs: number }) => [p.outcome, p.runs]).sort()).toEqual([
    ['completed', 1],
    ['failed', 1],
  ]);
  const byType = Object.fromEntries(series.types.map((t: { type: string }) => [t.type, t]));
  expect(byType.systemCheck).toMatchObject({
    runs: 1,
    completed: 1,
    p50Ms: expect.any(Number),
    p95Ms: expect.any(Number),
  });
  expect(byType.aiTask).toMatchObject({ runs: 1, failed: 1 });

  const errors = await request(http_()).get(`${api}/analytics/errors`).query({ from: since, recent: 5 }).expect(200);
  expect(errors.body.runs).toMatchObject({ total: 2, failed: 1, inspected: 1 });
  expect(errors.body.runs.types).toEqual([{ failureType: 'AiAuthFailed', runs: 1, rate: 0.5 }]);
  expect(errors.body.calls.types).toEqual([
    { provider: 'anthropic', errorType: 'AiAuthFailed', failures: 1, calls: 1, rate: 1 },
  ]);
  expect(errors.body.recent.map((e: { kind: string; workflowId: string }) => [e.kind, e.workflowId])).toEqual(
    expect.arrayContaining([
      ['run', bad.body.workflowId],
      ['call', bad.body.workflowId],
    ]),
  );
  expect(errors.body.recent[0].at >= errors.body.recent[1].at).toBe(true);
  expect(ok.body.workflowId).toBeDefined();

  // perfMonitor: the first run sets the baseline, the second (slower by far) regresses.
  const perf = async (ms: number) => {
    delayMs = ms;
    const started = await request(http_())
      .post(`${api}/workflows`)
      .send({
        type: 'perfMonitor',
        input: {
          endpoints: [{ name: 'health', url: targetUrl }],
          requests: 6,
          concurrency: 2,
          regressionThreshold: 0.5,
          minDeltaMs: 50,
        },
      })
      .expect(202);
    await until('the perf run to finish', async () => {
      const r = await request(http_()).get(`${api}/workflows/${started.body.workflowId}`).expect(200);
      return r.body.status === 'running' ? undefined : r.body;
    });
    return started.body.workflowId as string;
  };
  const first = await perf(5);
  const second = await perf(400);
  const res = await request(http_()).get(`${api}/analytics/perf`).query({ from: since }).expect(200);
  const health = res.body.targets.find((t: { name: string }) => t.name === 'health');
  expect(health.baseline).toMatchObject({ workflowId: first, p50Ms: expect.any(Number), p95Ms: expect.any(Number) });
  expect(health.runs.map((r: { workflowId: string; regressed: boolean }) => [r.workflowId, r.regressed])).toEqual([
    [first, false],
    [second, true],
  ]);
  expect(health.runs[1].p95Ms).toBeGreaterThanOrEqual(400);
  expect(health.regressions).toBe(1);
  // Before the runs, the target has its baseline and no runs.
  const before = await request(http_()).get(`${api}/analytics/perf`).query(RANGE).expect(200);
  expect(before.body.targets.find((t: { name: string }) => t.name === 'health')).toMatchObject({
    runs: [],
    regressions: 0,
  });
});
