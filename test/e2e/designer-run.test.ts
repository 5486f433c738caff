// The designer's run view, versions panel and remaining visual edits (#16) in a real browser
// (Debian's chromium through playwright-core) against the real stack: the API with its definitions
// watcher, PostgreSQL, Temporal and a worker running the `custom` workflow. Run a definition from its
// start form and watch its node statuses change live (a step waiting for approval, then done; the
// branch not taken skipped); a failing step shows its error and output; after an edit, the earlier
// run opens on the graph of the version it ran; the versions panel shows a diff and restores an
// older text onto disk; "+" on an edge, wrap in a loop, add a branch; export and import a file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse } from 'yaml';
import { startApi, type ApiServer } from '../../api/server';
import { launchChromium } from '../helpers/browser';
import { look, SHOTS, until } from '../helpers/e2e';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../..');

let app: TestApp;
let server: ApiServer;
let browser: Browser;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-e2e-designer-run-'));
const workspace = path.join(tmp, 'workspace');
const dir = path.join(workspace, '.claude-flow', 'workflows');
const file = path.join(dir, 'pipeline.yaml');
const PIPELINE = `name: pipeline
description: greet, check, ask, finish
# inputs the run form asks for
inputs:
  who: {type: string, default: world}
  fail: {type: boolean, default: false}
steps:
  - id: hello
    shell: {command: echo, args: ['hello \${{ inputs.who }}']}
  - id: check
    condition:
      if: inputs.fail == true
      then:
        - id: boom
          shell: {command: ls, args: [/no/such/dir]}
      else:
        - id: fine
          shell: {command: echo, args: [fine]}
  - id: gate
    approval: {title: Finish the pipeline?}
  - id: finish
    shell: {command: echo, args: [done]}
`;

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'web', 'build.mjs')], { stdio: 'pipe' });
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, PIPELINE);
  app = await startTestApp({ env: { CLAUDE_FLOW_WORKSPACE: workspace, CLAUDE_FLOW_SHELL_ALLOWLIST: 'echo,ls' } });
  server = await startApi({
    ...app,
    temporal: app.client,
    config: { ...app.config, api: { ...app.config.api, host: '127.0.0.1', port: 0, apiKey: undefined } },
  });
  browser = await launchChromium();
}, 15 * 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await app?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const api = (p: string, init?: RequestInit) => fetch(`${server.url}/api/claude-flow${p}`, init);
const editorText = (page: Page) =>
  page
    .locator('.cm-content .cm-line')
    .allInnerTexts()
    .then((ls) => ls.join('\n'));
const node = (page: Page, key: string) => page.locator(`[data-testid="dz-node"][data-key="${key}"]`);
const status = (page: Page, key: string) => node(page, key).getAttribute('data-status');
const statusIs = (page: Page, key: string, want: string) => async () => (await status(page, key)) === want;
/** Every step node's position on the page: a run's statuses must never move them. */
const positions = (page: Page) =>
  page
    .locator('.react-flow__node-step')
    .evaluateAll((els) =>
      Object.fromEntries(
        els.map((e) => [e.getAttribute('data-id'), (e as unknown as { style: { transform: string } }).style.transform]),
      ),
    );

