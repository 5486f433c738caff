// Failed authentication is limited (api/auth/failures.ts): per client address and per key prefix,
// with back-off, as a 429 with Retry-After; a lockout never keeps out a correct key from another
// address, and the bootstrap admin key always gets in, whatever its address did.
import request from 'supertest';
import WebSocket from 'ws';
import { createApp } from '../../api/app';
import { startApi } from '../../api/server';
import { startTestApp, type TestApp } from '../helpers/stack';

const ADMIN = 'bootstrap-admin-key-for-failure-tests-01';
const A = '/api/claude-flow';
const LIMIT = 5;
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const from = (ip: string) => ({ 'X-Forwarded-For': ip });

describe('failed authentication', () => {
  let app: TestApp;
  let api: ReturnType<typeof createApp>;
  let viewer: string;
  let admin: string;
  beforeAll(async () => {
    app = await startTestApp({
      worker: false,
      env: {
        CLAUDE_FLOW_API_KEY: ADMIN,
        CLAUDE_FLOW_RATE_LIMIT_AUTH_FAILURES: String(LIMIT),
        // Only the failure limits here: the request limits are the other describe's.
        CLAUDE_FLOW_RATE_LIMIT_PER_IP: '0',
        CLAUDE_FLOW_RATE_LIMIT_PER_KEY: '0',
      },
    });
    // One app: its counts in memory are this API copy's.
    api = createApp({ ...app, temporal: app.client });
    viewer = (await request(api).post(`${A}/keys`).set(bearer(ADMIN)).send({ name: 'v', role: 'viewer' })).body.key;
    admin = (await request(api).post(`${A}/keys`).set(bearer(ADMIN)).send({ name: 'a', role: 'admin' })).body.key;
  });
  afterAll(async () => {
    await app?.close();
  });

  /** Sends up to `max` wrong credentials from `ip`; the statuses until (and with) the first 429. */
  async function hammer(ip: string, headers: (i: number) => Record<string, string>, max = 1_400) {
    const statuses: number[] = [];
    for (let i = 0; i < max; i++) {
      const res = await request(api).get(`${A}/memory/namespaces`).set(from(ip)).set(headers(i));
      statuses.push(res.status);
      if (res.status === 429) return { statuses, last: res };
    }
    return { statuses, last: undefined };
  }

  test('wrong bearer keys reach 429 with Retry-After after the limit, and so do wrong cookies', async () => {
    const keys = await hammer('10.0.0.1', (i) => bearer(`cf_live_wrong${i}-${'x'.repeat(30)}`));
    expect(keys.statuses).toEqual([...Array(LIMIT).fill(401), 429]);
    expect(keys.last?.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(keys.last?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(keys.last?.body.detail).toMatch(/failed authentications from your address/);
    // Locked out: even a correct stored key from this address waits.
    await request(api).get(`${A}/memory/namespaces`).set(from('10.0.0.1')).set(bearer(viewer)).expect(429);

    const cookies = await hammer('10.0.0.2', (i) => ({ Cookie: `cf_login=forged-${i}` }));
    expect(cookies.statuses).toEqual([...Array(LIMIT).fill(401), 429]);
    const malformed = await hammer('10.0.0.3', () => ({ Authorization: 'Basic abc' }));
    expect(malformed.statuses).toEqual([...Array(LIMIT).fill(401), 429]);
  });

  test('the admin key always gets in; a correct key from another address is never blocked', async () => {
    await hammer('10.0.0.4', (i) => bearer(`guess-${i}`));
    await request(api).get(`${A}/keys`).set(from('10.0.0.4')).set(bearer(ADMIN)).expect(200);
    const login = await request(api).post(`${A}/auth/login`).set(from('10.0.0.4')).send({ key: ADMIN }).expect(200);
    expect(login.body.role).toBe('admin');
    await request(api).post(`${A}/auth/login`).set(from('10.0.0.4')).send({ key: admin }).expect(429);
    await request(api).get(`${A}/keys`).set(from('10.0.0.5')).set(bearer(admin)).expect(200);
  });

  test('wrong logins count as failures, like any other', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++)
      statuses.push(
        (
          await request(api)
            .post(`${A}/auth/login`)
            .set(from('10.0.0.6'))
            .send({ key: `nope-${i}` })
        ).status,
      );
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
  });

  test('many addresses guessing one key prefix: those that failed are refused, the owner is not', async () => {
    const prefix = viewer.slice(0, 16);
    for (let i = 1; i <= LIMIT; i++) {
      await request(api)
        .get(`${A}/memory/namespaces`)
        .set(from(`10.1.0.${i}`))
        .set(bearer(`${prefix}${'y'.repeat(35)}${i}`))
        .expect(401);
    }
    // A new address gets one try (it has not failed yet), then the prefix is refused to it.
    const guess = bearer(`${prefix}${'z'.repeat(36)}`);
    await request(api).get(`${A}/memory/namespaces`).set(from('10.1.0.50')).set(guess).expect(401);
    const refused = await request(api).get(`${A}/memory/namespaces`).set(from('10.1.0.50')).set(guess).expect(429);
    expect(refused.body.detail).toContain(`keys starting ${prefix}`);
    // The key's owner, from an address with no failures, is served.
    await request(api).get(`${A}/memory/namespaces`).set(from('10.1.0.99')).set(bearer(viewer)).expect(200);
  });

  test('back-off: knocking on a lock makes it longer', async () => {
    let last: request.Response | undefined;
    for (let i = 0; i < LIMIT * 5 + 1; i++)
      last = await request(api)
        .get(`${A}/memory/namespaces`)
        .set(from('10.0.0.7'))
        .set(bearer(`knock-${i}`));
    expect(last?.status).toBe(429);
    expect(last?.body.detail).toMatch(/more than 25 failed or refused authentications from your address in 60 minutes/);
    expect(Number(last?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  test('another API copy refuses the locked address too (counts are shared through Postgres)', async () => {
    await hammer('10.0.0.8', (i) => bearer(`copy-${i}`));
    const other = createApp({ ...app, temporal: app.client });
    await request(other).get(`${A}/memory/namespaces`).set(from('10.0.0.8')).set(bearer('copy-x')).expect(429);
  });

  test('the live WebSocket counts and refuses the same way', async () => {
    const config = { ...app.config, api: { ...app.config.api, port: 0 } };
    const server = await startApi({ ...app, config, temporal: app.client });
    try {
      const statusOf = (key: string) =>
        new Promise<number>((resolve, reject) => {
          const ws = new WebSocket(`${server.url.replace('http', 'ws')}${A}/live?key=${key}`, {
            headers: from('10.0.0.9'),
          });
          ws.once('open', () => {
            ws.close();
            resolve(101);
          });
          ws.once('unexpected-response', (_req, res) => {
            resolve(res.statusCode ?? 0);
            res.resume();
          });
          ws.once('error', reject);
        });
      const statuses: number[] = [];
      for (let i = 0; i <= LIMIT; i++) statuses.push(await statusOf(`ws-${i}`));
      expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
      expect(await statusOf(ADMIN)).toBe(101);
    } finally {
      await server.close();
    }
  });
});

describe('the request limit per address', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      worker: false,
      env: {
        CLAUDE_FLOW_API_KEY: ADMIN,
        CLAUDE_FLOW_RATE_LIMIT_PER_IP: '10',
        CLAUDE_FLOW_RATE_LIMIT_WINDOW_SECONDS: '3600',
      },
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  test('an attacker filling an address’s limit does not lock the admin key out', async () => {
    const api = createApp({ ...app, temporal: app.client });
    for (let i = 0; i < 10; i++) await request(api).get(`${A}/openapi.json`).set(from('10.2.0.1')).expect(200);
    const over = await request(api).get(`${A}/openapi.json`).set(from('10.2.0.1')).expect(429);
    expect(over.body.detail).toMatch(/from your address/);
    await request(api).get(`${A}/keys`).set(from('10.2.0.1')).set(bearer(ADMIN)).expect(200);
    await request(api).post(`${A}/auth/login`).set(from('10.2.0.1')).send({ key: ADMIN }).expect(200);
    await request(api).post(`${A}/auth/login`).set(from('10.2.0.1')).send({ key: 'not-the-admin-key' }).expect(429);
  });
});
