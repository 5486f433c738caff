import os from 'node:os';
import request from 'supertest';
import { createApp } from '../../api/app';
import { startTestApp, type TestApp } from '../helpers/stack';

describe('with a worker polling', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });
  const http = () => createApp({ ...app, temporal: app.client });

  test('GET /healthz says the process is up', async () => {
    const res = await request(http()).get('/healthz').expect(200);
    expect(res.body.status).toBe('ok');
  });

  test('GET /readyz reports every check ready', async () => {
    const res = await request(http()).get('/readyz').expect(200);
    expect(res.body.status).toBe('ready');
    for (const check of ['postgres', 'migrations', 'temporal', 'worker']) expect(res.body[check].ok).toBe(true);
    // Which API copy answered, and the worker polling with its identity and build.
    expect(res.body.api.identity).toBe(`${process.pid}@${os.hostname()}`);
    expect(res.body.workers).toEqual([
      {
        identity: app.worker?.worker.options.identity,
        buildId: expect.stringMatching(/^claude-flow@\d+\.\d+\.\d+\+[0-9a-f]{12}$/),
        polls: ['workflow', 'activity'],
        lastSeen: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    expect(res.body.worker.detail).toBe(`1 worker polling ${app.config.temporal.taskQueue}`);
  });

  test('unknown routes are problem+json 404s carrying the request id', async () => {
    const res = await request(http()).get('/api/claude-flow/nope').set('X-Request-Id', 'req-123').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-request-id']).toBe('req-123');
    expect(res.body).toMatchObject({ status: 404, title: 'Not Found', requestId: 'req-123' });
  });

  test('malformed JSON is a 400 that says so, never a 5xx', async () => {
    const res = await request(http())
      .post('/api/claude-flow/anything')
      .set('Content-Type', 'application/json')
      .send('{"a": ')
      .expect(400);
    expect(res.body.detail).toMatch(/not valid JSON/);
  });

  test('an oversized body is a 413', async () => {
    await request(http())
      .post('/api/claude-flow/anything')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ big: 'x'.repeat(2 * 1024 * 1024) }))
      .expect(413);
  });
});

describe('with no worker', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await app?.close();
  });

  test('GET /readyz is 503 and says how to start a worker', async () => {
    const res = await request(createApp({ ...app, temporal: app.client }))
      .get('/readyz')
      .expect(503);
    expect(res.body.status).toBe('not ready');
    expect(res.body.postgres.ok).toBe(true);
    expect(res.body.temporal.ok).toBe(true);
    expect(res.body.worker).toMatchObject({ ok: false });
    expect(res.body.worker.detail).toContain('npm run worker');
  });
});
