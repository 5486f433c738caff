// Authentication and roles: every declared route × every role and every kind of bad credential;
// the key lifecycle; dashboard logins with their cookie, expiry and logout.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../api/app';
import { allows, type Role } from '../../api/auth/roles';
import { ROUTES, type RouteSpec } from '../../api/catalog';
import { startTestApp, type TestApp } from '../helpers/stack';
import { concretePath } from '../helpers/routes';

const BOOTSTRAP = 'bootstrap-admin-key-for-tests-0123456789';
const A = '/api/claude-flow';
let app: TestApp;
const http = () => createApp({ ...app, temporal: app.client });
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const keys = {} as Record<Role, string>;
let revoked: string;

beforeAll(async () => {
  // Every route is called with wrong credentials below: no lockout for failed authentication here
  // (test/api/auth-failures.test.ts tests it).
  app = await startTestApp({
    worker: false,
    env: { CLAUDE_FLOW_API_KEY: BOOTSTRAP, CLAUDE_FLOW_RATE_LIMIT_AUTH_FAILURES: '0' },
  });
  for (const role of ['viewer', 'operator', 'admin'] as const) {
    const res = await request(http()).post(`${A}/keys`).set(bearer(BOOTSTRAP)).send({ name: role, role }).expect(201);
    keys[role] = res.body.key;
  }
  const r = await request(http()).post(`${A}/keys`).set(bearer(BOOTSTRAP)).send({ name: 'old', role: 'admin' });
  revoked = r.body.key;
  await request(http()).delete(`${A}/keys/${r.body.id}`).set(bearer(BOOTSTRAP)).expect(200);
});
afterAll(async () => {
  await app?.close();
});

const concrete = concretePath;

function call(spec: RouteSpec, headers: Record<string, string>) {
  const path = concrete(spec);
  const r = request(http());
  const req =
    spec.method === 'GET'
      ? r.get(path)
      : spec.method === 'POST'
        ? r.post(path)
        : spec.method === 'PUT'
          ? r.put(path)
          : r.delete(path);
  req.set(headers);
  // Bodies that fail validation: an allowed caller gets a 4xx from the route, never a side effect.
  return spec.method === 'POST' || spec.method === 'PUT' ? req.send({ unexpected: true }) : req;
}

const cases = ROUTES.map((spec) => [`${spec.method} ${spec.path}`, spec] as const);

