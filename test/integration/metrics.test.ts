// Metrics as Prometheus scrapes them: `npm start` serves Claude Flow's own and the Temporal SDK's
// worker metrics together at /metrics, every metric the Grafana dashboard (ops/grafana/) queries is
// one of them, and `npm run worker` with WORKER_METRICS_PORT serves its own.
import fs from 'node:fs';
import path from 'node:path';
import { findProjectRoot } from '../../lib/config';
import { freePort } from '../../stack/temporal-server';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { sessionTurnThroughApi, startAppProcess, stopAll } from '../helpers/app-process';
import { eventually } from '../helpers/sessions';

jest.setTimeout(180_000);

let anthropic: FakeServer;
beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Measured.' });
});
afterAll(async () => {
  await stopAll();
  await anthropic?.close();
});

/** Metric names in Prometheus text: of samples (`name{labels} value`) and of families declared without one yet (`# TYPE name counter`). */
const exported = (text: string) =>
  new Set(
    text
      .split('\n')
      .filter((l) => l && (!l.startsWith('#') || l.startsWith('# TYPE ')))
      .map((l) => (l.startsWith('# TYPE ') ? (l.split(' ')[2] as string) : (l.split(/[{ ]/)[0] as string))),
  );

/** Every metric name the dashboard's queries and variables use, and the labels they group by. */
function dashboardQueries(): { metrics: string[]; groupings: [string, string][] } {
  const file = path.join(findProjectRoot(), 'ops', 'grafana', 'claude-flow.json');
  const text = fs.readFileSync(file, 'utf8');
  const dashboard = JSON.parse(text) as { panels: { targets?: { expr: string }[] }[] };
  const exprs = [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...[...text.matchAll(/label_values\(([a-z_:]+)/g)].map((m) => m[1] as string),
  ];
  const metrics = [...new Set(exprs.flatMap((e) => [...e.matchAll(/\b(?:cf|temporal)_[a-z0-9_]+/g)].map((m) => m[0])))];
  // `sum by (le, task_queue) (rate(temporal_x_bucket{...`: each label but le, with its metric.
  const groupings = exprs.flatMap((e) =>
    [...e.matchAll(/by \(([^)]*)\) \((?:rate\()?([a-z0-9_]+)/g)].flatMap((m) =>
      (m[1] as string)
        .split(',')
        .map((l) => l.trim())
        .filter((l) => l !== 'le')
        .map((l) => [m[2] as string, l] as [string, string]),
    ),
  );
  return { metrics, groupings };
}

const scrape = async (url: string) => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
};

test("npm start serves its own and the Temporal SDK's metrics at /metrics, and the dashboard queries only those", async () => {
  const app = await startAppProcess('stack/start.ts', {
    ANTHROPIC_API_KEY: 'k',
    ANTHROPIC_BASE_URL: anthropic.url,
    ANTHROPIC_MODEL: 'claude-haiku-4-5',
  });
  expect(await sessionTurnThroughApi(app, 'Count this')).toBe('Measured.');
  // The SDK records some of its metrics when the task completes, after the reply.
  const text = await eventually(
    () => scrape(`${app.url}/metrics`),
    (t) => t.includes('temporal_activity_execution_latency_seconds_bucket'),
  );
  const names = exported(text);
  for (const name of [
    'cf_http_request_duration_seconds_bucket',
    'cf_process_cpu_seconds_total',
    'temporal_workflow_task_schedule_to_start_latency_seconds_bucket',
    'temporal_workflow_task_execution_latency_seconds_bucket',
    'temporal_activity_schedule_to_start_latency_seconds_bucket',
    'temporal_sticky_cache_hit_total',
    'temporal_sticky_cache_size',
    'temporal_num_pollers',
  ]) {
    expect(names).toContain(name);
  }
  // Per task queue and type, as the dashboard groups them.
  expect(text).toMatch(/^temporal_activity_execution_latency_seconds_bucket\{[^}]*activity_type="sessionTurn"/m);

  const { metrics, groupings } = dashboardQueries();
  expect(metrics.length).toBeGreaterThanOrEqual(15);
  const histogram = (n: string) => names.has(`${n}_bucket`) && names.has(`${n}_count`);
  expect(metrics.filter((n) => !names.has(n) && !histogram(n))).toEqual([]);
  // Grouped by labels the metric has (Prometheus adds instance and job when it scrapes; a family
  // with no sample yet, like cf_live_dropped_total, shows none).
  const sampled = (metric: string) => new RegExp(`^${metric}(_bucket)?[{ ]`, 'm').test(text);
  const labelled = (metric: string, label: string) =>
    ['instance', 'job'].includes(label) ||
    !sampled(metric) ||
    new RegExp(`^${metric}\\{[^}]*\\b${label}="`, 'm').test(text);
  expect(groupings.length).toBeGreaterThanOrEqual(15);
  expect(groupings.filter(([m, l]) => !labelled(m, l))).toEqual([]);

  // The terminal shows readable lines; the log file keeps JSON.
  expect(app.output()).not.toMatch(/^\{"level"/m);
  expect(await app.stop()).toBe(0);
  const log = fs
    .readFileSync(path.join(app.dataDir, 'logs', 'claude-flow.log'), 'utf8')
    .trim()
    .split('\n');
  expect(log.length).toBeGreaterThan(0);
  for (const line of log) expect(JSON.parse(line)).toHaveProperty('level');
});

test('npm run worker serves /metrics on WORKER_METRICS_PORT, with the SDK’s pollers', async () => {
  const port = await freePort();
  const worker = await startAppProcess('workers/main.ts', { WORKER_METRICS_PORT: String(port) }, 'worker polling');
  const text = await eventually(
    () => scrape(`http://127.0.0.1:${port}/metrics`),
    (t) => t.includes('temporal_num_pollers'),
  );
  expect(text).toMatch(/^temporal_num_pollers\{[^}]*poller_type="workflow_task"/m);
  expect(text).toMatch(/^cf_process_cpu_seconds_total /m);
  expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  expect(await worker.stop()).toBe(0);
});
