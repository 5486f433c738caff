// The dashboard's Workflows view in a real browser (Debian's chromium through playwright-core)
// against the real stack: API on a port, Temporal dev server, PostgreSQL, a worker, the Anthropic
// fake as the review's AI. Start a code review of a git repository built here from the generated
// start form (a bad path first: the API's 400 beside the field), watch its steps, sort and filter its
// findings, download its report; start a deployPrep and answer its approval from the run page; cancel
// a run; see a run started elsewhere appear live in the list; create, pause, trigger and backfill a
// schedule; a viewer finds no start, cancel, approve or schedule control (and the API refuses one).
// Each view gets a screenshot in .data/screenshots/ and an axe-core audit.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startApi, type ApiServer } from '../../api/server';
import { startFakeAnthropic } from '../fakes/anthropic';
import { sendJson, startHttpFake, type FakeServer, type HttpFake } from '../fakes/http-fake';
import { launchChromium } from '../helpers/browser';
import { look, SHOTS, until } from '../helpers/e2e';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');
const ADMIN_KEY = 'e2e-admin-key-workflows-0123456789';
const TEMPORAL_UI = 'http://127.0.0.1:65531';

let anthropic: FakeServer;
let app: TestApp;
let open: ApiServer;
let keyed: ApiServer;
let browser: Browser;
let hook: HttpFake;
let hookCalls = 0;
let reviewId: string | undefined;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-e2e-workflows-'));
/** The workspace with the custom workflow definitions: one that runs, one that is broken. */
const workspace = path.join(tmp, 'workspace');
const GREET = `name: greet
description: Says hello
inputs:
  who: { type: string, required: true, description: Whom to greet }
  times: { type: number, default: 2, description: How many times }
steps:
  - id: hello
    shell: { command: echo, args: ['hello \${{ inputs.who }}'] }
`;

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'web', 'build.mjs')], { stdio: 'pipe' });
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.mkdirSync(path.join(workspace, '.claude-flow', 'workflows'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.claude-flow', 'workflows', 'greet.yaml'), GREET);
  fs.writeFileSync(path.join(workspace, '.claude-flow', 'workflows', 'broken.yaml'), 'name: broken\nsteps: 3\n');
  hook = await startHttpFake(async ({ res }) => {
    hookCalls++;
    sendJson(res, 200, { received: true }, {});
  });
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: '{"findings": []}' });
  app = await startTestApp({
    env: {
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
      TEMPORAL_UI_URL: TEMPORAL_UI,
      CLAUDE_FLOW_WORKSPACE: workspace,
    },
  });
  const on = (apiKey: string | undefined) => ({
    ...app,
    temporal: app.client,
    config: { ...app.config, api: { ...app.config.api, host: '127.0.0.1', port: 0, apiKey } },
  });
  open = await startApi(on(undefined));
  keyed = await startApi(on(ADMIN_KEY));
  browser = await launchChromium();
}, 15 * 60_000);
afterAll(async () => {
  await browser?.close();
  await keyed?.close();
  await open?.close();
  await app?.close();
  await anthropic?.close();
  await hook?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Also at phone width: nothing cut off sideways. */
async function lookOnPhone(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SHOTS, `${name}-phone.png`), fullPage: true });
  // What sticks out past the right edge (none should; wide tables and code scroll in their own box).
  const wide = await page.evaluate(() => {
    type El = {
      tagName: string;
      className: string;
      parentElement: { closest(s: string): unknown } | null;
      getBoundingClientRect(): { right: number };
    };
    const d = (globalThis as unknown as { document: { querySelectorAll(s: string): El[] }; innerWidth: number })
      .document;
    const w = (globalThis as unknown as { innerWidth: number }).innerWidth;
    return [...d.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > w + 1 && !e.parentElement?.closest('.scroll, pre'))
      .slice(0, 6)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`);
  });
  expect(wide).toEqual([]);
  const overflow = await page.evaluate(() => {
    const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return w.document.documentElement.scrollWidth - w.innerWidth;
  });
  expect(overflow).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 800 });
}

function git(cwd: string, ...args: string[]) {
  execFileSync('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  });
}

const APP_V2 = `const express = require('express');
const app = express();

app.post('/calc', (req, res) => {
  res.send(String(eval(req.body.expr)));
});

app.get('/user', (req, res) => {
  db.query("SELECT * FROM users WHERE id = " + req.query.id);
});

module.exports = app;
`;
const lineOf = (needle: string) => APP_V2.split('\n').findIndex((l) => l.includes(needle)) + 1;

/** main: one commit; feature: an eval of request data and SQL built by concatenation. */
function reviewRepo(): string {
  const repo = path.join(tmp, 'shop');
  fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'src/app.js'), "const express = require('express');\nmodule.exports = express();\n");
  fs.writeFileSync(path.join(repo, '.gitignore'), '.claude-flow/reports/\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'first');
  git(repo, 'checkout', '-q', '-b', 'feature');
  fs.writeFileSync(path.join(repo, 'src/app.js'), APP_V2);
  git(repo, 'commit', '-q', '-am', 'calc and user endpoints');
  return repo;
}

function releaseRepo(name: string): string {
  const repo = path.join(tmp, name);
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'a.txt'), 'a');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'feat: first version');
  git(repo, 'tag', 'v1.0.0');
  fs.writeFileSync(path.join(repo, 'b.txt'), 'b');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'feat(api): tokens');
  return repo;
}

const problemsOf = (page: Page) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // The bad start's 400 is logged by the browser as a failed request: that one is expected.
  page.on('console', (m) => m.type() === 'error' && !/\b400\b/.test(m.text()) && problems.push(m.text()));
  return problems;
};

test('a code review from the start form: field error, live steps, findings sorted and filtered, a report downloaded', async () => {
  const repo = reviewRepo();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = problemsOf(page);
  await page.goto(open.url);
  await page.getByRole('link', { name: 'Workflows' }).click();
  await page.getByRole('heading', { name: 'Workflows', exact: true }).waitFor();
  await page.getByLabel('Workflow type').selectOption('codeReview');
  const form = page.getByRole('form', { name: 'Start codeReview' });
  // Defaults are filled in, descriptions are hints.
  await expect(form.locator('#start-codeReview-maxConcurrency').inputValue()).resolves.toBe('4');
  await expect(form.locator('#start-codeReview-post').isChecked()).resolves.toBe(true);
  await form.getByText('Local mode: an absolute path inside a git repository').waitFor();

  // A relative path: the API's 400 shows beside the path field.
  await form.locator('#start-codeReview-path').fill('shop/src');
  await form.getByRole('button', { name: 'Start codeReview' }).click();
  const err = form.locator('#start-codeReview-path-err');
  await err.filter({ hasText: 'path must be an absolute path' }).waitFor();
  await expect(form.locator('#start-codeReview-path').getAttribute('aria-invalid')).resolves.toBe('true');
  await look(page, 'workflows-start-error');

  // The AI answers after a moment, so the steps before it are seen finishing first.
  anthropic.script({
    delayMs: 2500,
    reply: JSON.stringify({
      findings: [
        { path: 'src/app.js', line: lineOf('db.query'), severity: 'low', message: 'The handler never answers' },
      ],
    }),
  });
  await form.locator('#start-codeReview-path').fill(repo);
  await form.getByRole('button', { name: 'Start codeReview' }).click();
  await page.waitForURL(/\/workflows\/runs\/codeReview-/);
  reviewId = decodeURIComponent(page.url().split('/workflows/runs/')[1]);
  await page.getByRole('heading', { name: reviewId }).waitFor();
  const step = (name: string) => page.getByTestId('step').filter({ hasText: name });
  await until(async () => (await step('ai-review').getAttribute('data-status')) === 'running');
  await expect(step('collect').getAttribute('data-status')).resolves.toBe('done');
  await expect(step('memory').getAttribute('data-status')).resolves.toBe('pending');
  await page.getByText('completed', { exact: true }).first().waitFor({ timeout: 30_000 });
  await until(async () => (await step('memory').getAttribute('data-status')) === 'done');

  // Findings: sorted by severity (most severe first), then by rule; filtered.
  const rows = page.getByTestId('finding');
  await rows.first().waitFor();
  const RANK = ['critical', 'high', 'medium', 'low', 'info'];
  const severities = (await rows.locator('td:first-child').allTextContents()).map((s) => RANK.indexOf(s));
  expect(severities).toEqual([...severities].sort((a, b) => a - b));
  expect(severities.at(-1)).toBe(RANK.indexOf('low'));
  const rules = async () => rows.locator('td:nth-child(2)').allTextContents();
  expect(await rules()).toEqual(expect.arrayContaining(['risky/eval', 'risky/sql-concatenation', 'ai/review']));
  await page.getByRole('button', { name: 'Rule' }).click();
  const ascending = await rules();
  expect(ascending).toEqual([...ascending].sort((a, b) => a.localeCompare(b)));
  await page.getByRole('button', { name: /^Rule/ }).click();
  expect(await rules()).toEqual([...ascending].reverse());
  await expect(page.getByRole('columnheader', { name: /Rule/ }).getAttribute('aria-sort')).resolves.toBe('descending');
  await page.getByLabel('Severity').selectOption('low');
  await until(async () => (await rules()).join() === 'ai/review');
  await expect(rows.locator('td:nth-child(3)').textContent()).resolves.toBe(`src/app.js:${lineOf('db.query')}`);
  await page.getByLabel('Severity').selectOption('');
  await page.getByLabel('Rule contains').fill('risky/');
  await until(async () => (await rules()).every((r) => r.startsWith('risky/')) && (await rules()).length >= 2);
  await page.getByLabel('Rule contains').fill('');

  // The Temporal Web UI link, and the Markdown report downloaded.
  await expect(page.getByRole('link', { name: 'Open in the Temporal Web UI' }).getAttribute('href')).resolves.toMatch(
    new RegExp(`^${TEMPORAL_UI}/namespaces/default/workflows/${reviewId}/[0-9a-f-]+/history$`),
  );
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download Markdown' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`review-${reviewId}.md`);
  const md = fs.readFileSync((await download.path()) as string, 'utf8');
  expect(md).toContain('risky/eval');
  await look(page, 'workflow-run');
  await lookOnPhone(page, 'workflow-run');
  expect(problems).toEqual([]);
  await context.close();
});

test('deployPrep asks for approval and continues when it is approved from the run page; another run is cancelled', async () => {
  const repo = releaseRepo('widgets');
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = problemsOf(page);
  await page.goto(`${open.url}/workflows?start=deployPrep`);
  const form = page.getByRole('form', { name: 'Start deployPrep' });
  await form.locator('#start-deployPrep-path').fill(repo);
  await form.locator('#start-deployPrep-aiNotes').uncheck();
  // A nested field: the release goes to a webhook once approved.
  await form.locator('#start-deployPrep-release-webhook-url').fill(`${hook.origin}/release`);
  await form.getByRole('button', { name: 'Start deployPrep' }).click();
  await page.waitForURL(/\/workflows\/runs\/deployPrep-/);
  const approval = page.getByTestId('approval');
  await approval.waitFor({ timeout: 30_000 });
  // Its details (the release notes) rendered as Markdown.
  await approval.getByRole('heading', { level: 3, name: /^v1\.1\.0/ }).waitFor();
  await approval.locator('strong', { hasText: 'api:' }).waitFor();
  await look(page, 'workflow-run-approval');
  await approval.getByLabel('Comment').fill('Ship it');
  await approval.getByRole('button', { name: 'Approve' }).click();
  await approval.waitFor({ state: 'detached' });
  await page.getByText('completed', { exact: true }).first().waitFor({ timeout: 30_000 });
  const id = decodeURIComponent(page.url().split('/workflows/runs/')[1]);
  const run = (await (await fetch(`${open.url}/api/claude-flow/workflows/${id}`)).json()) as {
    result: { approval: { outcome: string; decidedBy: string; comment?: string } };
  };
  expect(run.result.approval).toMatchObject({ outcome: 'approved', comment: 'Ship it' });
  expect(hookCalls).toBe(1);

  // Run again with the same input: a new run, waiting for its own approval; cancelled from its page.
  await page.getByRole('button', { name: 'Run again', exact: true }).click();
  await until(async () => !page.url().endsWith(encodeURIComponent(id)) && page.url().includes('/workflows/runs/'));
  await page.getByTestId('approval').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.getByText('cancelled', { exact: true }).first().waitFor({ timeout: 30_000 });
  await page.getByRole('alert').filter({ hasText: 'The run was cancelled' }).waitFor();
  await expect(page.getByRole('button', { name: 'Cancel run' }).count()).resolves.toBe(0);

  // Edit the input and run again: the form opens filled with this run's input.
  await page.getByRole('button', { name: 'Edit input and run again' }).click();
  const again = page.getByRole('form', { name: 'Start deployPrep' });
  await expect(again.locator('#start-deployPrep-path').inputValue()).resolves.toBe(repo);
  await expect(again.locator('#start-deployPrep-aiNotes').isChecked()).resolves.toBe(false);
  // Edited: release 2.0.0 instead of the computed version; then terminated (admin) with a reason.
  await again.locator('#start-deployPrep-version').fill('2.0.0');
  await again.getByRole('button', { name: 'Start deployPrep' }).click();
  await page.waitForURL(/\/workflows\/runs\/deployPrep-/);
  await page.getByTestId('approval').filter({ hasText: '2.0.0' }).waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Terminate…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Terminate this run?' });
  await dialog.getByLabel(/Reason/).fill('wrong version');
  await dialog.getByRole('button', { name: 'Terminate' }).click();
  await page.getByText('terminated', { exact: true }).first().waitFor({ timeout: 30_000 });
  await expect(page.getByTestId('approval').count()).resolves.toBe(0);
  expect(problems).toEqual([]);
  await context.close();
});

test("a custom workflow: chosen from this host's definitions, its declared inputs as fields, the missing one named", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = problemsOf(page);
  await page.goto(`${open.url}/workflows?start=custom`);
  const form = page.getByRole('form', { name: 'Start custom' });
  // The broken definition is listed with its problem, and is not offered.
  await form.getByRole('status').filter({ hasText: 'broken' }).waitFor();
  await expect(form.locator('#start-custom-name option').allTextContents()).resolves.toEqual(['—', 'greet']);
  await form.locator('#start-custom-name').selectOption('greet');
  await expect(form.locator('#start-custom-inputs-times').inputValue()).resolves.toBe('2');
  await form.getByText('Whom to greet').waitFor();
  await form.getByRole('button', { name: 'Start custom' }).click();
  await form.locator('#start-custom-inputs-who-err').filter({ hasText: 'required by workflow "greet"' }).waitFor();
  await look(page, 'workflows-custom');
  await form.locator('#start-custom-inputs-who').fill('world');
  await form.getByRole('button', { name: 'Start custom' }).click();
  await page.waitForURL(/\/workflows\/runs\/custom-/);
  await page.getByText('completed', { exact: true }).first().waitFor({ timeout: 30_000 });
  await page.getByTestId('step').filter({ hasText: 'hello' }).first().waitFor();
  await page.getByText('"who": "world"').first().waitFor();
  expect(problems).toEqual([]);
  await context.close();
});

test('the runs list follows runs started elsewhere, live; schedules are created, paused, triggered and backfilled', async () => {
  const repo = releaseRepo('gadgets');
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = problemsOf(page);
  await page.goto(`${open.url}/workflows`);
  await page.getByTestId('run-row').first().waitFor();
  const started = await fetch(`${open.url}/api/claude-flow/workflows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'deployPrep', input: { path: repo, aiNotes: false, dryRun: true } }),
  });
  const { workflowId } = (await started.json()) as { workflowId: string };
  const row = page.getByTestId('run-row').filter({ hasText: workflowId });
  await row.waitFor();
  await row.getByText('completed').waitFor({ timeout: 30_000 });
  await page.getByLabel('Status').selectOption('cancelled');
  await page.getByTestId('run-row').first().filter({ hasText: 'cancelled' }).waitFor();
  await page.getByLabel('Status').selectOption('');
  await look(page, 'workflows');
  await lookOnPhone(page, 'workflows');

  await page.getByRole('link', { name: 'Schedules' }).click();
  await page.getByRole('heading', { name: 'Create a schedule' }).waitFor();
  const form = page.getByRole('form', { name: 'Create a schedule' });
  await form.getByLabel('Name').fill('nightly-notes');
  await form.getByLabel('Workflow type').selectOption('deployPrep');
  await form.locator('#sch-spec').fill('every day');
  await form.locator('#sch-deployPrep-path').fill(repo);
  await form.locator('#sch-deployPrep-dryRun').check();
  await form.locator('#sch-deployPrep-aiNotes').uncheck();
  await form.getByRole('button', { name: 'Create schedule' }).click();
  await form.locator('#sch-spec-err').filter({ hasText: 'an interval such as' }).waitFor();
  await form.locator('#sch-spec').fill('1h');
  await form.getByRole('button', { name: 'Create schedule' }).click();
  const sched = page.getByTestId('schedule-row').filter({ hasText: 'nightly-notes' });
  await sched.waitFor();
  await sched.getByText('every 1h').waitFor();
  await sched.getByRole('listitem').first().waitFor(); // next run times

  await sched.getByRole('button', { name: 'Pause nightly-notes' }).click();
  await sched.getByText('paused', { exact: true }).first().waitFor();
  await sched.getByRole('button', { name: 'Unpause nightly-notes' }).click();
  await sched.getByRole('button', { name: 'Pause nightly-notes' }).waitFor();
  await sched.getByRole('button', { name: 'Run now nightly-notes' }).click();
  await sched.getByRole('status').filter({ hasText: 'Started a run' }).waitFor();
  // The triggered run's first step announces it on `workflows`: its last-run time fills in.
  await until(async () => !/^—$/.test(((await sched.locator('td').nth(5).textContent()) ?? '').trim()));

  await sched.getByRole('button', { name: 'Backfill… nightly-notes' }).click();
  const backfill = page.getByRole('form', { name: 'Backfill nightly-notes' });
  await backfill.getByRole('button', { name: 'Backfill' }).click();
  await backfill.getByRole('status').filter({ hasText: 'Backfill requested' }).waitFor();
  await look(page, 'schedules');
  await lookOnPhone(page, 'schedules');

  // The scheduled runs are in the list (ids start with the schedule's name): Temporal lists them,
  // and so does the page.
  await until(async () => {
    const res = await fetch(`${open.url}/api/claude-flow/workflows?type=deployPrep&limit=100`);
    const { runs } = (await res.json()) as { runs: { workflowId: string }[] };
    return runs.some((r) => r.workflowId.startsWith('nightly-notes-'));
  });
  await page.getByRole('link', { name: 'Types and runs' }).click();
  await page.getByTestId('run-row').filter({ hasText: 'nightly-notes-' }).first().waitFor();
  expect(problems).toEqual([]);
  await context.close();
});

