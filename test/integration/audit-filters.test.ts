// GET /audit's filters as the dashboard's audit log uses them: by status (exact or class), by
// outcome, by target path prefix, combined, paged by cursor; every bad filter a 400 naming it;
// GET /audit/actions lists what the action filter takes.
import request from 'supertest';
import { createApp } from '../../api/app';
import { startTestApp, type TestApp } from '../helpers/stack';

const A = '/api/claude-flow';
const ADMIN = 'bootstrap-admin-key-for-audit-filters-01';
let app: TestApp;
// One app (one audit writer), so the rows are written in the order of the calls.
let server: ReturnType<typeof createApp>;
const http = () => server;
const admin = { Authorization: `Bearer ${ADMIN}` };
type Row = { id: string; action: string; target: string; status: number; actor: string; actorName: string | null };

beforeAll(async () => {
  app = await startTestApp({ worker: false, env: { CLAUDE_FLOW_API_KEY: ADMIN } });
  server = createApp({ ...app, temporal: app.client });
  // Three outcomes on record: 201 (a key made), 400 (a bad body), 404 (revoking no such key).
  await request(http()).post(`${A}/keys`).set(admin).send({ name: 'ci', role: 'viewer' }).expect(201);
  await request(http()).post(`${A}/keys`).set(admin).send({ name: '', role: 'viewer' }).expect(400);
  await request(http()).delete(`${A}/keys/00000000-0000-4000-8000-000000000000`).set(admin).expect(404);
  for (let i = 0; i < 12; i++)
    await request(http()).put(`${A}/memory/entries/pages/k${i}`).set(admin).send({ value: i }).expect(201);
  // The trail is written in batches just after each answer.
  const deadline = Date.now() + 5_000;
  while ((await app.pool.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n < 15) {
    if (Date.now() > deadline) throw new Error('the audit rows were not written');
    await new Promise((r) => setTimeout(r, 50));
  }
});
afterAll(async () => {
  await app?.close();
});

const audit = async (query: Record<string, string | number>) =>
  (await request(http()).get(`${A}/audit`).query(query).set(admin).expect(200)).body as {
    entries: Row[];
    nextCursor?: string;
  };

test('status filters by an exact code or a class; outcome by ok or failed', async () => {
  expect((await audit({ status: 404 })).entries.map((e) => e.target)).toEqual([
    `${A}/keys/00000000-0000-4000-8000-000000000000`,
  ]);
  expect((await audit({ status: '4xx' })).entries.map((e) => e.status)).toEqual([404, 400]);
  expect((await audit({ status: '2xx', action: `POST ${A}/keys` })).entries.map((e) => e.status)).toEqual([201]);
  expect((await audit({ outcome: 'failed' })).entries.map((e) => e.status)).toEqual([404, 400]);
  const ok = await audit({ outcome: 'ok' });
  expect(ok.entries).toHaveLength(13);
  expect(ok.entries.every((e) => e.status < 400)).toBe(true);
  expect((await audit({ status: '5xx' })).entries).toEqual([]);
});

test('target matches a path or its start, with % and _ taken literally', async () => {
  const keys = await audit({ target: `${A}/keys` });
  expect(keys.entries.map((e) => e.status)).toEqual([404, 400, 201]);
  expect((await audit({ target: `${A}/memory/entries/pages/k3` })).entries).toHaveLength(1);
  expect((await audit({ target: `${A}/memory/entries/pages/k1` })).entries).toHaveLength(3); // k1, k10, k11
  expect((await audit({ target: `${A}/memory/entries/pages/k%` })).entries).toEqual([]);
  expect((await audit({ target: `${A}/memory/entries/pages/k_` })).entries).toEqual([]);
});

test('pages follow nextCursor, newest first, without gaps or repeats, until there is none', async () => {
  const all = await audit({ limit: 1000 });
  expect(all.nextCursor).toBeUndefined();
  // Newest first by number, not as text (row 10 after row 9).
  const ids = all.entries.map((e) => Number(e.id));
  expect(ids.length).toBeGreaterThan(10);
  expect(ids).toEqual([...ids].sort((a, b) => b - a));
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await audit({ limit: 3, ...(cursor ? { cursor } : {}) });
    expect(page.entries.length).toBeLessThanOrEqual(3);
    seen.push(...page.entries.map((e) => e.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  expect(seen).toEqual(all.entries.map((e) => e.id));
  expect(pages).toBe(Math.ceil(all.entries.length / 3));
  // Filters hold across pages.
  const first = await audit({ target: `${A}/memory/`, limit: 2 });
  const second = await audit({ target: `${A}/memory/`, limit: 2, cursor: first.nextCursor as string });
  expect([...first.entries, ...second.entries].map((e) => e.target)).toEqual(
    [11, 10, 9, 8].map((i) => `${A}/memory/entries/pages/k${i}`),
  );
});

test('a bad filter is a 400 that names it and what it takes', async () => {
  const bad = async (query: Record<string, string>, says: RegExp) => {
    const res = await request(http()).get(`${A}/audit`).query(query).set(admin).expect(400);
    expect(res.body.detail).toMatch(says);
  };
  await bad({ status: '4x' }, /status: an HTTP status such as 403, or a class such as 4xx/);
  await bad({ status: '600' }, /status: /);
  await bad({ outcome: 'maybe' }, /outcome: ok \(answered below 400\) or failed/);
  await bad({ cursor: 'abc' }, /cursor: the nextCursor of the previous page/);
  await bad({ from: 'yesterday' }, /from: an ISO 8601 time/);
  await bad({ from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' }, /from: from must be before to/);
  await bad({ target: 'a\u0000b' }, /parameter target contains the NUL character/);
  await bad({ colour: 'red' }, /colour/);
  // An offset ISO 8601 allows and PostgreSQL does not (beyond ±15:59) is read in UTC, not a 500.
  expect((await audit({ from: '2026-01-01T00:00:00-19:16' })).entries.length).toBeGreaterThan(0);
});

test('GET /audit/actions lists the mutating routes, for admins only', async () => {
  const res = await request(http()).get(`${A}/audit/actions`).set(admin).expect(200);
  expect(res.body.actions).toEqual(expect.arrayContaining([`POST ${A}/keys`, `DELETE ${A}/keys/{keyId}`]));
  expect(res.body.actions.some((a: string) => a.startsWith('GET '))).toBe(false);
  const created = await request(http()).post(`${A}/keys`).set(admin).send({ name: 'ops', role: 'operator' });
  await request(http())
    .get(`${A}/audit/actions`)
    .set({ Authorization: `Bearer ${created.body.key}` })
    .expect(403);
});
