// The one input policy at the API border (api/input-policy.ts): NUL, invalid Unicode, very deep
// JSON and __proto__/constructor/prototype keys are a 400 naming the field, on every route that
// takes a body, a query or path parameters (the list comes from the route catalog), and never a 5xx.
import request from 'supertest';
import { createApp } from '../../api/app';
import { ROUTES, type RouteSpec } from '../../api/catalog';
import { startTestApp, type TestApp } from '../helpers/stack';
import { concretePath } from '../helpers/routes';

const A = '/api/claude-flow';
/** lib/input-policy.ts MAX_DEPTH. */
const MAX_DEPTH = 64;
let app: TestApp;
const http = () => createApp({ ...app, temporal: app.client });

beforeAll(async () => {
  // No API key: the local admin reaches every route. No rate limits: hundreds of requests follow.
  app = await startTestApp({
    worker: false,
    env: { CLAUDE_FLOW_RATE_LIMIT_PER_IP: '0', CLAUDE_FLOW_RATE_LIMIT_PER_KEY: '0' },
  });
});
afterAll(async () => {
  await app?.close();
});

const concrete = concretePath;

function send(spec: RouteSpec, path: string, raw?: string) {
  const r = request(http());
  const m =
    spec.method === 'GET'
      ? r.get(path)
      : spec.method === 'POST'
        ? r.post(path)
        : spec.method === 'PUT'
          ? r.put(path)
          : r.delete(path);
  return raw === undefined ? m : m.set('Content-Type', 'application/json').send(raw);
}

const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const BODIES: [string, string, RegExp, string][] = [
  ['NUL', '{"probe":"a\\u0000b"}', /NUL/, '/probe'],
  ['a lone surrogate', '{"probe":"\\ud800x"}', /invalid Unicode/, '/probe'],
  ['10,000 levels of nesting', `{"probe":${deep(10_000)}}`, new RegExp(`deeper than ${MAX_DEPTH}`), '/probe'],
  ['__proto__', '{"__proto__":{"polluted":true}}', /not allowed/, '/__proto__'],
  ['constructor, nested', '{"metadata":{"constructor":1}}', /not allowed/, '/metadata/constructor'],
  ['NUL in a key', '{"a\\u0000":1}', /NUL/, '/a\u0000'],
];

// Live streams never end, the webhook parses its own (signed) body; both are covered elsewhere.
const withBody = ROUTES.filter((r) => r.body && r.handler && !r.crossSite);
const withQuery = ROUTES.filter((r) => r.query && r.handler && r.tag !== 'live');
const withParams = ROUTES.filter((r) => /\{[A-Za-z]+\}/.test(r.path) && r.handler);

test('the catalog gives the lists', () => {
  expect(withBody.length).toBeGreaterThan(20);
  expect(withQuery.length).toBeGreaterThan(5);
  expect(withParams.length).toBeGreaterThan(15);
});

describe.each(withBody.map((r) => [`${r.method} ${r.path}`, r] as const))('body of %s', (_n, spec) => {
  test.each(BODIES)('%s is a 400 naming the field', async (_what, raw, message, pointer) => {
    const res = await send(spec, concrete(spec), raw);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toMatch(message);
    expect(res.body.errors[0].in).toBe('body');
    expect(res.body.errors[0].path.startsWith(pointer)).toBe(true);
  });
});

describe.each(withQuery.map((r) => [`${r.method} ${r.path}`, r] as const))('query of %s', (_n, spec) => {
  const names = ['probe', ...Object.keys((spec.query as unknown as { shape?: object }).shape ?? {})];
  test.each(names)('NUL in %s is a 400 naming it', async (name) => {
    const res = await send(spec, `${concrete(spec)}?${name}=a%00b`);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/NUL/);
    expect(res.body.errors[0]).toMatchObject({ in: 'query', path: name });
  });
});

describe.each(withParams.map((r) => [`${r.method} ${r.path}`, r] as const))('path of %s', (_n, spec) => {
  test('NUL in a path parameter is a 400 naming it', async () => {
    const param = /\{([A-Za-z]+)\}/.exec(spec.path)?.[1] as string;
    const path = concrete(spec).replace(/(nope|00000000-0000-4000-8000-000000000000|r1|scratch\/k?)/, (m) =>
      m.startsWith('scratch/') ? `scratch/a%00b${m.endsWith('k') ? '/k' : '/'}` : 'a%00b',
    );
    const res = await send(spec, path, spec.method === 'GET' || spec.method === 'DELETE' ? undefined : '{}');
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/NUL/);
    expect(res.body.errors[0]).toMatchObject({ in: 'path', path: param });
  });
});

