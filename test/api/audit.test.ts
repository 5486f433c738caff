// The audit trail (a row for every mutating route, filterable by admins) and rate limits shared
// through Postgres (429 with Retry-After).
import request from 'supertest';
import { createApp } from '../../api/app';
import { ROUTES } from '../../api/catalog';
import { startTestApp, type TestApp } from '../helpers/stack';
import { concretePath } from '../helpers/routes';

const A = '/api/claude-flow';
const ADMIN = 'bootstrap-admin-key-for-audit-tests-0001';
let app: TestApp;
const http = () => createApp({ ...app, temporal: app.client });
const admin = { Authorization: `Bearer ${ADMIN}` };

beforeAll(async () => {
  app = await startTestApp({ worker: false, env: { CLAUDE_FLOW_API_KEY: ADMIN } });
});
afterAll(async () => {
  await app?.close();
});

async function waitForAudit(where: string, args: unknown[], n: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const rows = (await app.pool.query(`SELECT * FROM audit_log WHERE ${where} ORDER BY id`, args)).rows;
    if (rows.length >= n || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mutating = ROUTES.filter((r) => r.method !== 'GET');

test.each(mutating.map((r) => [`${r.method} ${r.path}`, r] as const))(
  '%s leaves an audit row with actor, status, ip and request id',
  async (action, spec) => {
    const path = concretePath(spec);
    const requestId = `audit-${Math.random().toString(36).slice(2)}`;
    const r = request(http());
    const req = spec.method === 'POST' ? r.post(path) : spec.method === 'PUT' ? r.put(path) : r.delete(path);
    const res = await req.set(admin).set('X-Request-Id', requestId).send({ bad: 1 });
    const rows = await waitForAudit('request_id = $1', [requestId], 1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: 'bootstrap', action, target: path, status: res.status });
    expect(rows[0].ip).toMatch(/127\.0\.0\.1/);
  },
);

test('a refused call is audited too, as anonymous, and reads are not audited', async () => {
  await request(http()).post(`${A}/keys`).set('X-Request-Id', 'anon-1').send({ name: 'x', role: 'admin' }).expect(401);
  expect((await waitForAudit('request_id = $1', ['anon-1'], 1))[0]).toMatchObject({ actor: 'anonymous', status: 401 });
  await request(http()).get(`${A}/keys`).set(admin).set('X-Request-Id', 'read-1').expect(200);
  await new Promise((r) => setTimeout(r, 200));
  expect(await waitForAudit('request_id = $1', ['read-1'], 0)).toHaveLength(0);
});

test('GET /audit filters by actor, action, time and limit, for admins only', async () => {
  const created = await request(http()).post(`${A}/keys`).set(admin).send({ name: 'ops', role: 'operator' });
  const ops = { Authorization: `Bearer ${created.body.key}` };
  await request(http()).put(`${A}/memory/entries/code/a`).set(ops).send({ value: 1 }).expect(201);
  await request(http()).put(`${A}/memory/entries/code/b`).set(ops).send({ value: 2 }).expect(201);
  await waitForAudit('actor = $1', [`key:${created.body.id}`], 2);

  const byActor = await request(http()).get(`${A}/audit`).query({ actor: 'ops' }).set(admin).expect(200);
  expect(byActor.body.entries.map((e: { target: string }) => e.target)).toEqual([
    `${A}/memory/entries/code/b`,
    `${A}/memory/entries/code/a`,
  ]);
  const limited = await request(http())
    .get(`${A}/audit`)
    .query({ action: `PUT ${A}/memory/entries/{path}`, limit: 1 })
    .set(admin)
    .expect(200);
  expect(limited.body.entries).toHaveLength(1);
  const future = await request(http())
    .get(`${A}/audit`)
    .query({ from: new Date(Date.now() + 60_000).toISOString() })
    .set(admin)
    .expect(200);
  expect(future.body.entries).toEqual([]);
  await request(http()).get(`${A}/audit`).query({ limit: 0 }).set(admin).expect(400);
  await request(http()).get(`${A}/audit`).query({ from: 'yesterday' }).set(admin).expect(400);
  // NUL cannot reach PostgreSQL text: a 400, not a 500.
  await request(http()).get(`${A}/audit`).query({ actor: 'a\u0000b' }).set(admin).expect(400);
  await request(http()).get(`${A}/audit`).set(ops).expect(403);
});

describe('rate limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({
      worker: false,
      env: {
        CLAUDE_FLOW_API_KEY: ADMIN,
        CLAUDE_FLOW_RATE_LIMIT_PER_KEY: '3',
        CLAUDE_FLOW_RATE_LIMIT_PER_IP: '6',
        CLAUDE_FLOW_RATE_LIMIT_WINDOW_SECONDS: '3600',
      },
    });
  });
  afterAll(async () => {
    await limited?.close();
  });
  // Two app instances on one database: the limit is shared, as between two API copies.
  const one = () => createApp({ ...limited, temporal: limited.client });
  const two = () => createApp({ ...limited, temporal: limited.client });

  test('a key over its limit gets 429 with Retry-After, across API copies; then the address limit', async () => {
    await request(one()).get(`${A}/keys`).set(admin).expect(200);
    await request(two()).get(`${A}/keys`).set(admin).expect(200);
    await request(one()).get(`${A}/keys`).set(admin).expect(200);
    const res = await request(two()).get(`${A}/keys`).set(admin).expect(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const retry = Number(res.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(3600);
    expect(res.body.detail).toMatch(/with your key/);
    // 4 requests so far from this address; 2 more pass (with no key), the 7th is over the address limit.
    await request(one()).get(`${A}/openapi.json`).expect(200);
    await request(two()).get(`${A}/openapi.json`).expect(200);
    const byIp = await request(one()).get(`${A}/openapi.json`).expect(429);
    expect(byIp.body.detail).toMatch(/from your address/);
    expect(Number(byIp.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await request(one()).get('/healthz').expect(200);
  });
});