test('run a definition from the designer and watch it live; a failing step shows its error and output', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/designer/pipeline`);
  await node(page, 'gate').waitFor();
  const before = await positions(page);

  // Run: the start form is the definition's inputs, with their defaults.
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const dialog = page.getByTestId('dz-run-dialog');
  await dialog.waitFor();
  const who = dialog.getByLabel('who');
  await until(async () => (await who.inputValue()) === 'world');
  await who.fill('ann');
  await dialog.getByRole('button', { name: 'Start run' }).click();
  await page.getByTestId('dz-run-banner').waitFor();

  // Live: the approval step waits (running), the steps before it are done, the branch not taken skipped.
  await until(statusIs(page, 'gate', 'running'));
  await until(statusIs(page, 'hello', 'done'));
  await until(statusIs(page, 'fine', 'done'));
  await until(statusIs(page, 'boom', 'skipped'));
  expect(await status(page, 'finish')).toBe('pending');
  await page.getByTestId('dz-run-approval').waitFor();
  expect(await positions(page)).toEqual(before);
  await look(page, 'designer-run');

  // The approval answered elsewhere (here through the API): the rest turns done, live.
  const banner = page.getByTestId('dz-run-banner');
  const workflowId = (await banner.locator('.mono').innerText()).trim();
  const run = (await (await api(`/workflows/${encodeURIComponent(workflowId)}`)).json()) as {
    progress: { pendingApprovals: { requestId: string }[] };
  };
  const answered = await api(
    `/workflows/${encodeURIComponent(workflowId)}/approvals/${encodeURIComponent(run.progress.pendingApprovals[0].requestId)}`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve' }) },
  );
  expect(answered.status).toBeLessThan(300);
  await until(statusIs(page, 'gate', 'done'));
  await until(statusIs(page, 'finish', 'done'));
  await until(async () => (await banner.getAttribute('data-status')) === 'completed');
  expect(await positions(page)).toEqual(before);

  // A done step's card: its output.
  await node(page, 'hello').locator('button').click();
  await expect(page.getByTestId('dz-run-step-output').innerText()).resolves.toContain('hello ann');

  // The run page links back to the graph with this run on it (an address that survives a reload).
  await banner.getByRole('link', { name: 'Run page', exact: true }).click();
  await page.getByRole('link', { name: 'On the graph of pipeline' }).click();
  await until(statusIs(page, 'finish', 'done'));
  expect(new URL(page.url()).searchParams.get('run')).toBe(workflowId);
  await page.reload();
  await until(statusIs(page, 'boom', 'skipped'));

  // A failing run: the failed step's error and the output it failed with.
  await page.getByRole('button', { name: 'Back to editing' }).click();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await dialog.waitFor();
  await dialog.getByLabel('fail').check();
  await dialog.getByRole('button', { name: 'Start run' }).click();
  await until(statusIs(page, 'boom', 'failed'));
  await until(async () => (await banner.getAttribute('data-status')) === 'failed');
  expect(await status(page, 'fine')).toBe('skipped');
  expect(await status(page, 'gate')).toBe('pending');
  // The failed step opens by itself: its card is the one shown.
  const card = page.getByTestId('dz-run-step');
  await until(async () => (await card.locator('h2').innerText()).startsWith('boom'));
  await expect(card.getAttribute('data-status')).resolves.toBe('failed');
  await expect(card.getByTestId('dz-run-step-detail').innerText()).resolves.toMatch(/ls \/no\/such\/dir exited with 2/);
  await expect(card.getByTestId('dz-run-step-output').innerText()).resolves.toMatch(/"exitCode": 2/);
  await expect(page.getByTestId('dz-run-failure').innerText()).resolves.toMatch(/^step boom \(shell\) failed/);
  await look(page, 'designer-run-failed');
  expect(errors).toEqual([]);
  await context.close();
});

test('an earlier run opens on the graph of the version it ran; versions diff and restore onto disk', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/designer/pipeline`);
  await node(page, 'gate').waitFor();

  // An edit, saved: a new step at the end (written in the text).
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('  - id: tell\n    shell: {command: echo, args: [told]}\n');
  await node(page, 'tell').waitFor();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByTestId('dz-saved').waitFor();
  expect(fs.readFileSync(file, 'utf8')).toContain('id: tell');

  // The runs of the first test ran the text before it: "earlier", and on the graph that version's.
  await page.getByRole('button', { name: 'Runs', exact: true }).click();
  const runs = page.getByTestId('dz-runs-dialog');
  await runs.getByTestId('dz-run-row').first().waitFor({ timeout: 30_000 });
  await expect(runs.getByTestId('dz-run-row').count()).resolves.toBeGreaterThanOrEqual(2);
  const completed = runs.getByTestId('dz-run-row').filter({ hasText: 'completed' }).first();
  await expect(completed.innerText()).resolves.toContain('(earlier)');
  await completed.getByRole('button', { name: 'On the graph' }).click();
  const banner = page.getByTestId('dz-run-banner');
  await banner.getByText(/ran an earlier version/).waitFor();
  await until(statusIs(page, 'finish', 'done'));
  await expect(node(page, 'tell').count()).resolves.toBe(0);
  // Read only: no palette while the graph is a past version.
  await expect(page.getByTestId('dz-palette').count()).resolves.toBe(0);
  await look(page, 'designer-run-earlier');
  await banner.getByRole('button', { name: 'Back to editing' }).click();
  await node(page, 'tell').waitFor();

  // Versions: the newest against the one before it is the added step; restore the older text.
  await page.getByRole('button', { name: 'Versions', exact: true }).click();
  const versions = page.getByTestId('dz-versions');
  await versions.getByTestId('dz-version').nth(1).waitFor();
  const diff = versions.getByTestId('dz-diff');
  await until(async () => (await diff.locator('.add').count()) > 0);
  await expect(diff.locator('.add').innerText()).resolves.toContain('id: tell');
  await expect(versions.getByTestId('dz-diff-stat').innerText()).resolves.toBe('2 lines added, 0 removed');
  await look(page, 'designer-versions');
  await versions.getByTestId('dz-version').nth(1).click();
  await versions.getByRole('button', { name: /^Restore #/ }).click();
  await versions.waitFor({ state: 'detached' });
  await until(async () => fs.readFileSync(file, 'utf8') === PIPELINE);
  await until(async () => !(await editorText(page)).includes('id: tell'));
  await page.getByText('Restored: the file is that version again.').waitFor();
  await context.close();
});