// The places a NUL used to reach PostgreSQL (a 500), each now a 400 before anything is written.
test.each([
  ['memory tag', 'put', `${A}/memory/entries/code/k`, { value: 1, tags: ['a\u0000'] }],
  ['memory metadata', 'put', `${A}/memory/entries/code/k`, { value: 1, metadata: { a: 'b\u0000' } }],
  ['memory metadata key', 'put', `${A}/memory/entries/code/k`, { value: 1, metadata: { 'a\u0000': 1 } }],
  ['memory text value', 'put', `${A}/memory/entries/code/k`, { value: 'a\u0000b' }],
  ['memory JSON value', 'put', `${A}/memory/entries/code/k`, { value: { a: 'b\u0000' }, valueType: 'json' }],
  ['memory key name', 'put', `${A}/memory/entries/code/k%00`, { value: 1 }],
  ['memory bulk key', 'post', `${A}/memory/bulk`, { entries: [{ namespace: 'code/', key: 'k\u0000', value: 1 }] }],
  ['memory search', 'get', `${A}/memory/search?q=a%00b`, undefined],
  ['memory list filter', 'get', `${A}/memory/entries?namespace=code%00/`, undefined],
  ['memory tag filter', 'get', `${A}/memory/entries?tags=a%00`, undefined],
  ['memory namespaces filter', 'get', `${A}/memory/namespaces?namespace=a%00`, undefined],
  ['memory copy', 'post', `${A}/memory/namespaces/copy`, { from: 'code/', to: 'x\u0000/' }],
  ['session title', 'post', `${A}/sessions`, { title: 'a\u0000b' }],
  ['session message', 'post', `${A}/sessions/nope/messages`, { text: 'hi\u0000' }],
  ['workflow input', 'post', `${A}/workflows`, { type: 'systemCheck', input: { note: 'a\u0000' } }],
] as const)('NUL in a %s is a 400', async (_what, method, path, body) => {
  const r = request(http())[method](path);
  const res = body === undefined ? await r : await r.send(body);
  expect(res.status).toBe(400);
  expect(res.body.detail).toMatch(/NUL/);
});

test('very deep JSON in a memory value or metadata is a 400, not a stack overflow', async () => {
  for (const field of ['value', 'metadata']) {
    const raw = `{"${field}":${field === 'metadata' ? `{"a":${deep(10_000)}}` : deep(10_000)}}`;
    const res = await request(http())
      .put(`${A}/memory/entries/code/deep`)
      .set('Content-Type', 'application/json')
      .send(raw)
      .expect(400);
    expect(res.body.detail).toMatch(/deeper than 64 levels/);
  }
  // At the limit it is stored.
  const ok = `{"value":${deep(MAX_DEPTH - 1)}}`;
  await request(http())
    .put(`${A}/memory/entries/code/deep`)
    .set('Content-Type', 'application/json')
    .send(ok)
    .expect(201);
});

test('__proto__ in metadata is refused, not silently dropped', async () => {
  const res = await request(http())
    .put(`${A}/memory/entries/code/proto`)
    .set('Content-Type', 'application/json')
    .send('{"value":1,"metadata":{"__proto__":{"admin":true},"kept":1}}')
    .expect(400);
  expect(res.body.detail).toContain('/metadata/__proto__');
  await request(http()).get(`${A}/memory/entries/code/proto`).expect(404);
});

test('the JSON-lines import applies the same rules per line', async () => {
  const exported = JSON.parse((await request(http()).get(`${A}/memory/export`).expect(200)).text.split('\n')[0]);
  const manifest = JSON.stringify({ ...exported, namespace: null, namespaces: ['code/'], entries: 1 });
  const entry = {
    namespace: 'code/',
    key: 'imported',
    valueType: 'text',
    value: 'a\u0000b',
    tags: [],
    expiresAt: null,
    version: 1,
    provenance: {},
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
  const res = await request(http())
    .post(`${A}/memory/import`)
    .set('Content-Type', 'application/x-ndjson')
    .send(`${manifest}\n${JSON.stringify(entry)}\n`)
    .expect(400);
  expect(res.body.detail).toMatch(/line 2: \/value: .*NUL/);
});
