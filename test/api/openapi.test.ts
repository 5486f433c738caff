// The OpenAPI document and reference page come from the route table; metrics and CORS work.
import request from 'supertest';
import { createApp } from '../../api/app';
import { ROUTES } from '../../api/catalog';
import { startTestApp, type TestApp } from '../helpers/stack';

let app: TestApp;
const http = () => createApp({ ...app, temporal: app.client });
beforeAll(async () => {
  app = await startTestApp({ worker: false });
});
afterAll(async () => {
  await app?.close();
});

test('openapi.json is OpenAPI 3.1 with every declared route, its role and its zod schemas', async () => {
  const res = await request(http()).get('/api/claude-flow/openapi.json').expect(200);
  expect(res.body.openapi).toBe('3.1.0');
  for (const r of ROUTES) {
    const op = res.body.paths[r.path]?.[r.method.toLowerCase()];
    expect(op).toMatchObject({ summary: r.summary, 'x-required-role': r.role });
  }
  const put = res.body.paths['/api/claude-flow/memory/entries/{path}'].put;
  expect(put.requestBody.content['application/json'].schema.properties).toHaveProperty('expectedVersion');
  // A session's run takes `input`, as POST /workflows does; `params` is marked deprecated.
  const sessionRun = res.body.paths['/api/claude-flow/sessions/{sessionId}/workflows'].post;
  const runBody = sessionRun.requestBody.content['application/json'].schema;
  expect(Object.keys(runBody.properties)).toEqual(['type', 'input', 'params']);
  expect(runBody.properties.params).toMatchObject({
    deprecated: true,
    description: expect.stringMatching(/^Deprecated/),
  });
  expect(sessionRun.description).toMatch(/`params` is the deprecated old name of `input`/);
  const usage = res.body.paths['/api/claude-flow/analytics/usage'].get;
  expect(usage.parameters.map((p: { name: string }) => p.name)).toEqual(
    expect.arrayContaining(['from', 'to', 'provider', 'groupBy']),
  );
});

test('/docs is a self-contained HTML reference', async () => {
  const res = await request(http()).get('/api/claude-flow/docs').expect(200);
  expect(res.headers['content-type']).toMatch(/text\/html/);
  expect(res.text).toContain('/api/claude-flow/memory/entries/{path}');
  expect(res.text).not.toMatch(/<script|(src|href)="https?:/);
});

test('/metrics has request durations by declared route and status, and live connections', async () => {
  await request(http()).get('/api/claude-flow/memory/namespaces').expect(200);
  const res = await request(http()).get('/metrics').expect(200);
  expect(res.text).toMatch(
    /cf_http_request_duration_seconds_count\{method="GET",route="\/api\/claude-flow\/memory\/namespaces",status="200"\} \d+/,
  );
  expect(res.text).toContain('# TYPE cf_live_connections gauge');
});

test('CORS: the Temporal UI origin gets a preflight answer without credentials; others get nothing', async () => {
  const origin = app.config.payloads.uiOrigins[0];
  const ok = await request(http())
    .options('/api/claude-flow/codec/decode')
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'POST')
    .expect(204);
  expect(ok.headers['access-control-allow-origin']).toBe(origin);
  expect(ok.headers['access-control-allow-credentials']).toBe('true');
  const other = await request(http())
    .options('/api/claude-flow/codec/decode')
    .set('Origin', 'https://evil.example')
    .set('Access-Control-Request-Method', 'POST');
  expect(other.headers['access-control-allow-origin']).toBeUndefined();
});
