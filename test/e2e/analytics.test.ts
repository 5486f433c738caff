// The Analytics view and the Overview's run counts in a real browser (Debian's chromium through
// playwright-core) against the real stack: the API on a port, Temporal, PostgreSQL, a worker, the
// Anthropic fake, and a local HTTP server for perfMonitor to probe. First real work: a session
// whose model call fails once (529) and then answers, an aiTask the fake refuses (401: a failed run
// and a failed call), an aiTask that answers, and two perfMonitor runs (the second slow enough to
// regress). Then the charts drawn from them: the canvas is there, the table alternatives hold the
// numbers those runs made, the range changes (presets, a custom from–to, a bucket too small), the
// CSV export matches the API, a new model call shows up live, and the Overview counts the runs.
// Screenshots (.data/screenshots/analytics*.png, overview.png) and axe audits.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { startApi, type ApiServer } from '../../api/server';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { launchChromium } from '../helpers/browser';
import { look, SHOTS, until } from '../helpers/e2e';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');
const A = '/api/claude-flow';

let anthropic: FakeServer;
let target: http.Server;
let targetUrl: string;
let delayMs = 0;
let app: TestApp;
let open: ApiServer;
let browser: Browser;
let failedRun: string;
let sessionId: string;

async function call<T>(method: string, p: string, body?: unknown, status?: number): Promise<T> {
  const res = await fetch(`${open.url}${A}${p}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json()) as T;
  if (status !== undefined) expect({ p, status: res.status }).toEqual({ p, status });
  return data;
}

async function finished(workflowId: string): Promise<string> {
  let status = 'running';
  await until(async () => {
    status = (await call<{ status: string }>('GET', `/workflows/${workflowId}`)).status;
    return status !== 'running';
  }, 60_000);
  return status;
}

async function startRun(type: string, input: unknown): Promise<string> {
  return (await call<{ workflowId: string }>('POST', '/workflows', { type, input }, 202)).workflowId;
}

const perfInput = () => ({
  endpoints: [{ name: 'home', url: targetUrl }],
  requests: 6,
  concurrency: 2,
  regressionThreshold: 0.5,
  minDeltaMs: 50,
});

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'web', 'build.mjs')], { stdio: 'pipe' });
  fs.mkdirSync(SHOTS, { recursive: true });
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Sure.' });
  target = http.createServer((_req, res) => {
    setTimeout(() => res.writeHead(200).end('ok'), delayMs);
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
  app = await startTestApp({
    env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_MODEL: 'claude-haiku-4-5' },
  });
  open = await startApi({
    ...app,
    temporal: app.client,
    config: { ...app.config, api: { ...app.config.api, host: '127.0.0.1', port: 0, apiKey: undefined } },
  });
  browser = await launchChromium();

  // A session: its model call is overloaded once (a failed call), then answers with known usage.
  sessionId = (await call<{ sessionId: string }>('POST', '/sessions', { title: 'Analytics session' }, 201)).sessionId;
  anthropic.script({ status: 529 }, { reply: 'All set.', usage: { input: 1200, output: 300 } });
  await call('POST', `/sessions/${sessionId}/messages`, { text: 'Set it up', stream: false });
  // A run the provider refuses (401: a failed call and a failed run), and one that answers.
  anthropic.script({ status: 401 });
  failedRun = await startRun('aiTask', { messages: [{ role: 'user', content: 'refused' }] });
  expect(await finished(failedRun)).toBe('failed');
  anthropic.script({ reply: 'Done.', usage: { input: 500, output: 50 } });
  expect(await finished(await startRun('aiTask', { messages: [{ role: 'user', content: 'fine' }] }))).toBe('completed');
  // perfMonitor: a fast run sets the baseline, a slow one regresses against it.
  delayMs = 5;
  expect(await finished(await startRun('perfMonitor', perfInput()))).toBe('completed');
  delayMs = 400;
  expect(await finished(await startRun('perfMonitor', perfInput()))).toBe('completed');
}, 15 * 60_000);
afterAll(async () => {
  await browser?.close();
  await open?.close();
  await app?.close();
  await anthropic?.close();
  target?.closeAllConnections();
  await new Promise((r) => target?.close(r));
});

/** The rows of a table as arrays of cell texts (header row first). */
async function rows(table: Locator): Promise<string[][]> {
  return table
    .locator('tr')
    .evaluateAll((trs) =>
      trs.map((tr) =>
        Array.from((tr as unknown as { cells: ArrayLike<{ textContent: string }> }).cells, (c) => c.textContent.trim()),
      ),
    );
}

const n = (s: string) => Number(s.replace(/[,$]/g, ''));

interface UsageSeries {
  points: { bucket: string; key: string; inputTokens: number; outputTokens: number }[];
  totals: { inputTokens: number; outputTokens: number; calls: number; failures: number };
}

test('the charts, their tables and CSV show what the runs did; the range changes; a new call shows up live', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));

  await page.goto(`${open.url}/`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
  await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Last hour' }).click();
  expect(new URL(page.url()).searchParams.get('range')).toBe('1h');
  await page.getByText(/in buckets of 1 minute \(6\d points\)/).waitFor();

  // Tokens and cost: the totals and the table by provider hold the usage the fake reported.
  const usage = page.getByTestId('section-usage');
  await usage.getByTestId('usage-keys').waitFor();
  const keys = await rows(usage.getByTestId('usage-keys'));
  const anth = keys.find((r) => r[0] === 'anthropic')!;
  // Calls: the session's two attempts and the two aiTasks; two failed (529, 401).
  expect(anth.slice(1, 5).map(n)).toEqual([4, 2, 1700, 350]);
  await expect(usage.locator('canvas').count()).resolves.toBeGreaterThanOrEqual(2);
  await usage.getByText('Table of Tokens by provider').click();
  const tokenTable = usage.getByTestId('chart-table').first();
  await tokenTable.waitFor();
  const tokenRows = (await rows(tokenTable)).slice(1);
  expect(tokenRows.reduce((sum, r) => sum + n(r[1]), 0)).toBe(2050);

  // Export CSV: exactly the chart's numbers, the same as the API's points.
  const saving = page.waitForEvent('download');
  await usage.getByRole('button', { name: 'Export CSV of Tokens by provider' }).click();
  const download = await saving;
  expect(download.suggestedFilename()).toBe('tokens-by-provider.csv');
  const csv = fs
    .readFileSync((await download.path())!, 'utf8')
    .trim()
    .split('\r\n');
  expect(csv[0]).toBe('Bucket start,anthropic');
  expect(csv.length - 1).toBe(tokenRows.length);
  const fromCsv = csv
    .slice(1)
    .map((line) => line.split(','))
    .filter(([, v]) => Number(v) > 0)
    .map(([b, v]) => `${b}=${v}`);
  const now = Date.now();
  const api = await call<UsageSeries>(
    'GET',
    `/analytics/usage/series?from=${new Date(now - 3600_000).toISOString()}&to=${new Date(now).toISOString()}&bucket=1m`,
  );
  expect(fromCsv).toEqual(api.points.map((p) => `${p.bucket}=${p.inputTokens + p.outputTokens}`));

  // Workflow runs by type, with duration percentiles.
  const runs = page.getByTestId('section-runs');
  await runs.getByTestId('run-types').waitFor();
  const types = await rows(runs.getByTestId('run-types'));
  expect(types.find((r) => r[0] === 'aiTask')?.slice(1, 5)).toEqual(['2', '1', '1', '0']);
  expect(types.find((r) => r[0] === 'perfMonitor')?.slice(1, 5)).toEqual(['2', '2', '0', '0']);
  expect(types.find((r) => r[0] === 'perfMonitor')?.[5]).toMatch(/\d+(\.\d)? (ms|s)$/);
  await expect(runs.locator('canvas').count()).resolves.toBe(2);
  await runs.getByText('Table of Workflow runs by outcome').click();
  const outcomes = await rows(runs.getByTestId('chart-table').first());
  expect(outcomes[0]).toEqual(['Bucket start', 'completed', 'failed']);
  expect(outcomes.slice(1).reduce((s, r) => [s[0] + n(r[1]), s[1] + n(r[2])], [0, 0])).toEqual([3, 1]);

  // Sessions by status.
  const sessions = page.getByTestId('section-sessions');
  const statuses = await rows(sessions.getByTestId('session-statuses'));
  expect(statuses.find((r) => r[0] === 'active')?.[1]).toBe('1');

  // Errors by type: the refused calls and the failed run, and the newest errors linking to them.
  const errors = page.getByTestId('section-errors');
  const errorTypes = await rows(errors.getByTestId('error-types'));
  expect(errorTypes).toEqual(
    expect.arrayContaining([
      ['anthropic calls', 'AiAuthFailed', '1', '25.0% of 4'],
      ['anthropic calls', 'AiProviderUnavailable', '1', '25.0% of 4'],
      ['Runs', 'AiAuthFailed', '1', expect.stringMatching(/^25\.0% of 4$/)],
    ]),
  );
  await errors
    .getByTestId('recent-errors')
    .getByRole('link', { name: `aiTask ${failedRun}` })
    .waitFor();
  await errors
    .getByTestId('recent-errors')
    .getByRole('link', { name: `session ${sessionId.slice(0, 8)}` })
    .waitFor();

  // The perf target: two runs against the baseline, the second marked as a regression.
  const perf = page.getByTestId('perf-target').filter({ hasText: 'home' });
  await perf.getByText('1 regression').waitFor();
  await perf.getByText('Table of home: latency against its baseline').click();
  const perfRows = await rows(perf.getByTestId('chart-table'));
  expect(perfRows[0]).toEqual(['Run at', 'Run', 'p50', 'p95', 'baseline p50', 'baseline p95', 'regressed (p95)']);
  expect(perfRows).toHaveLength(3);
  expect(perfRows[1][6]).toBe('—');
  expect(perfRows[2][1]).toMatch(/\(regressed\)$/);
  expect(perfRows[2][6]).toBe(perfRows[2][3]);
  expect(perfRows[2][4]).toBe(perfRows[1][2]); // the first run is the baseline
  await expect(perf.locator('canvas').count()).resolves.toBe(1);
  await look(page, 'analytics');

  // Live: a new model call moves the totals without a reload.
  anthropic.script({ reply: 'Again.', usage: { input: 100, output: 10 } });
  expect(await finished(await startRun('aiTask', { messages: [{ role: 'user', content: 'more' }] }))).toBe('completed');
  await until(async () => {
    const r = await rows(usage.getByTestId('usage-keys'));
    return r.find((x) => x[0] === 'anthropic')?.[3] === '1,800';
  });

  // Other ranges: 7 days in hours; a custom range with nothing in it; a bucket too small for it.
  await page.getByRole('button', { name: 'Last 7 days' }).click();
  await page.getByText(/in buckets of 1 hour \(16\d points\)/).waitFor();
  await page.getByLabel('From', { exact: true }).fill('2026-01-05T10:00');
  await page.getByLabel('To', { exact: true }).fill('2026-01-05T09:00');
  await page.getByRole('button', { name: 'Show this range' }).click();
  await page.getByRole('alert').filter({ hasText: 'From must be before To' }).waitFor();
  await page.getByLabel('To', { exact: true }).fill('2026-01-06T10:00');
  await page.getByRole('button', { name: 'Show this range' }).click();
  await page.getByText(/in buckets of 15 minutes \(96 points\)/).waitFor();
  await usage.getByText('No model calls in this range.').first().waitFor();
  expect(new URL(page.url()).searchParams.get('range')).toBe('custom');
  await page.getByRole('button', { name: 'Last 30 days' }).click();
  await page.getByLabel('Bucket').selectOption('1m');
  await usage
    .getByRole('alert')
    .filter({ hasText: /bucket: 1m over this range makes 43,2\d\d points \(at most 500\): choose 6h, 1d/ })
    .waitFor();
  await page.getByLabel('Bucket').selectOption('');
  await page.getByText(/in buckets of 6 hours/).waitFor();

  // A phone: one column, nothing cut off sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Last hour' }).click();
  await usage.getByTestId('usage-keys').waitFor();
  const overflow = await page.evaluate(() => {
    const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return w.document.documentElement.scrollWidth - w.innerWidth;
  });
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(SHOTS, 'analytics-phone.png'), fullPage: true });
  // Screen-sized views to look at: the top, and the errors.
  await page.screenshot({ path: path.join(SHOTS, 'analytics-phone-top.png') });
  await errors.getByTestId('error-types').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'analytics-phone-errors.png') });
  // The browser logs the four 400s of the too-small bucket (each section's query): nothing else.
  expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
  expect(problems).toHaveLength(4);
  await context.close();
});

test('dark theme: the charts are drawn in the dark colours and pass the audit', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  await page.goto(`${open.url}/analytics?range=1h`);
  await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
  expect(problems).toEqual([]);
  await page.getByTestId('usage-keys').waitFor();
  await page.getByTestId('perf-target').getByText('1 regression').waitFor();
  await look(page, 'analytics-dark');
  await context.close();
});

test('the Overview counts running and failed runs today and lists the recent errors', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${open.url}/`);
  const failed = page.getByRole('region', { name: 'Failed runs today' });
  await failed.getByText('1', { exact: true }).waitFor();
  await failed.getByText('of 5 started today').waitFor();
  await page.getByRole('region', { name: 'Runs running' }).getByText('0', { exact: true }).waitFor();
  const recent = page.getByRole('region', { name: 'Recent errors' });
  await recent.getByRole('link', { name: `aiTask ${failedRun}` }).waitFor();
  await recent.getByText('AiProviderUnavailable').waitFor();
  // Tokens today: the session's and the three aiTasks' usage.
  await page.getByRole('region', { name: 'Tokens today' }).getByText('2,160').waitFor();
  await look(page, 'overview-with-runs');
  await context.close();
});
