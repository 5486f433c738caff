// A live stream ends within a second of its key's revocation, its key's role change or its login's
// logout: over SSE and WebSocket, on the API copy that made the change and on another one.
import http from 'node:http';
import WebSocket from 'ws';
import { startApi, type ApiServer } from '../../api/server';
import { startTestApp, type TestApp } from '../helpers/stack';

const ADMIN = 'bootstrap-admin-key-for-revocation-tests';
const A = '/api/claude-flow';
let app: TestApp;
let one: ApiServer;
let two: ApiServer;

beforeAll(async () => {
  app = await startTestApp({ worker: false, env: { CLAUDE_FLOW_API_KEY: ADMIN } });
  const config = { ...app.config, api: { ...app.config.api, port: 0 } };
  // Two API copies on one database, each with its own LISTEN connection.
  one = await startApi({ ...app, config, temporal: app.client });
  two = await startApi({ ...app, config, temporal: app.client });
});
afterAll(async () => {
  await one?.close();
  await two?.close();
  await app?.close();
});

async function call(
  api: ApiServer,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const all: Record<string, string> = {
    Authorization: `Bearer ${ADMIN}`,
    'Content-Type': 'application/json',
    ...headers,
  };
  for (const [k, v] of Object.entries(all)) if (v === '') delete all[k];
  const res = await fetch(`${api.url}${A}${path}`, {
    method,
    headers: all,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json().catch(() => undefined) };
}

async function newKey(role = 'viewer'): Promise<{ id: string; key: string }> {
  const res = await call(one, 'POST', '/keys', { name: `live-${role}`, role });
  expect(res.status).toBe(201);
  return res.body as { id: string; key: string };
}

/** An SSE stream: resolves once subscribed; `ended` resolves when the server ends it, with what it said last. */
function sse(api: ApiServer, headers: Record<string, string>) {
  let text = '';
  let subscribed!: () => void;
  const ready = new Promise<void>((r) => (subscribed = r));
  const ended = new Promise<string>((resolve, reject) => {
    const req = http.get(`${api.url}${A}/live/sse?channels=analytics`, { headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`SSE answered ${res.statusCode}`));
      res.on('data', (d) => {
        text += d;
        if (text.includes(': subscribed')) subscribed();
      });
      res.on('end', () => resolve(text));
      res.on('error', () => resolve(text));
    });
    req.on('error', reject);
  });
  return { ready, ended };
}

/** A WebSocket subscribed to analytics; `closed` resolves with the close code and reason. */
async function ws(api: ApiServer, query: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(`${api.url.replace('http', 'ws')}${A}/live?${query}`, { headers });
  const closed = new Promise<[number, string]>((r) =>
    socket.once('close', (code, reason) => r([code, String(reason)])),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ subscribe: ['analytics'] }));
  await new Promise<void>((r) => socket.on('message', (m) => String(m).includes('subscribed') && r()));
  return { socket, closed };
}

/** Resolves with the milliseconds `p` took from now, or rejects after `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<{ value: T; took: number }> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const value = await Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
  return { value, took: Date.now() - t0 };
}

test('revoking a key ends its SSE and WebSocket streams within a second, on every API copy', async () => {
  const { id, key } = await newKey();
  const streams = [sse(one, { Authorization: `Bearer ${key}` }), sse(two, { Authorization: `Bearer ${key}` })];
  await Promise.all(streams.map((s) => s.ready));
  const sockets = [await ws(one, `key=${key}`), await ws(two, '', { Authorization: `Bearer ${key}` })];
  // A stream of another key stays open.
  const other = await newKey();
  const bystander = sse(two, { Authorization: `Bearer ${other.key}` });
  await bystander.ready;

  expect((await call(one, 'DELETE', `/keys/${id}`)).status).toBe(200);
  for (const s of streams) {
    const { value } = await within(s.ended, 1_000);
    expect(value).toMatch(/event: revoked\ndata: .*the API key was revoked/);
  }
  for (const s of sockets) {
    const { value } = await within(s.closed, 1_000);
    expect(value).toEqual([1008, 'the API key was revoked']);
  }
  await expect(within(bystander.ended, 300)).rejects.toThrow(/still open/);
  // And it cannot come back.
  expect((await call(two, 'GET', '/auth/me', undefined, { Authorization: `Bearer ${key}` })).status).toBe(401);
});

test('logging out ends the streams of that login, and only those', async () => {
  const { key } = await newKey();
  const login = async () => {
    const res = await fetch(`${one.url}${A}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ key }),
    });
    expect(res.status).toBe(200);
    return (res.headers.get('set-cookie') ?? '').split(';')[0];
  };
  const [mine, theirs] = [await login(), await login()];
  const stream = sse(two, { Cookie: mine });
  const socket = await ws(one, '', { Cookie: mine });
  const kept = sse(two, { Cookie: theirs });
  const byKey = sse(one, { Authorization: `Bearer ${key}` });
  await Promise.all([stream.ready, kept.ready, byKey.ready]);

  const out = await fetch(`${one.url}${A}/auth/logout`, { method: 'POST', headers: { Cookie: mine } });
  expect(out.status).toBe(204);
  expect((await within(stream.ended, 1_000)).value).toMatch(/the login ended/);
  expect((await within(socket.closed, 1_000)).value[0]).toBe(1008);
  await expect(within(kept.ended, 300)).rejects.toThrow(/still open/);
  await expect(within(byKey.ended, 10)).rejects.toThrow(/still open/);
});

test("a key's role change ends its streams (they reconnect with the new role), logins included", async () => {
  const { id, key } = await newKey('operator');
  const res = await fetch(`${one.url}${A}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ key }),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  const streams = [sse(one, { Authorization: `Bearer ${key}` }), sse(two, { Cookie: cookie })];
  await Promise.all(streams.map((s) => s.ready));

  const changed = await call(two, 'PUT', `/keys/${id}`, { role: 'viewer' });
  expect(changed.status).toBe(200);
  expect(changed.body).toMatchObject({ id, role: 'viewer' });
  for (const s of streams) expect((await within(s.ended, 1_000)).value).toMatch(/role changed to viewer/);
  // The login has the new role at once.
  const me = await call(one, 'GET', '/auth/me', undefined, { Authorization: '', Cookie: cookie });
  expect(me.body).toMatchObject({ role: 'viewer', via: 'cookie' });
  expect((await call(one, 'PUT', `/keys/${id}`, { role: 'root' })).status).toBe(400);
  expect((await call(one, 'PUT', '/keys/00000000-0000-4000-8000-000000000000', { role: 'viewer' })).status).toBe(404);
});

test('a revocation nobody announced (a change made in the table) is caught by the heartbeat check', async () => {
  const config = { ...app.config, api: { ...app.config.api, port: 0 } };
  const quick = await startApi({ ...app, config, temporal: app.client, live: { heartbeatMs: 200 } });
  try {
    const { id, key } = await newKey();
    const stream = sse(quick, { Authorization: `Bearer ${key}` });
    await stream.ready;
    const socket = await ws(quick, `key=${key}`);
    await app.pool.query('UPDATE api_key SET revoked_at = now() WHERE id = $1', [id]);
    expect((await within(stream.ended, 1_000)).value).toMatch(/revoked/);
    expect((await within(socket.closed, 1_000)).value[0]).toBe(1008);
  } finally {
    await quick.close();
  }
});
