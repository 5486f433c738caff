// Administration, preferences and themes in a real browser (Debian's chromium through
// playwright-core) against the real stack: an API with keys, Temporal, PostgreSQL and a worker.
// An admin creates a key (shown once, gone on reload); a second browser signs in with it and finds
// what an operator may do and no more; revoking it signs that browser out at its next call; the
// audit log, filtered, finds those calls. Preferences (theme, rows per page, last filters) survive a
// reload, live in localStorage and are never sent to the API. Every view at 1280×800 and 390 px, in
// light and dark: nothing cut off sideways, focus visible, and an axe-core audit with no serious or
// critical violations (contrast included); each gets a screenshot in .data/screenshots/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { startApi, type ApiServer } from '../../api/server';
import { launchChromium } from '../helpers/browser';
import { look, SHOTS, until } from '../helpers/e2e';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');
const ADMIN_KEY = 'e2e-admin-key-for-the-admin-view-0123';

/** The little of the page's DOM the evaluated functions use (this project compiles without the DOM library). */
interface El {
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
}
interface Win {
  document: {
    body: El;
    documentElement: El & { dataset: Record<string, string | undefined>; scrollWidth: number };
    activeElement: El | null;
  };
  innerWidth: number;
  getComputedStyle(e: El): { backgroundColor: string; outlineStyle: string; outlineWidth: string };
  localStorage: Record<string, string>;
  navigator: { clipboard: { readText(): Promise<string> } };
}

let app: TestApp;
let api: ApiServer;
let browser: Browser;
let sessionId: string;

/** A call to the API as the bootstrap admin, behind the pages' backs. */
async function asAdmin(method: string, p: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${api.url}/api/claude-flow${p}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'web', 'build.mjs')], { stdio: 'pipe' });
  fs.mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp();
  api = await startApi({
    ...app,
    temporal: app.client,
    config: { ...app.config, api: { ...app.config.api, host: '127.0.0.1', port: 0, apiKey: ADMIN_KEY } },
  });
  browser = await launchChromium();
  // Something in every view: a session with a conversation (code and a long line), memory entries.
  const imported = await asAdmin('POST', '/sessions/import', {
    format: 'claude-flow-session',
    version: 1,
    session: { title: 'Release 2.0 planning with a rather long title to wrap', owner: 'alice' },
    messages: [
      { position: 1, role: 'user', content: 'How do I run the tests?' },
      {
        position: 2,
        role: 'assistant',
        content:
          'Run them with npm:\n\n```sh\nnpx jest test/e2e/admin.test.ts --runInBand --verbose --testTimeout=120000 # a long line\n```\n\nThen look at `.data/screenshots/`.',
      },
    ],
  });
  expect(imported.status).toBe(201);
  sessionId = (imported.body as { sessionId: string }).sessionId;
  for (let i = 1; i <= 12; i++)
    expect(
      (await asAdmin('PUT', `/memory/entries/notes/plan-${String(i).padStart(2, '0')}`, { value: { i } })).status,
    ).toBe(201);
}, 15 * 60_000);
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await app?.close();
});

async function signIn(context: BrowserContext, key: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(api.url);
  await page.getByRole('heading', { name: 'Sign in to Claude Flow' }).waitFor();
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  return page;
}

const sideways = (page: Page) =>
  page.evaluate(() => {
    const w = globalThis as unknown as Win;
    return w.document.documentElement.scrollWidth - w.innerWidth;
  });
const themeOf = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as Win).document.documentElement.dataset.theme);

