// Browsers' ambient authority (api/browser-guard.ts). Without an API key any page could act as the
// local admin: a DNS-rebound page reading /keys, a cross-site form triggering a schedule, a page
// opening the live WebSocket. With keys, the same checks hold for requests with the login cookie.
import { createHmac } from 'node:crypto';
import request from 'supertest';
import WebSocket from 'ws';
import { createApp } from '../../api/app';
import { startApi, type ApiServer } from '../../api/server';
import { startTestApp, type TestApp } from '../helpers/stack';

const A = '/api/claude-flow';
const FORM = 'application/x-www-form-urlencoded';

/** Whether a WebSocket upgrade with these headers is accepted; the refusal's status otherwise. */
function upgrade(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once('error', reject);
  });
}

describe('no-key mode (the local admin)', () => {
  let app: TestApp;
  let api: ApiServer;
  const http = () => createApp({ ...app, temporal: app.client });
  beforeAll(async () => {
    app = await startTestApp({
      worker: false,
      env: { CLAUDE_FLOW_CORS_ORIGINS: 'https://dash.example.com', GITHUB_WEBHOOK_SECRET: 'webhook-secret-123' },
    });
    const config = { ...app.config, api: { ...app.config.api, port: 0 } };
    api = await startApi({ ...app, config, temporal: app.client });
  });
  afterAll(async () => {
    await api?.close();
    await app?.close();
  });

  test('a rebound Host cannot read /keys; loopback names can', async () => {
    const res = await request(http()).get(`${A}/keys`).set('Host', 'evil.example:3000').expect(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toContain('Host evil.example is not this API');
    expect(res.body.detail).toContain('open it at http://127.0.0.1:3000');
    for (const host of ['127.0.0.1:3000', 'localhost:3000', '[::1]:3000', 'localhost'])
      await request(http()).get(`${A}/keys`).set('Host', host).expect(200);
    // Health checks are no exception: a rebound page learns nothing there either.
    await request(http()).get('/readyz').set('Host', 'evil.example').expect(403);
  });

  test('a foreign Origin is refused; the API’s own and configured ones are served', async () => {
    const foreign = await request(http()).get(`${A}/keys`).set('Origin', 'http://evil.example').expect(403);
    expect(foreign.body.detail).toMatch(/Origin http:\/\/evil\.example may not call this API/);
    await request(http()).get(`${A}/keys`).set('Origin', 'null').expect(403);
    // Same host and port as the request: the API's own page.
    await request(http())
      .get(`${A}/keys`)
      .set('Host', '127.0.0.1:3000')
      .set('Origin', 'http://127.0.0.1:3000')
      .expect(200);
    await request(http())
      .get(`${A}/keys`)
      .set('Host', '127.0.0.1:3000')
      .set('Origin', 'http://localhost:3000')
      .expect(403);
    await request(http()).get(`${A}/keys`).set('Origin', 'https://dash.example.com').expect(200);
  });

  test('a cross-site form cannot trigger a schedule; JSON and body-less requests can', async () => {
    await request(http())
      .post(`${A}/schedules`)
      .send({ scheduleId: 'guarded', type: 'systemCheck', every: '1 day', paused: true })
      .expect(201);
    for (const type of [FORM, 'multipart/form-data; boundary=x', 'text/plain;charset=UTF-8']) {
      const res = await request(http())
        .post(`${A}/schedules/guarded/trigger`)
        .set('Content-Type', type)
        .send('a=1')
        .expect(403);
      expect(res.body.detail).toMatch(/cross-site form/);
      expect(res.body.detail).toMatch(/send Content-Type: application\/json/);
    }
    // A body without a Content-Type (a no-cors fetch of a Blob) neither.
    await request(http())
      .post(`${A}/schedules/guarded/trigger`)
      .set('Content-Length', '3')
      .send(Buffer.from('a=1'))
      .unset('Content-Type')
      .expect(403);
    await request(http()).post(`${A}/schedules/guarded/trigger`).send({}).expect(202);
    // curl -X POST …/trigger: no body, no Content-Type (a browser would send Origin with it).
    await request(http()).post(`${A}/schedules/guarded/trigger`).expect(202);
    await request(http()).delete(`${A}/schedules/guarded`).expect(204);
  });

  test('the signed webhook is exempt: any Host, its own signature decides', async () => {
    const body = JSON.stringify({ zen: 'hi' });
    const sig = `sha256=${createHmac('sha256', 'webhook-secret-123').update(body).digest('hex')}`;
    const res = await request(http())
      .post(`${A}/webhooks/github`)
      .set('Host', 'hooks.tunnel.example')
      .set('Content-Type', 'application/json')
      .set('X-Hub-Signature-256', sig)
      .set('X-GitHub-Delivery', 'guard-1')
      .set('X-GitHub-Event', 'ping')
      .send(body);
    expect(res.status).toBe(202);
    await request(http())
      .post(`${A}/webhooks/github`)
      .set('Host', 'hooks.tunnel.example')
      .set('Content-Type', FORM)
      .set('X-Hub-Signature-256', 'sha256=00')
      .send('a=1')
      .expect(401);
  });

  test('the live WebSocket checks Host and Origin too', async () => {
    const url = `${api.url.replace('http', 'ws')}${A}/live`;
    expect(await upgrade(url, {})).toBe('open');
    expect(await upgrade(url, { Origin: api.url })).toBe('open');
    expect(await upgrade(url, { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgrade(url, { Host: 'evil.example:3000' })).toBe(403);
  });
});

describe('with keys: requests with the login cookie', () => {
  const ADMIN = 'bootstrap-admin-key-for-guard-tests-01';
  let app: TestApp;
  let cookie: string;
  let csrf: string;
  const http = () => createApp({ ...app, temporal: app.client });
  beforeAll(async () => {
    app = await startTestApp({ worker: false, env: { CLAUDE_FLOW_API_KEY: ADMIN } });
    const login = await request(http()).post(`${A}/auth/login`).send({ key: ADMIN }).expect(200);
    cookie = ([] as string[]).concat(login.headers['set-cookie'])[0].split(';')[0];
    csrf = login.body.csrfToken;
  });
  afterAll(async () => {
    await app?.close();
  });

  test('any Host is served (the API is behind its own names), but a foreign Origin is not', async () => {
    await request(http()).get(`${A}/keys`).set('Host', 'flow.example.com').set('Cookie', cookie).expect(200);
    await request(http())
      .get(`${A}/keys`)
      .set('Host', 'flow.example.com')
      .set('Origin', 'https://flow.example.com')
      .set('Cookie', cookie)
      .expect(200);
    const res = await request(http())
      .get(`${A}/keys`)
      .set('Origin', 'http://evil.example')
      .set('Cookie', cookie)
      .expect(403);
    expect(res.body.detail).toMatch(/with its login cookie/);
    // A bearer key is no ambient credential: a page cannot add it to a cross-site request.
    await request(http())
      .get(`${A}/keys`)
      .set('Origin', 'http://evil.example')
      .set('Authorization', `Bearer ${ADMIN}`)
      .expect(200);
  });

  test('a form post with the cookie is refused; JSON, or the login’s X-CSRF-Token, passes', async () => {
    const form = await request(http())
      .post(`${A}/keys`)
      .set('Cookie', cookie)
      .set('Content-Type', FORM)
      .send('name=evil&role=admin')
      .expect(403);
    expect(form.body.detail).toMatch(/X-CSRF-Token/);
    expect(csrf).toMatch(/^[0-9a-f]{64}$/);
    await request(http())
      .post(`${A}/keys`)
      .set('Cookie', cookie)
      .set('Content-Type', 'text/plain')
      .set('X-CSRF-Token', 'f'.repeat(64))
      .send('{}')
      .expect(403);
    // With the right token the guard lets it through (the route then wants JSON: 400).
    await request(http())
      .post(`${A}/keys`)
      .set('Cookie', cookie)
      .set('Content-Type', 'text/plain')
      .set('X-CSRF-Token', csrf)
      .send('{}')
      .expect(400);
    await request(http()).post(`${A}/keys`).set('Cookie', cookie).send({ name: 'ok', role: 'viewer' }).expect(201);
    const me = await request(http()).get(`${A}/auth/me`).set('Cookie', cookie).expect(200);
    expect(me.body.csrfToken).toBe(csrf);
  });
});
