// The web dashboard in a real browser (Debian's chromium through playwright-core) against the real
// stack: the API listening on a port, Temporal, PostgreSQL, a worker, and the Anthropic fake
// streaming its reply in chunks. Start a session, send a message and watch the reply stream in,
// take a checkpoint, send another, roll back and see it gone; then sign in as a viewer on an API
// with keys and find no control that changes anything (and the API refusing one sent by hand).
// The memory explorer: create an entry, find it by search with the words marked, edit it, lose an
// edit to a write made behind the page's back (the 409 with both values), delete it; a viewer sees
// no control that writes, and a sealed entry as withheld.
// Each view gets a screenshot in .data/screenshots/ and an axe-core audit (no serious or critical
// violations).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startApi, type ApiServer } from '../../api/server';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { launchChromium } from '../helpers/browser';
import { look, SHOTS, until } from '../helpers/e2e';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../..');
const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';
const FIRST_REPLY = 'Here is the plan: tag the release, write the notes, then announce it to the team today.';
const SECOND_REPLY = 'The second answer, which the rollback takes away again.';
const MARKDOWN_REPLY = [
  '**The steps**, in order:',
  '',
  '1. Tag the release',
  '2. Publish [the notes](https://example.com/notes) and not [this](javascript:alert(1))',
  '',
  '```sh',
  'git tag v2.0 && git push --tags',
  '```',
  '',
  '<img src=x onerror=alert(1)>',
].join('\n');

let anthropic: FakeServer;
let app: TestApp;
let open: ApiServer;
let keyed: ApiServer;
let browser: Browser;
let sessionId: string | undefined;