test('keys: create (shown once), sign in with it elsewhere, revoke it (that browser is signed out), find it all in the audit log', async () => {
  const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await adminCtx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api.url });
  const admin = await signIn(adminCtx, ADMIN_KEY);
  const problems: string[] = [];
  admin.on('pageerror', (e) => problems.push(e.message));

  await admin.getByRole('link', { name: 'Admin' }).click();
  await admin.getByRole('heading', { name: 'Administration' }).waitFor();
  const keys = admin.getByRole('region', { name: 'API keys' });
  await keys.getByText('No keys yet').waitFor();

  // A bad name is refused by the form; the API's own 400 shows in the page.
  await keys.getByLabel('Name').fill('   ');
  await expect(keys.getByRole('button', { name: 'Create key' }).isDisabled()).resolves.toBe(true);

  await keys.getByLabel('Name').fill('olga');
  await keys.getByRole('form', { name: 'Create a key' }).getByLabel('Role').selectOption('operator');
  await keys.getByRole('button', { name: 'Create key' }).click();
  const shown = keys.getByRole('region', { name: 'New key for olga' });
  await shown.getByText('it will not be shown again').waitFor();
  const key = await shown.getByTestId('new-key').inputValue();
  expect(key.length).toBeGreaterThan(30);
  await shown.getByRole('button', { name: 'Copy' }).click();
  await shown.getByText('Copied to the clipboard.').waitFor();
  await expect(admin.evaluate(() => (globalThis as unknown as Win).navigator.clipboard.readText())).resolves.toBe(key);
  const row = keys.getByTestId('key-row').filter({ hasText: 'olga' });
  await row.getByText('never').waitFor();
  await expect(row.getByLabel('Role of olga').inputValue()).resolves.toBe('operator');
  await look(admin, 'admin-new-key');

  // Shown once: a reload has it nowhere, and the list never had it.
  await admin.reload();
  await keys.getByTestId('key-row').filter({ hasText: 'olga' }).waitFor();
  await expect(admin.getByTestId('new-key').count()).resolves.toBe(0);
  expect(await admin.content()).not.toContain(key);

  // A second browser signs in with the new key: an operator, who may start sessions but not administer.
  const olgaCtx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const olga = await signIn(olgaCtx, key);
  await olga.getByText('operator', { exact: true }).waitFor();
  await expect(olga.getByRole('link', { name: 'Admin' }).count()).resolves.toBe(0);
  await olga.goto(`${api.url}/admin`);
  await olga.getByText('This page needs the admin role').waitFor();
  await olga.getByText('You are signed in as olga with the operator role').waitFor();
  await expect(olga.getByRole('button', { name: 'Create key' }).count()).resolves.toBe(0);
  await look(olga, 'admin-not-admin-phone');
  const refused = await olga.evaluate(async () => (await fetch('/api/claude-flow/keys')).status);
  expect(refused).toBe(403);
  await olga.getByRole('link', { name: 'Sessions' }).click();
  const start = olga.getByRole('region', { name: 'Start a session' });
  await start.getByLabel('Title').fill('Olga’s session');
  await start.getByRole('button', { name: 'Start session' }).click();
  await olga.getByRole('heading', { name: 'Olga’s session' }).waitFor();
  await olga.getByRole('link', { name: 'Overview' }).click();
  await olga.getByRole('heading', { name: 'Overview' }).waitFor();

  // A role change shows in the list and the API (and back, so olga stays an operator).
  await row.getByLabel('Role of olga').selectOption('viewer');
  await keys.getByRole('status').filter({ hasText: 'Key "olga" is now viewer' }).waitFor();
  const listed = await asAdmin('GET', '/keys');
  expect((listed.body as { keys: { name: string; role: string }[] }).keys).toEqual([
    expect.objectContaining({ name: 'olga', role: 'viewer' }),
  ]);
  await row.getByLabel('Role of olga').selectOption('operator');
  await keys.getByRole('status').filter({ hasText: 'Key "olga" is now operator' }).waitFor();

  // Its last use shows; revoke it behind a confirmation.
  await admin.reload();
  await until(async () => (await row.getByText('never').count()) === 0);
  await row.getByRole('button', { name: 'Revoke olga…' }).click();
  const dialog = admin.getByRole('dialog');
  await dialog.getByText('is refused from their next call').waitFor();
  await admin.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await row.getByText('active').waitFor();
  await row.getByRole('button', { name: 'Revoke olga…' }).click();
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await keys.getByRole('status').filter({ hasText: 'Key "olga" revoked' }).waitFor();
  await row.getByText(/^revoked/).waitFor();
  await expect(row.getByRole('button', { name: /Revoke/ }).count()).resolves.toBe(0);

  // Olga's next call is a 401, and her page turns to the sign-in page; the old key no longer signs in.
  await olga.getByRole('link', { name: 'Memory' }).click();
  await olga.getByRole('heading', { name: 'Sign in to Claude Flow' }).waitFor();
  await olga.getByLabel('API key').fill(key);
  await olga.getByRole('button', { name: 'Sign in' }).click();
  await olga.getByRole('alert').waitFor();
  await olgaCtx.close();

  // The audit log finds it all: olga's session, the revocation, the refused sign-in.
  const audit = admin.getByRole('region', { name: 'Audit log' });
  const filters = audit.getByRole('search', { name: 'Filter the audit log' });
  const rows = audit.getByTestId('audit-row');
  /** Waits until the table (the page the filters asked for, not the one kept while it loads) is exactly `expected`. */
  const shows = async (expected: RegExp[]) => {
    let texts: string[] = [];
    await until(async () => {
      texts = await rows.allTextContents();
      return texts.length === expected.length && texts.every((t, i) => expected[i].test(t));
    }).catch(() => expect(texts).toEqual(expected.map(String)));
  };
  const apply = () => filters.getByRole('button', { name: 'Apply filters' }).click();
  await filters.getByLabel('Actor').fill('olga');
  await apply();
  await shows([/olga.*POST \/sessions\b.*201/, /olga.*POST \/auth\/login.*200/]);
  await filters.getByLabel('Actor').fill('');
  await filters.getByLabel('Action').selectOption(`DELETE /api/claude-flow/keys/{keyId}`);
  await apply();
  await shows([/bootstrap.*DELETE \/keys\/\{keyId\}.*200/]);
  await filters.getByLabel('Action').selectOption('');
  await filters.getByLabel('Outcome').selectOption('failed');
  await filters.getByLabel('Path starts with').fill('/api/claude-flow/auth/login');
  await apply();
  await shows([/anonymous.*POST \/auth\/login.*401/]);
  // A time range after everything: nothing; a bad status: the API's 400 says what to fix.
  await filters.getByLabel('From').fill('2099-01-01T00:00');
  await apply();
  await audit.getByText('No calls match these filters.').waitFor();
  await filters.getByRole('button', { name: 'Clear' }).click();
  await filters.getByLabel('Status').fill('4x');
  await apply();
  await audit.getByRole('alert').getByText('status: an HTTP status such as 403, or a class such as 4xx').waitFor();
  await filters.getByLabel('Status').fill('2xx');
  await apply();
  await until(async () => {
    const statuses = await rows.locator('td.num').allTextContents();
    return statuses.length > 3 && statuses.every((t) => /^2\d\d$/.test(t));
  });
  // Live: a call made elsewhere appears in the log without Refresh.
  await filters.getByRole('button', { name: 'Clear' }).click();
  await apply();
  // (a refused call: audited like any other, and it changes nothing the later tests count)
  expect((await asAdmin('POST', '/sessions', { owner: 'nobody' })).status).toBe(400);
  await rows.filter({ hasText: 'POST /sessions' }).filter({ hasText: '400' }).first().waitFor();
  await look(admin, 'admin');
  expect(problems).toEqual([]);
  await adminCtx.close();
});