test('a viewer sees runs, findings and schedules but no control that starts, cancels, approves or schedules', async () => {
  expect(reviewId).toBeDefined();
  const created = await fetch(`${keyed.url}/api/claude-flow/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'vic', role: 'viewer' }),
  });
  const { key } = (await created.json()) as { key: string };
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto(`${keyed.url}/workflows`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Workflow types' }).waitFor();
  await expect(page.getByRole('heading', { name: 'Start a run' }).count()).resolves.toBe(0);
  await page.getByRole('link', { name: reviewId as string, exact: true }).click();
  await page.getByTestId('finding').first().waitFor();
  for (const name of ['Cancel run', 'Terminate…', 'Run again', 'Edit input and run again', 'Approve'])
    await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
  await look(page, 'workflow-run-viewer');

  await page.goto(`${keyed.url}/workflows/schedules`);
  await page.getByTestId('schedule-row').filter({ hasText: 'nightly-notes' }).waitFor();
  await expect(page.getByRole('heading', { name: 'Create a schedule' }).count()).resolves.toBe(0);
  await expect(page.getByRole('button', { name: /Pause|Run now|Backfill|Delete/ }).count()).resolves.toBe(0);
  await look(page, 'schedules-viewer');

  const refused = await page.evaluate(async () => {
    const res = await fetch('/api/claude-flow/workflows', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'systemCheck' }),
    });
    return res.status;
  });
  expect(refused).toBe(403);
  await context.close();
});
