// The designer (#16) in a real browser (Debian's chromium through playwright-core) against the real
// stack: the API on a port with its definitions watcher, PostgreSQL, Temporal. Build a workflow from
// an empty definition with the mouse and the side panel only (a parallel with two branches among
// three steps), undo a visual edit with Ctrl+Z in the editor, save, and read the file back from
// disk (its comment kept); see a change made on disk appear, and a stale save refused with a 409
// that shows both versions; type a broken reference and see the server's diagnostic on its line and
// its node marked; a viewer finds no palette and no save (and the API refuses one). Screenshots in
// .data/screenshots/ (designer, designer-phone, …) and an axe-core audit of each view.
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

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');
const ADMIN_KEY = 'e2e-admin-key-designer-0123456789';

let app: TestApp;
let open: ApiServer;
let keyed: ApiServer;
let browser: Browser;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-e2e-designer-'));
/** The test's own workspace (never the checkout's .claude-flow/). */
const workspace = path.join(tmp, 'workspace');
const dir = path.join(workspace, '.claude-flow', 'workflows');
const file = path.join(dir, 'demo.yaml');
const EMPTY = 'name: demo\n# keep this comment\nsteps: []\n';

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'web', 'build.mjs')], { stdio: 'pipe' });
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, EMPTY);
  app = await startTestApp({
    env: { CLAUDE_FLOW_WORKSPACE: workspace, CLAUDE_FLOW_SHELL_ALLOWLIST: 'echo,make' },
    worker: false,
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
  fs.rmSync(tmp, { recursive: true, force: true });
});

const editorText = (page: Page) =>
  page
    .locator('.cm-content .cm-line')
    .allInnerTexts()
    .then((ls) => ls.join('\n'));