test('preferences: dark theme and rows per page survive a reload, live in localStorage only; the last filters come back', async () => {
  // The system is light; the chosen theme wins.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  const page = await signIn(context, ADMIN_KEY);
  const sent: Request[] = [];
  page.on('request', (r) => sent.push(r));
  const background = () =>
    page.evaluate(() => {
      const w = globalThis as unknown as Win;
      return w.getComputedStyle(w.document.body).backgroundColor;
    });
  await expect(background()).resolves.toBe('rgb(246, 247, 249)');

  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Preferences' }).waitFor();
  await page.getByLabel('Same as the system (light here)').waitFor();
  sent.length = 0;
  await page.getByLabel('Dark').check();
  await expect(themeOf(page)).resolves.toBe('dark');
  await expect(background()).resolves.toBe('rgb(17, 20, 24)');
  await page.getByLabel('Rows per page in lists').selectOption('10');
  await look(page, 'settings-dark');
  // Nothing went to the server: no request at all while choosing.
  expect(sent.map((r) => `${r.method()} ${r.url()}`)).toEqual([]);
  const stored = await page.evaluate(() => ({ ...(globalThis as unknown as Win).localStorage }));
  expect(stored).toMatchObject({ 'claude-flow.theme': '"dark"', 'claude-flow.pageSize': '10' });

  // Kept across a reload, and applied before the app draws anything (at DOMContentLoaded).
  await page.reload({ waitUntil: 'domcontentloaded' });
  await expect(themeOf(page)).resolves.toBe('dark');
  await page.getByRole('heading', { name: 'Preferences' }).waitFor();
  await expect(page.getByLabel('Dark').isChecked()).resolves.toBe(true);
  await expect(page.getByLabel('Rows per page in lists').inputValue()).resolves.toBe('10');

  // Lists ask the server for pages of 10.
  const memoryPage = page.waitForRequest((r) => r.url().includes('/memory/entries?') && r.url().includes('limit=10'));
  await page.getByRole('link', { name: 'Memory' }).click();
  await memoryPage;
  await until(async () => (await page.getByTestId('entry-row').count()) === 10);
  const pager = page.getByRole('navigation', { name: 'Entry pages' });
  await pager.getByRole('button', { name: 'Next' }).click();
  await page.getByTestId('entry-row').filter({ hasText: 'plan-12' }).waitFor();
  await until(async () => (await page.getByTestId('entry-row').count()) === 2);
  const sessionsPage = page.waitForRequest((r) => r.url().includes('/sessions?') && r.url().includes('limit=10'));
  await page.getByRole('link', { name: 'Sessions' }).click();
  await sessionsPage;

  // The last filters: set, leave, come back.
  await page.getByLabel('Status').selectOption('active');
  await page.getByRole('searchbox', { name: 'Owner' }).fill('alice');
  await page.getByRole('searchbox', { name: 'Owner' }).press('Enter');
  await until(async () => new URL(page.url()).searchParams.get('owner') === 'alice');
  await page.getByRole('link', { name: 'Memory' }).click();
  await page.getByRole('button', { name: /^notes\/ 12 entries/ }).click();
  await page.getByRole('heading', { name: 'Entries in notes/' }).waitFor();
  await page.getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.getByRole('link', { name: 'Sessions' }).click();
  await until(async () => new URL(page.url()).search === '?status=active&owner=alice');
  await expect(page.getByLabel('Status').inputValue()).resolves.toBe('active');
  await expect(page.getByRole('searchbox', { name: 'Owner' }).inputValue()).resolves.toBe('alice');
  await page.getByRole('link', { name: 'Memory' }).click();
  await page.getByRole('heading', { name: 'Entries in notes/' }).waitFor();
  // Forgotten on request: both views open unfiltered.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Forget remembered filters' }).click();
  await page.getByRole('status').filter({ hasText: 'Forgotten.' }).waitFor();
  await page.getByRole('link', { name: 'Sessions' }).click();
  await page.getByRole('heading', { name: 'All sessions' }).waitFor();
  expect(new URL(page.url()).search).toBe('');
  // "System" follows the system again.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Same as the system').check();
  await expect(background()).resolves.toBe('rgb(246, 247, 249)');
  await context.close();
});