describe.each(cases)('%s', (_name, spec) => {
  test.each(['viewer', 'operator', 'admin'] as const)('as %s', async (role) => {
    const res = await call(spec, bearer(keys[role]));
    if (spec.role === 'public' || allows(role, spec.role)) {
      expect([401, 403]).not.toContain(res.status);
      // /readyz answers 503 by design here: no worker polls in this file.
      if (spec.path !== '/readyz') expect(res.status).toBeLessThan(500);
    } else {
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toContain(`needs the ${spec.role} role`);
    }
  });

  test('with no key, a bad key and a revoked key', async () => {
    for (const headers of [{}, bearer('cf_live_not-a-real-key'), bearer(revoked), { Authorization: 'Basic abc' }]) {
      const res = await call(spec, headers);
      if (spec.role === 'public') expect([401, 403]).not.toContain(res.status);
      else {
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    }
  });
});

test('health endpoints stay open without a key', async () => {
  await request(http()).get('/healthz').expect(200);
});

test('a path no route declares needs admin', async () => {
  await request(http()).get(`${A}/undeclared`).set(bearer(keys.operator)).expect(403);
  await request(http()).get(`${A}/undeclared`).set(bearer(keys.admin)).expect(404);
});

test('sealed namespaces need admin, for reads and writes', async () => {
  const path = `${A}/memory/entries/secrets/db/password`;
  const put = await request(http()).put(path).set(bearer(keys.operator)).send({ value: 'x' }).expect(403);
  expect(put.body.requiredRole).toBe('admin');
  await request(http()).get(path).set(bearer(keys.viewer)).expect(403);
  await request(http()).get(`${A}/memory/entries?namespace=secrets/`).set(bearer(keys.viewer)).expect(403);
  await request(http())
    .post(`${A}/memory/bulk`)
    .set(bearer(keys.operator))
    .send({ entries: [{ namespace: 'secrets/', key: 'k', value: 1 }] })
    .expect(403);
  await request(http()).get(path).set(bearer(keys.admin)).expect(404);
});

describe('key lifecycle', () => {
  test('created once with a visible prefix, listed without secrets, last use recorded, revoked', async () => {
    const created = await request(http())
      .post(`${A}/keys`)
      .set(bearer(keys.admin))
      .send({ name: 'ci', role: 'viewer' })
      .expect(201);
    expect(created.body.key).toMatch(/^cf_live_[A-Za-z0-9_-]{43}$/);
    expect(created.body.key.startsWith(created.body.prefix)).toBe(true);
    const stored = await app.pool.query('SELECT hash FROM api_key WHERE id = $1', [created.body.id]);
    expect(stored.rows[0].hash).not.toContain(created.body.key);

    const listed = () =>
      request(http())
        .get(`${A}/keys`)
        .set(bearer(keys.admin))
        .then((r) => r.body.keys.find((k: { id: string }) => k.id === created.body.id));
    const before = await listed();
    expect(before).toMatchObject({ name: 'ci', role: 'viewer', prefix: created.body.prefix, lastUsedAt: null });
    expect(before.key).toBeUndefined();
    expect(JSON.stringify(before)).not.toContain(created.body.key);

    await request(http()).get(`${A}/memory/namespaces`).set(bearer(created.body.key)).expect(200);
    expect((await listed()).lastUsedAt).not.toBeNull();

    await request(http()).delete(`${A}/keys/${created.body.id}`).set(bearer(keys.admin)).expect(200);
    const after = await request(http()).get(`${A}/memory/namespaces`).set(bearer(created.body.key)).expect(401);
    expect(after.body.detail).toMatch(/revoked/);
    expect((await listed()).revokedAt).not.toBeNull();
  });

  test('bad input is a 400 or 404, never a 5xx', async () => {
    await request(http()).post(`${A}/keys`).set(bearer(keys.admin)).send({ name: 'x', role: 'root' }).expect(400);
    await request(http()).post(`${A}/keys`).set(bearer(keys.admin)).send({ role: 'viewer' }).expect(400);
    await request(http()).delete(`${A}/keys/not-a-uuid`).set(bearer(keys.admin)).expect(400);
    await request(http()).delete(`${A}/keys/${randomUUID()}`).set(bearer(keys.admin)).expect(404);
  });
});

describe('dashboard login', () => {
  const cookieOf = (res: request.Response) => {
    const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    return set.find((c) => c.startsWith('cf_login='));
  };

  test('login sets an httpOnly SameSite=Lax cookie that authenticates; logout ends it', async () => {
    const res = await request(http()).post(`${A}/auth/login`).send({ key: keys.operator }).expect(200);
    expect(res.body).toMatchObject({ name: 'operator', role: 'operator' });
    const cookie = cookieOf(res) as string;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const expires = Date.parse(/Expires=([^;]+)/.exec(cookie)?.[1] ?? '');
    expect(expires - Date.now()).toBeGreaterThan(11 * 3_600_000);
    const pair = cookie.split(';')[0];

    const me = await request(http()).get(`${A}/auth/me`).set('Cookie', pair).expect(200);
    expect(me.body).toMatchObject({ role: 'operator', via: 'cookie' });
    await request(http()).get(`${A}/keys`).set('Cookie', pair).expect(403);

    await request(http()).post(`${A}/auth/logout`).set('Cookie', pair).expect(204);
    await request(http()).get(`${A}/auth/me`).set('Cookie', pair).expect(401);
  });

  test('the cookie is Secure behind https, and a login past its expiry is refused', async () => {
    const res = await request(http())
      .post(`${A}/auth/login`)
      .set('X-Forwarded-Proto', 'https')
      .send({ key: keys.viewer })
      .expect(200);
    const cookie = cookieOf(res) as string;
    expect(cookie).toMatch(/Secure/);
    const pair = cookie.split(';')[0];
    await request(http()).get(`${A}/auth/me`).set('Cookie', pair).expect(200);
    await app.pool.query(`UPDATE auth_session SET expires_at = now() - interval '1 second'`);
    const gone = await request(http()).get(`${A}/auth/me`).set('Cookie', pair).expect(401);
    expect(gone.body.detail).toMatch(/expired/);
    // A stale cookie does not stand in the way of logging in again.
    await request(http()).post(`${A}/auth/login`).set('Cookie', pair).send({ key: keys.viewer }).expect(200);
  });

  test('a wrong or revoked key cannot log in', async () => {
    await request(http()).post(`${A}/auth/login`).send({ key: 'nope' }).expect(401);
    await request(http()).post(`${A}/auth/login`).send({ key: revoked }).expect(401);
    await request(http()).post(`${A}/auth/login`).send({}).expect(400);
  });

  test('a login cookie with a malformed %-escape is an unknown login (401), not a 500', async () => {
    const res = await request(http()).get(`${A}/auth/me`).set('Cookie', 'cf_login=a%zz%').expect(401);
    expect(res.body.detail).toMatch(/log in again/);
    await request(http()).post(`${A}/auth/logout`).set('Cookie', 'cf_login=%E0%A4%A').expect(204);
  });
});