const node = (page: Page, key: string) => page.locator(`[data-testid="dz-node"][data-key="${key}"]`);
const nodeKeys = (page: Page) =>
  page.locator('[data-testid="dz-node"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));

test('build a workflow with the mouse and the side panel, save it, see disk changes and a 409', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${open.url}/designer`);
  await page.getByRole('link', { name: 'Designer' }).first().waitFor();
  await page.getByTestId('definition').filter({ hasText: 'demo' }).waitFor();
  await look(page, 'designer-list');
  await page.getByRole('link', { name: 'demo', exact: true }).click();
  await page.getByTestId('dz-palette').waitFor();
  await until(async () => (await page.getByText('No steps yet').count()) > 0).catch(async (e: unknown) => {
    await page.screenshot({ path: path.join(SHOTS, 'designer-failed.png'), fullPage: true });
    throw new Error(
      `${String(e)}; page errors: ${errors.join(' | ')}; graph: ${await page.getByTestId('dz-graph').innerHTML()}`,
    );
  });

  const add = (kind: string) => page.getByRole('button', { name: `Add ${kind} step`, exact: true }).click();
  const pick = (key: string) => node(page, key).locator('button').click();
  const where = page.getByLabel('Where to add');

  await add('shell'); // nothing selected: at the end
  await node(page, 'shell_1').waitFor();
  await add('parallel'); // after the selected shell_1
  await node(page, 'parallel_1').waitFor();
  await where.selectOption('inside');
  await add('shell');
  await node(page, 'shell_2').waitFor();
  await pick('parallel_1');
  await where.selectOption('inside');
  await add('http');
  await node(page, 'http_1').waitFor();
  await pick('parallel_1');
  await where.selectOption('after');
  await add('approval');
  await node(page, 'approval_1').waitFor();

  // The side panel: the selected step's fields, each change written into the YAML.
  await pick('shell_1');
  await expect(page.locator('#dz-f-timeout').getAttribute('placeholder')).resolves.toMatch(/^default: /);
  await page.locator('#dz-f-command').fill('make');
  await page.locator('#dz-f-command').press('Enter');
  await page.locator('#dz-f-name').fill('Build');
  await page.locator('#dz-f-name').press('Enter');
  await until(async () => (await editorText(page)).includes('command: make'));
  await pick('http_1');
  await page.locator('#dz-f-url').fill('https://example.com/ping');
  await page.locator('#dz-f-url').press('Enter');
  await until(async () => (await editorText(page)).includes('https://example.com/ping'));
  // Graph → text: the clicked node's step is selected in the editor (the cursor at its end).
  await pick('http_1');
  await until(async () => (await page.locator('.cm-activeLine').innerText()).includes('example.com/ping'));
  // Text → graph: the cursor in a step's lines selects its node.
  await page.locator('.cm-line', { hasText: 'command: echo' }).click();
  await until(async () => (await node(page, 'shell_2').locator('button').getAttribute('aria-pressed')) === 'true');
  await expect(node(page, 'http_1').locator('button').getAttribute('aria-pressed')).resolves.toBe('false');

  // A visual edit is one editor transaction: Ctrl+Z in the editor undoes it.
  await pick('approval_1');
  await add('memory');
  await node(page, 'memory_1').waitFor();
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+z');
  await until(async () => !(await nodeKeys(page)).includes('memory_1'));
  expect(await editorText(page)).not.toContain('memory_1');
  await until(async () => (await page.getByTestId('dz-problems').innerText()) === 'no problems').catch(
    async (e: unknown) => {
      await page.screenshot({ path: path.join(SHOTS, 'designer-failed.png'), fullPage: true });
      throw new Error(
        `${String(e)}\n${await editorText(page)}\n${(await page.locator('.cm-diagnostic, .cm-tooltip-lint').allInnerTexts()).join('\n')}`,
      );
    },
  );
  await look(page, 'designer');

  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByTestId('dz-saved').waitFor();
  const onDisk = fs.readFileSync(file, 'utf8');
  expect(onDisk).toContain('# keep this comment');
  expect(parse(onDisk)).toEqual({
    name: 'demo',
    steps: [
      { id: 'shell_1', name: 'Build', shell: { command: 'make', args: ['hello'] } },
      {
        id: 'parallel_1',
        parallel: {
          steps: [
            { id: 'shell_2', shell: { command: 'echo', args: ['hello'] } },
            { id: 'http_1', http: { url: 'https://example.com/ping' } },
          ],
        },
      },
      { id: 'approval_1', approval: { title: 'Go ahead?' } },
    ],
  });

  // A change on disk while nothing is unsaved: the designer reloads it.
  fs.writeFileSync(file, onDisk.replace('Go ahead?', 'Ship it?'));
  await until(async () => (await editorText(page)).includes('Ship it?'), 45_000);

  // With unsaved edits: a notice; keeping mine and saving is a 409 showing both versions.
  await pick('approval_1');
  await page.locator('#dz-f-title').fill('Mine?');
  await page.locator('#dz-f-title').press('Enter');
  await until(async () => (await editorText(page)).includes('Mine?'));
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('Ship it?', 'Theirs?'));
  await page.getByTestId('dz-on-disk').waitFor({ timeout: 45_000 });
  await page.getByRole('button', { name: 'Keep mine' }).click();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByTestId('dz-conflict').waitFor();
  await expect(page.getByTestId('conflict-mine').innerText()).resolves.toContain('Mine?');
  await expect(page.getByTestId('conflict-theirs').innerText()).resolves.toContain('Theirs?');
  // The lines that differ are marked on each side.
  await expect(page.getByTestId('conflict-mine').locator('.del').innerText()).resolves.toContain('Mine?');
  await expect(page.getByTestId('conflict-theirs').locator('.add').innerText()).resolves.toContain('Theirs?');
  await look(page, 'designer-conflict');
  await page.getByRole('button', { name: 'Take theirs' }).click();
  await until(async () => (await editorText(page)).includes('Theirs?'));
  expect(await editorText(page)).not.toContain('Mine?');

  // A broken reference typed in the text: the server's diagnostic on its line, its node marked.
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText(
    "  - id: bad\n    shell: { command: echo, args: ['${{ steps.nope.output }}', '${{ steps.shell_1.output }}'] }\n",
  );
  await node(page, 'bad').waitFor();
  await until(async () => (await node(page, 'bad').getAttribute('data-marked')) === 'true');
  // The good reference is a dashed data edge from the step it reads.
  await page.locator('.react-flow__edge.dz-data[data-id="d:shell_1>bad"]').waitFor({ state: 'attached' });
  const line = page.locator('.cm-line', { hasText: 'steps.nope' });
  await until(async () => (await line.locator('.cm-lintRange-error').count()) > 0, 10_000);
  await until(async () => (await page.getByTestId('dz-problems').innerText()) !== 'no problems');
  await look(page, 'designer-problem');

  // On a phone: the split becomes tabs, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Text', exact: true }).waitFor();
  const overflow = await page.evaluate(() => {
    const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return w.document.documentElement.scrollWidth - w.innerWidth;
  });
  expect(overflow).toBeLessThanOrEqual(0);
  await look(page, 'designer-phone');
  await page.getByRole('button', { name: 'Text', exact: true }).click();
  await page.locator('.cm-content').waitFor();
  await look(page, 'designer-phone-text');

  // A reload of a designer address is the page, not a 404.
  await page.reload();
  await page.getByRole('heading', { name: 'demo' }).waitFor();

  // New, empty: the file is made and opened.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('link', { name: 'Designer', exact: true }).first().click();
  await page.getByLabel('Name', { exact: true }).fill('fresh');
  await page.getByRole('button', { name: 'New', exact: true }).click();
  await page.getByRole('heading', { name: 'fresh' }).waitFor();
  await page.getByText('No steps yet').waitFor();
  expect(fs.readFileSync(path.join(dir, 'fresh.yaml'), 'utf8')).toMatch(/^name: fresh\n/);
  await context.close();
});

test('a viewer sees the definition read-only: no palette, no save (and the API refuses one)', async () => {
  const created = await fetch(`${keyed.url}/api/claude-flow/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'vic', role: 'viewer' }),
  });
  const { key } = (await created.json()) as { key: string };
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto(`${keyed.url}/designer/demo`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'demo' }).waitFor();
  await node(page, 'shell_1').waitFor();
  await expect(page.getByTestId('dz-palette').count()).resolves.toBe(0);
  await expect(page.getByRole('button', { name: 'Save', exact: true }).count()).resolves.toBe(0);
  // The editor refuses typing.
  const before = await editorText(page);
  await page.locator('.cm-content').click();
  await page.keyboard.insertText('x');
  expect(await editorText(page)).toBe(before);
  await look(page, 'designer-viewer');
  await page.goto(`${keyed.url}/designer`);
  await page.getByTestId('definition').first().waitFor();
  await expect(page.getByRole('button', { name: /^(New|Rename|Delete)/ }).count()).resolves.toBe(0);
  const refused = await page.evaluate(async () => {
    const res = await fetch('/api/claude-flow/workflows/definitions/demo', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'name: demo\nsteps: []\n', baseHash: '0'.repeat(64) }),
    });
    return res.status;
  });
  expect(refused).toBe(403);
  await context.close();
});