const VIEWS: { name: string; path: string; ready: (p: Page) => Promise<unknown> }[] = [
  { name: 'overview', path: '/', ready: (p) => p.getByText('Worker', { exact: true }).waitFor() },
  { name: 'sessions', path: '/sessions', ready: (p) => p.getByRole('link', { name: /Release 2.0/ }).waitFor() },
  { name: 'session', path: '/sessions/:id', ready: (p) => p.getByTestId('message').nth(1).waitFor() },
  {
    // Opened from the menu (a deep link to /memory is the lead's branch's: api/routes/dashboard.ts).
    name: 'memory',
    path: '/',
    ready: async (p) => {
      await p.getByRole('link', { name: 'Memory' }).click();
      await p.getByRole('button', { name: /^notes\/ 12 entries/ }).click();
      await p.getByRole('button', { name: 'plan-01' }).click();
      await p.getByTestId('entry-value').waitFor();
    },
  },
  { name: 'settings', path: '/settings', ready: (p) => p.getByRole('heading', { name: 'Preferences' }).waitFor() },
  { name: 'admin', path: '/admin', ready: (p) => p.getByTestId('audit-row').first().waitFor() },
];

test.each([
  ['desktop', 'light'],
  ['desktop', 'dark'],
  ['phone', 'light'],
  ['phone', 'dark'],
] as const)(
  'every view on a %s in the %s theme: nothing cut off sideways, focus visible, axe clean',
  async (device, theme) => {
    const viewport = device === 'phone' ? { width: 390, height: 844 } : { width: 1280, height: 800 };
    const context = await browser.newContext({ viewport, colorScheme: theme });
    const page = await signIn(context, ADMIN_KEY);
    for (const view of VIEWS) {
      await page.goto(`${api.url}${view.path.replace(':id', sessionId)}`);
      await view.ready(page);
      await page.screenshot({ path: path.join(SHOTS, `${view.name}-${device}-${theme}.png`), fullPage: true });
      expect(`${view.name}: ${await sideways(page)}`).toBe(`${view.name}: 0`);
      await look(page, `${view.name}-${device}-${theme}`);
    }
    // Keyboard: every control of the Admin page is reached by Tab and shows a focus ring.
    await page.goto(`${api.url}/admin`);
    await page.getByTestId('audit-row').first().waitFor();
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const w = globalThis as unknown as Win;
        const el = w.document.activeElement;
        if (!el || el === w.document.body) return undefined;
        const s = w.getComputedStyle(el);
        return {
          what: `${el.tagName} ${el.getAttribute('aria-label') || el.textContent?.trim().slice(0, 30) || el.getAttribute('type') || ''}`,
          ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
        };
      });
      if (!f) continue;
      expect(`${f.what}: ${f.ring ? 'ring' : 'no ring'}`).toBe(`${f.what}: ring`);
      seen.add(f.what);
    }
    for (const name of ['A Settings', 'A Admin', 'BUTTON Refresh', 'INPUT datetime-local', 'BUTTON Apply filters'])
      expect([...seen].some((s) => s.startsWith(name))).toBe(true);
    await context.close();
  },
);