beforeAll(async () => {
  // The build is normally done by npm install; this catches sources changed since.
  execFileSync(process.execPath, [path.join(ROOT, 'web', 'build.mjs')], { stdio: 'pipe' });
  fs.mkdirSync(SHOTS, { recursive: true });
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Sure.' });
  app = await startTestApp({
    env: {
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
      CLAUDE_FLOW_MEMORY_KEY: 'ab'.repeat(32), // secrets/ is sealed: the viewer sees it withheld
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
}, 15 * 60_000); // chromium may be installed first
afterAll(async () => {
  await browser?.close();
  await keyed?.close();
  await open?.close();
  await app?.close();
  await anthropic?.close();
});

const messages = (page: Page) => page.getByTestId('message');

test('local admin: start a session, stream a reply, checkpoint, roll back, approve, fork, export and import', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));

  // Loopback without CLAUDE_FLOW_API_KEY: straight in, as the local admin.
  await page.goto(open.url);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.getByText('Worker', { exact: true }).waitFor();
  await expect(page.getByText('admin', { exact: true }).isVisible()).resolves.toBe(true);
  await look(page, 'overview');
  // Keyboard: the first Tab reaches the skip link, which moves focus to the content.
  await page.keyboard.press('Tab');
  const focused = () =>
    page.evaluate(() => {
      const el = (globalThis as unknown as { document: { activeElement: { textContent: string; id: string } | null } })
        .document.activeElement;
      return el?.id || el?.textContent;
    });
  await expect(focused()).resolves.toBe('Skip to content');
  await page.keyboard.press('Enter');
  await expect(focused()).resolves.toBe('main');
  // The workers polling, each with its build.
  await page.getByTestId('workers').locator('summary').click();
  await page
    .getByTestId('workers')
    .getByText(/claude-flow@\d+\.\d+\.\d+\+[0-9a-f]{12}/)
    .waitFor();

  await page.getByRole('link', { name: 'Sessions' }).click();
  await page.getByRole('heading', { name: 'Start a session' }).waitFor();
  const form = page.getByRole('region', { name: 'Start a session' });
  await form.getByLabel('Title').fill('Release 2.0');
  await form.getByLabel('Owner').fill('alice');
  await form.getByRole('button', { name: 'Start session' }).click();
  await page.getByRole('heading', { name: 'Release 2.0' }).waitFor();
  sessionId = page.url().match(/\/sessions\/([0-9a-f-]{36})$/)?.[1];
  expect(sessionId).toBeDefined();

  // The reply streams in over the live channel while the POST is still waiting for it.
  anthropic.script({ reply: FIRST_REPLY, chunkDelayMs: 120 });
  await page.getByLabel('Message').fill('Plan the release');
  await page.getByRole('button', { name: 'Send' }).click();
  const streaming = page.getByTestId('streaming');
  await until(async () => {
    const t = (await streaming.textContent({ timeout: 20_000 })) ?? '';
    return t.includes('Here is') && !t.includes('today.');
  });

  await expect(streaming.getAttribute('aria-busy')).resolves.toBe('true');
  await page.screenshot({ path: path.join(SHOTS, 'session-streaming.png'), fullPage: true });
  await messages(page).nth(1).filter({ hasText: FIRST_REPLY }).waitFor();
  await expect(messages(page).count()).resolves.toBe(2);

  await page.getByLabel('Checkpoint label').fill('planned');
  await page.getByRole('button', { name: 'Take checkpoint' }).click();
  await page.getByTestId('checkpoint').filter({ hasText: 'planned' }).waitFor();

  // A decision in the session's memory: the next question's prompt is given it, and the reply
  // says so, linking to the entry.
  expect(
    await putMemory(`sessions/${sessionId}/freeze`, { value: 'The rollout freeze starts on Friday at noon.' }),
  ).toBeLessThan(300);
  anthropic.script({ reply: SECOND_REPLY, chunkDelayMs: 20 });
  await page.getByLabel('Message').fill('And then? Mind the rollout freeze.');
  await page.getByRole('button', { name: 'Send' }).click();
  await messages(page).filter({ hasText: SECOND_REPLY }).waitFor();
  await expect(messages(page).count()).resolves.toBe(4);
  const used = messages(page).nth(3).getByTestId('used-context');
  await used.locator('summary').click();
  await expect(used.getByRole('link').getAttribute('href')).resolves.toBe(
    `/memory?in=${encodeURIComponent(`sessions/${sessionId}/`)}&key=freeze`,
  );
  await look(page, 'session');

  // The confirmation is a modal dialog: Escape cancels it, and nothing is rolled back.
  await page.getByRole('button', { name: 'Roll back…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await expect(messages(page).count()).resolves.toBe(4);
  await page.getByRole('button', { name: 'Roll back…' }).click();
  await dialog.getByText('2 messages').waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'session-rollback-confirm.png') });
  await dialog.getByRole('button', { name: 'Roll back' }).click();
  await page.getByRole('status').filter({ hasText: 'Rolled back to "planned"' }).waitFor();
  await messages(page).filter({ hasText: SECOND_REPLY }).waitFor({ state: 'detached' });
  await expect(messages(page).count()).resolves.toBe(2);

  // An approval the session asks for is answered with a comment.
  const asked = await fetch(`${open.url}/api/claude-flow/sessions/${sessionId}/approvals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Tag v2.0?', details: 'All checks passed.' }),
  });
  expect(asked.status).toBe(201);
  // It arrives live (session.updated), without a reload.
  const approvals = page.getByRole('region', { name: 'Approvals' });
  await approvals.getByText('Tag v2.0?').waitFor();
  await approvals.getByLabel('Comment').fill('ship it');
  await approvals.getByRole('button', { name: 'Approve' }).click();
  await approvals.getByText('“ship it”').waitFor();
  await expect(approvals.getByRole('button', { name: 'Approve' }).count()).resolves.toBe(0);

  // Pause and resume.
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.getByRole('button', { name: 'Resume' }).waitFor();
  await page.getByText('The session is paused').waitFor();
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.getByRole('button', { name: 'Pause' }).waitFor();
  await page.getByLabel('Message').waitFor();
  // A pause sent from elsewhere (the API by hand) shows here live, with its reason.
  const paused = await fetch(`${open.url}/api/claude-flow/sessions/${sessionId}/pause`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'paused from the CLI' }),
  });
  expect(paused.status).toBe(202);
  await page.getByText('paused from the CLI').waitFor();
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.getByRole('button', { name: 'Pause' }).waitFor();

  // A reply is Markdown: formatting, lists, code blocks and safe links; raw HTML stays text. Each
  // reply shows its tokens and cost.
  anthropic.script({ reply: MARKDOWN_REPLY, usage: { input: 1200, output: 340 } });
  await page.getByLabel('Message').fill('Show me the steps');
  await page.getByRole('button', { name: 'Send' }).click();
  const md = messages(page).filter({ hasText: 'git tag v2.0' });
  await md.locator('strong', { hasText: 'The steps' }).waitFor();
  await expect(md.locator('ol > li').count()).resolves.toBe(2);
  await expect(md.locator('pre code').textContent()).resolves.toContain('git tag v2.0');
  await expect(md.locator('img').count()).resolves.toBe(0);
  await md.getByText('<img src=x onerror=alert(1)>').waitFor();
  await expect(md.getByRole('link', { name: 'the notes' }).getAttribute('rel')).resolves.toBe('noopener noreferrer');
  await expect(md.getByRole('link', { name: 'the notes' }).getAttribute('href')).resolves.toBe(
    'https://example.com/notes',
  );
  await expect(md.locator('a[href^="javascript"]').count()).resolves.toBe(0);
  await expect(md.getByTestId('usage').textContent()).resolves.toMatch(/^1,200 in · 340 out · \$0\.\d+$/);
  await page.screenshot({ path: path.join(SHOTS, 'session-markdown.png'), fullPage: true });

  // A phone-sized screen: one column, nothing cut off sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => {
    const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return w.document.documentElement.scrollWidth - w.innerWidth;
  });
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(SHOTS, 'session-phone.png'), fullPage: true });

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('link', { name: 'Sessions' }).first().click();
  await page.getByRole('link', { name: 'Release 2.0' }).waitFor();
  // Search by title, held in the URL.
  await page.getByLabel('Title contains').fill('no such title');
  await page.getByLabel('Title contains').press('Enter');
  await page.getByText('No sessions match these filters.').waitFor();
  expect(new URL(page.url()).searchParams.get('title')).toBe('no such title');
  await page.getByLabel('Title contains').fill('release');
  await page.getByLabel('Title contains').press('Enter');
  await page.getByRole('link', { name: 'Release 2.0' }).waitFor();
  await look(page, 'sessions');

  // Fork from the checkpoint: a new session with the conversation up to it.
  await page.getByRole('link', { name: 'Release 2.0' }).click();
  await page.getByRole('button', { name: 'Fork' }).click();
  await page.waitForURL(
    (u) => !u.pathname.endsWith(sessionId as string) && /\/sessions\/[0-9a-f-]{36}$/.test(u.pathname),
  );
  await page.getByRole('link', { name: sessionId?.slice(0, 8) }).waitFor(); // "forked from …"
  await messages(page).filter({ hasText: FIRST_REPLY }).waitFor();
  await expect(messages(page).count()).resolves.toBe(2);

  // Export the fork and import it again: a third session with the same conversation.
  const saving = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export' }).click();
  const exported = await (await saving).path();
  const forkUrl = page.url();
  await page.getByRole('link', { name: 'Sessions' }).first().click();
  await page.getByLabel('Import a session').setInputFiles(exported);
  await page.waitForURL((u) => u.href !== forkUrl && /\/sessions\/[0-9a-f-]{36}$/.test(u.pathname));
  await messages(page).filter({ hasText: FIRST_REPLY }).waitFor();
  await expect(messages(page).count()).resolves.toBe(2);
  expect(problems).toEqual([]);
  await context.close();
});

/** PUT /memory/entries/<ns><key> on the open (local admin) API, behind the page's back. */
async function putMemory(nsKey: string, body: object): Promise<number> {
  const res = await fetch(`${open.url}/api/claude-flow/memory/entries/${nsKey}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.status;
}

test('memory explorer: create, search with highlights, edit, a conflicting edit, delete, live updates', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !m.text().includes('409') && problems.push(m.text()));
  await page.goto(open.url);
  await page.getByRole('link', { name: 'Memory' }).click();
  await page.getByRole('heading', { name: 'Memory', exact: true }).waitFor();

  await page.getByRole('button', { name: 'New entry' }).click();
  const form = page.getByRole('region', { name: 'New entry' });
  await form.getByLabel('Namespace').fill('notes/e2e/');
  await form.getByLabel('Key').fill('release-plan');
  await form.getByLabel('Tags').fill('release, plan');
  await form.getByLabel('Value', { exact: true }).fill('Ship the release on Friday\nafter the checklist passes.');
  await form.getByRole('button', { name: 'Create' }).click();
  const entry = page.getByRole('region', { name: 'notes/e2e/release-plan' });
  await entry.getByTestId('entry-value').filter({ hasText: 'after the checklist passes.' }).waitFor();
  await entry.getByText('version 1', { exact: false }).first().waitFor();

  // The tree counts it; a write elsewhere arrives live, without a reload.
  await page.getByRole('button', { name: /^e2e\/ 1 entry/ }).click();
  await page.getByRole('heading', { name: 'Entries in notes/e2e/' }).waitFor();
  expect(await putMemory('notes/e2e/second', { value: { steps: ['tag', 'notes'] }, tags: ['release'] })).toBe(201);
  await page.getByTestId('entry-row').filter({ hasText: 'second' }).waitFor();
  await page.getByRole('button', { name: /^e2e\/ 2 entries/ }).waitFor();

  // Ranked search, the matching word marked (as an element, never parsed HTML).
  await page.getByLabel('Search memory').fill('checklist');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const hit = page.getByTestId('hit').filter({ hasText: 'release-plan' });
  await expect(hit.locator('mark').first().textContent()).resolves.toMatch(/^checklist$/i);
  await hit.getByRole('button', { name: 'notes/e2e/release-plan' }).click();
  await page.getByRole('button', { name: 'Clear' }).click();

  await entry.getByRole('button', { name: 'Edit' }).click();
  await entry.getByLabel('Value', { exact: true }).fill('Ship the release on Monday\nafter the checklist passes.');
  await entry.getByRole('button', { name: 'Save (from version 1)' }).click();
  await entry.getByTestId('entry-value').filter({ hasText: 'Monday' }).waitFor();
  const diff = entry.getByTestId('diff');
  await diff.getByText('- Ship the release on Friday').waitFor();
  await diff.getByText('+ Ship the release on Monday').waitFor();

  // A conflicting edit: someone writes version 3 while this page edits version 2.
  await entry.getByRole('button', { name: 'Edit' }).click();
  await entry.getByLabel('Value', { exact: true }).fill('Mine: ship on Tuesday.');
  expect(await putMemory('notes/e2e/release-plan', { value: 'Theirs: ship on Wednesday.', expectedVersion: 2 })).toBe(
    200,
  );
  await page
    .getByTestId('entry-row')
    .filter({ hasText: 'release-plan' })
    .getByRole('cell', { name: '3', exact: true })
    .waitFor();
  await entry.getByRole('status').filter({ hasText: 'Version 3 was saved while you were editing' }).waitFor();
  await entry.getByRole('button', { name: 'Save (from version 2)' }).click();
  const conflict = entry.getByRole('alert').filter({ hasText: 'Conflict' });
  await conflict.getByText('is at version 3, not the expected version 2').waitFor();
  await expect(conflict.getByTestId('conflict-mine').textContent()).resolves.toBe('Mine: ship on Tuesday.');
  await expect(conflict.getByTestId('conflict-current').textContent()).resolves.toBe('Theirs: ship on Wednesday.');
  await page.screenshot({ path: path.join(SHOTS, 'memory-conflict.png'), fullPage: true });
  await conflict.getByRole('button', { name: 'Save mine over version 3' }).click();
  await entry.getByTestId('entry-value').filter({ hasText: 'Mine: ship on Tuesday.' }).waitFor();
  await entry.getByText('version 4', { exact: false }).first().waitFor();
  await look(page, 'memory');

  // A phone-sized screen: nothing cut off sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => {
    const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return w.document.documentElement.scrollWidth - w.innerWidth;
  });
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(SHOTS, 'memory-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  await entry.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByTestId('entry-row').filter({ hasText: 'release-plan' }).waitFor({ state: 'detached' });
  await page.getByRole('button', { name: /^e2e\/ 1 entry/ }).waitFor();
  // For the viewer: an entry to read, and a sealed one.
  expect(await putMemory('secrets/deploy-token', { value: 'hunter2', tags: ['deploy'] })).toBe(201);
  expect(problems).toEqual([]);
  await context.close();
});

