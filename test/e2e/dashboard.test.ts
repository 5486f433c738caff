// The web dashboard in a real browser (Debian's chromium through playwright-core) against the real
// stack: the API listening on a port, Temporal, PostgreSQL, a worker, and the Anthropic fake
// streaming its reply in chunks. Start a session, send a message and watch the reply stream in,
// take a checkpoint, send another, roll back and see it gone; then sign in as a viewer on an API
// with keys and find no control that changes anything (and the API refusing one sent by hand).
// Each view gets a screenshot in .data/screenshots/ and an axe-core audit (no serious or critical
// violations).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { startApi, type ApiServer } from '../../api/server';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { launchChromium } from '../helpers/browser';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../..');
const SHOTS = path.join(ROOT, '.data', 'screenshots');
const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';
const FIRST_REPLY = 'Here is the plan: tag the release, write the notes, then announce it to the team today.';
const SECOND_REPLY = 'The second answer, which the rollback takes away again.';

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
    env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_MODEL: 'claude-haiku-4-5' },
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

async function look(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const audit = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
  const bad = audit.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

const messages = (page: Page) => page.getByTestId('message');

/** Polls `check` until it holds (the page's CSP forbids the string evaluation waitForFunction uses). */
async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not true within ${timeoutMs} ms: ${check.toString()}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

test('local admin: start a session, stream a reply, checkpoint, roll back, approve, fork, export and import', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));

  // Loopback without CLAUDE_FLOW_API_KEY: straight in, as the local admin.
  await page.goto(open.url);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.getByText('Worker').waitFor();
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

  anthropic.script({ reply: SECOND_REPLY, chunkDelayMs: 20 });
  await page.getByLabel('Message').fill('And then?');
  await page.getByRole('button', { name: 'Send' }).click();
  await messages(page).filter({ hasText: SECOND_REPLY }).waitFor();
  await expect(messages(page).count()).resolves.toBe(4);
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
  await page.reload();
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
});