test('"+" on an edge, wrap in a loop, add a branch; export a file and import one', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${server.url}/designer/pipeline`);
  await node(page, 'gate').waitFor();

  // "+" on the edge from hello to check: the next step added goes between them.
  await page.locator('[data-testid="dz-edge-add"][aria-label="Add a step between hello and check"]').click();
  await expect(page.getByLabel('Where to add').inputValue()).resolves.toBe('edge');
  await page.getByRole('button', { name: 'Add memory step', exact: true }).click();
  await node(page, 'memory_1').waitFor();
  const ids = (t: string) => (parse(t) as { steps: { id: string }[] }).steps.map((s) => s.id);
  expect(ids(await editorText(page))).toEqual(['hello', 'memory_1', 'check', 'gate', 'finish']);

  // Wrap the new step in a loop; a parallel gets a second branch.
  await node(page, 'memory_1').locator('button').click();
  await page.getByRole('button', { name: 'Wrap in loop' }).click();
  await node(page, 'loop_1').waitFor();
  await node(page, 'finish').locator('button').click();
  await page.getByRole('button', { name: 'Wrap in parallel' }).click();
  await node(page, 'parallel_1').waitFor();
  await page.getByRole('button', { name: 'Add branch' }).click();
  await node(page, 'shell_1').waitFor();
  const doc = parse(await editorText(page)) as { steps: Record<string, unknown>[] };
  expect(doc.steps[1]).toMatchObject({ id: 'loop_1', loop: { steps: [{ id: 'memory_1' }] } });
  expect(doc.steps[4]).toMatchObject({ id: 'parallel_1', parallel: { steps: [{ id: 'finish' }, { id: 'shell_1' }] } });
  // The comment elsewhere in the file is kept.
  expect(await editorText(page)).toContain('# inputs the run form asks for');

  // Export: the editor's text as pipeline.yaml.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('pipeline.yaml');
  const exported = fs.readFileSync(await download.path(), 'utf8');
  expect(exported).toContain('# inputs the run form asks for');
  expect(ids(exported)).toEqual(['hello', 'loop_1', 'check', 'gate', 'parallel_1']);

  // Import on the list: a new definition named after the file.
  const upload = path.join(tmp, 'from-disk.yaml');
  fs.writeFileSync(upload, 'name: from-disk\n# imported\nsteps:\n  - id: a\n    shell: {command: echo, args: [hi]}\n');
  await page.goto(`${server.url}/designer`);
  await page.getByTestId('dz-import').setInputFiles(upload);
  await page.getByRole('heading', { name: 'from-disk' }).waitFor();
  await node(page, 'a').waitFor();
  expect(fs.readFileSync(path.join(dir, 'from-disk.yaml'), 'utf8')).toBe(fs.readFileSync(upload, 'utf8'));
  await context.close();
});