test('where WebSockets are dropped, live updates come over server-sent events, and the sessions list follows them', async () => {
  const created = await fetch(`${open.url}/api/claude-flow/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Behind a strict proxy', owner: 'carol' }),
  });
  expect(created.status).toBe(201);
  const { sessionId: id } = (await created.json()) as { sessionId: string };
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // A proxy that refuses every WebSocket upgrade.
  let refused = 0;
  await context.routeWebSocket(/\/live$/, (ws) => {
    refused++;
    void ws.close({ code: 1006 });
  });
  const page = await context.newPage();
  await page.goto(`${open.url}/sessions?owner=carol`);
  const row = page.getByRole('row').filter({ hasText: 'Behind a strict proxy' });
  await row.getByText('active').waitFor();
  const dot = page.locator('.who .dot');
  await until(async () => (await dot.getAttribute('title')) === 'Live updates: live (server-sent events)');
  expect(refused).toBeGreaterThanOrEqual(2);

  // The list hears the session change (session.updated on the sessions channel) without a reload.
  const paused = await fetch(`${open.url}/api/claude-flow/sessions/${id}/pause`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({}),
  });
  expect(paused.status).toBe(202);
  await row.getByText('paused').waitFor();

  // And the session's page, over the same transport.
  await row.getByRole('link', { name: 'Behind a strict proxy' }).click();
  await page.getByRole('button', { name: 'Resume' }).waitFor();
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.getByRole('button', { name: 'Pause' }).waitFor();
  await context.close();
});

test('a viewer signs in with a key and finds no control that changes anything', async () => {
  const created = await fetch(`${keyed.url}/api/claude-flow/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'vera', role: 'viewer' }),
  });
  expect(created.status).toBe(201);
  const { key } = (await created.json()) as { key: string };
  expect(sessionId).toBeDefined(); // the first test's session

  // In the dark theme (prefers-color-scheme), which the audit checks too.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto(`${keyed.url}/sessions/${sessionId}`);
  await page.getByRole('heading', { name: 'Sign in to Claude Flow' }).waitFor();
  await page.getByLabel('API key').fill('not-a-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  await look(page, 'signin');

  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Release 2.0' }).waitFor();
  await page.getByTestId('message').first().waitFor();
  await page.getByText('viewer', { exact: true }).waitFor();
  for (const name of ['Send', 'Take checkpoint', 'Roll back…', 'Fork', 'Pause', 'Resume', 'End session'])
    await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
  await expect(page.getByRole('textbox').count()).resolves.toBe(0);
  await look(page, 'session-viewer');

  await page.getByRole('link', { name: 'Sessions' }).first().click();
  await page.getByRole('link', { name: 'Release 2.0', exact: true }).waitFor();
  await expect(page.getByRole('button', { name: 'Start session' }).count()).resolves.toBe(0);

  // Memory: readable, nothing that writes; a sealed entry is marked and its value withheld.
  await page.getByRole('link', { name: 'Memory' }).click();
  await page.getByTestId('entry-row').filter({ hasText: 'notes/e2e/second' }).waitFor();
  const sealedRow = page.getByTestId('entry-row').filter({ hasText: 'secrets/deploy-token' });
  await sealedRow.getByText('sealed — withheld').waitFor();
  await page.getByRole('button', { name: 'notes/e2e/second' }).click();
  await page.getByTestId('entry-value').filter({ hasText: '"notes"' }).waitFor();
  for (const name of ['New entry', 'Edit', 'Delete', 'Create'])
    await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
  await look(page, 'memory-viewer');
  await page.getByRole('button', { name: 'secrets/deploy-token' }).click();
  await page.getByRole('region', { name: 'secrets/deploy-token' }).getByText('sealed — withheld').first().waitFor();
  await expect(page.getByText('hunter2').count()).resolves.toBe(0);

  // The API refuses what the page does not offer.
  const refused = await page.evaluate(async (id) => {
    const res = await fetch(`/api/claude-flow/sessions/${id}/checkpoints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    return { status: res.status, detail: ((await res.json()) as { detail: string }).detail };
  }, sessionId);
  expect(refused).toEqual({ status: 403, detail: expect.stringContaining('operator') });
  await context.close();
});

test('the dashboard is served with a CSP that allows only its own origin, and deep links load the app', async () => {
  const res = await fetch(`${open.url}/sessions/whatever`);
  expect(res.status).toBe(200);
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toMatch(/unsafe-inline|https:|\*/);
  const html = await res.text();
  expect(html).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>/);
  const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
  expect(asset).toBeDefined();
  const js = await fetch(`${open.url}${asset}`);
  expect(js.status).toBe(200);
  expect(js.headers.get('cache-control')).toMatch(/immutable/);
  expect((await fetch(`${open.url}/assets/..%2Fpackage.json`)).status).toBe(404);
  // A lazily loaded view's address preloads its code and styles (from Vite's manifest); others don't.
  expect(html).not.toContain('modulepreload" crossorigin href="/assets/Designer');
  const designer = await (await fetch(`${open.url}/designer/anything`)).text();
  const preload = designer.match(/<link rel="modulepreload" crossorigin href="(\/assets\/Designer-[^"]+\.js)">/)?.[1];
  const styles = designer.match(/<link rel="stylesheet" crossorigin href="(\/assets\/Designer-[^"]+\.css)">/)?.[1];
  for (const f of [preload, styles]) expect((await fetch(`${open.url}${f}`)).status).toBe(200);

  // Every view in the menu loads by its own address too (a bookmark, a reload).
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(open.url);
  const nav = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
  await nav.first().waitFor();
  const hrefs = await nav.evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
  expect(hrefs.length).toBeGreaterThanOrEqual(4);
  for (const href of hrefs) {
    const direct = await fetch(`${open.url}${href}`);
    expect([href, direct.status, direct.headers.get('content-type')]).toEqual([
      href,
      200,
      expect.stringContaining('text/html'),
    ]);
  }
  await context.close();
});
