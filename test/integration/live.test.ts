// Live updates over WebSocket and SSE: events reach clients on any API copy sharing one Postgres,
// a slow client is dropped without slowing others, and a reconnect with lastEventId resumes
// without gaps.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import WebSocket from 'ws';
import { createApp } from '../../api/app';
import { LiveHub } from '../../api/live/hub';
import { CLOSE_SLOW, attachLive } from '../../api/live/ws';
import { publish, type LiveEvent } from '../../lib/live';
import { liveDropped } from '../../lib/metrics';
import { startTestApp, type TestApp } from '../helpers/stack';

const KEY = 'bootstrap-admin-key-for-live-tests-000001';
let app: TestApp;

interface Instance {
  url: string;
  hub: LiveHub;
  close(): Promise<void>;
}
const instances: Instance[] = [];

/** One API copy: its own app, hub (LISTEN connection; `db` for its queries), http.Server and WebSocket endpoint. */
async function instance(
  live: { maxBufferedBytes?: number; heartbeatMs?: number } = {},
  db: Pick<pg.Pool, 'query'> = app.pool,
): Promise<Instance> {
  const hub = new LiveHub(app.config.database.url, db);
  const server = http.createServer(createApp({ ...app, temporal: app.client, hub, live }));
  const closeLive = attachLive(server, { ...app, hub }, live);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const inst = {
    url: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    hub,
    async close() {
      await closeLive();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await hub.close();
    },
  };
  instances.push(inst);
  return inst;
}

beforeAll(async () => {
  app = await startTestApp({ worker: false, env: { CLAUDE_FLOW_API_KEY: KEY } });
});
afterAll(async () => {
  for (const i of instances) await i.close();
  await app?.close();
});

interface Client {
  ws: WebSocket;
  events: LiveEvent[];
  messages: { type?: string; [k: string]: unknown }[];
  closed: Promise<number>;
}

async function connect(inst: Instance, query = `key=${KEY}`): Promise<Client> {
  const ws = new WebSocket(`ws://${inst.url}/api/claude-flow/live?${query}`);
  const c: Client = { ws, events: [], messages: [], closed: new Promise((r) => ws.once('close', (code) => r(code))) };
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw));
    c.messages.push(m);
    if (m.id) c.events.push(m);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return c;
}

async function until(check: () => boolean, what: string | (() => string), ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function subscribe(c: Client, channels: string[], lastEventId?: string): Promise<void> {
  const before = c.messages.filter((m) => m.type === 'subscribed').length;
  c.ws.send(JSON.stringify({ subscribe: channels, ...(lastEventId ? { lastEventId } : {}) }));
  await until(() => c.messages.filter((m) => m.type === 'subscribed').length > before, 'subscribed');
}

/** An SSE client: the events it has received, parsed. */
function sse(inst: Instance, path: string, headers: Record<string, string> = {}) {
  const events: LiveEvent[] = [];
  let status = 0;
  let subscribed = false;
  const req = http.get(
    `http://${inst.url}${path}`,
    { headers: { Authorization: `Bearer ${KEY}`, ...headers } },
    (res) => {
      status = res.statusCode ?? 0;
      let buf = '';
      res.on('data', (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (block === ': subscribed') subscribed = true;
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice(6)));
        }
      });
    },
  );
  req.on('error', () => undefined);
  return { events, status: () => status, subscribed: () => subscribed, close: () => req.destroy() };
}

test('an event published anywhere reaches WebSocket and SSE clients on every API copy', async () => {
  const [a, b] = [await instance(), await instance()];
  const onA = await connect(a);
  await subscribe(onA, ['session:s1', 'memory:code/']);
  const onB = sse(b, '/api/claude-flow/live/sse?channels=session:s1');
  await until(() => onB.subscribed(), 'the SSE stream');

  await publish(app.pool, 'session:s1', 'ai.delta', { seq: 1, text: 'hi' });
  await publish(app.pool, 'session:other', 'ai.delta', { seq: 1, text: 'not for them' });
  // A memory write through copy B is an event for the subscriber on copy A.
  const put = await fetch(`http://${b.url}/api/claude-flow/memory/entries/code/auth`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ value: 'oauth' }),
  });
  expect(put.status).toBe(201);

  await until(
    () => onA.events.length >= 2 && onB.events.length >= 1,
    () => `events on both copies (A: ${JSON.stringify(onA.messages)}, B: ${JSON.stringify(onB.events)})`,
  );
  expect(onA.events.map((e) => [e.channel, e.type])).toEqual([
    ['session:s1', 'ai.delta'],
    ['memory:code/', 'memory.set'],
  ]);
  expect(onB.events.map((e) => e.data)).toEqual([{ seq: 1, text: 'hi' }]);
  onA.ws.close();
  onB.close();
});

test('reconnecting with lastEventId resumes without gaps (WebSocket and SSE)', async () => {
  const a = await instance();
  const first = await connect(a);
  await subscribe(first, ['workflow:w1']);
  await publish(app.pool, 'workflow:w1', 'step', { n: 1 });
  await until(() => first.events.length === 1, 'event 1');
  const last = first.events[0].id;
  first.ws.close();
  await first.closed;

  for (const n of [2, 3, 4]) await publish(app.pool, 'workflow:w1', 'step', { n });
  const again = await connect(a);
  await subscribe(again, ['workflow:w1'], last);
  await publish(app.pool, 'workflow:w1', 'step', { n: 5 });
  await until(() => again.events.length === 4, 'events 2-5');
  expect(again.events.map((e) => (e.data as { n: number }).n)).toEqual([2, 3, 4, 5]);
  again.ws.close();

  const s = sse(a, '/api/claude-flow/live/sse?channels=workflow:w1', { 'Last-Event-ID': last });
  await until(() => s.events.length === 4, 'SSE replay');
  expect(s.events.map((e) => (e.data as { n: number }).n)).toEqual([2, 3, 4, 5]);
  s.close();
});

test('resuming many times replays exactly the events after lastEventId, once each, even when NOTIFYs lag', async () => {
  // On even rounds this copy's LISTEN side lags: an event too big for a NOTIFY is fetched by
  // reference, slowly, so the notifications of 2-4 queued behind it arrive after the resume's
  // backlog has replayed 2-4 (a stream that forgot what it sent would send them twice).
  let lagMs = 0;
  const lagging = {
    query: async (text: string, values?: unknown[]) => {
      if (lagMs > 0 && text.includes('WHERE id = $1::bigint')) await new Promise((r) => setTimeout(r, lagMs));
      return app.pool.query(text, values);
    },
  } as unknown as Pick<pg.Pool, 'query'>;
  const a = await instance({}, lagging);
  const ws = await connect(a);
  const steps = (events: LiveEvent[], channel: string) =>
    events.filter((e) => e.channel === channel && e.type === 'step').map((e) => (e.data as { n: number }).n);
  const ended = (events: LiveEvent[], channel: string) => events.some((e) => e.channel === channel && e.type === 'end');
  for (let round = 0; round < 20; round++) {
    lagMs = round % 2 === 0 ? 150 : 0;
    const channel = `workflow:resume-${round}`;
    const first = await publish(app.pool, channel, 'step', { n: 1 });
    await publish(app.pool, 'analytics', 'big', { big: 'x'.repeat(10_000) });
    for (const n of [2, 3, 4]) await publish(app.pool, channel, 'step', { n });
    await subscribe(ws, [channel], first.id);
    const s = sse(a, `/api/claude-flow/live/sse?channels=${channel}`, { 'Last-Event-ID': first.id });
    await until(() => s.subscribed(), 'the SSE stream');
    await publish(app.pool, channel, 'end', {});
    await until(
      () => ended(ws.events, channel) && ended(s.events, channel),
      () => `the end of ${channel} (WebSocket: ${steps(ws.events, channel)}, SSE: ${steps(s.events, channel)})`,
    );
    expect({ round, ws: steps(ws.events, channel), sse: steps(s.events, channel) }).toEqual({
      round,
      ws: [2, 3, 4],
      sse: [2, 3, 4],
    });
    s.close();
  }
  ws.ws.close();
});

test('a slow client is dropped with 1013 and the others still get every event', async () => {
  const a = await instance({ maxBufferedBytes: 256 * 1024 });
  const fast = await connect(a);
  const slow = await connect(a);
  await subscribe(fast, ['analytics']);
  await subscribe(slow, ['analytics']);
  // The slow client stops reading: the kernel buffers fill, then the server's.
  (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const big = 'x'.repeat(100_000);
  const N = 300;
  for (let i = 0; i < N; i++) await publish(app.pool, 'analytics', 'tick', { i, big });
  await until(() => fast.events.length === N, 'every event at the fast client', 30_000);
  expect(fast.events.map((e) => (e.data as { i: number }).i)).toEqual([...Array(N).keys()]);
  await until(() => a.hub.size === 1, 'the slow client dropped');
  (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  // 1013 when the client reads the close frame in time; 1006 when the server had to cut it off.
  expect([CLOSE_SLOW, 1006]).toContain(await slow.closed);
  expect((await liveDropped.get()).values.find((v) => v.labels.transport === 'websocket')?.value).toBeGreaterThan(0);
  expect(slow.events.length).toBeLessThan(N);
  fast.ws.close();
});

test('the live endpoint needs credentials and rejects bad messages', async () => {
  const a = await instance();
  await expect(connect(a, '')).rejects.toThrow(/401/);
  await expect(connect(a, 'key=wrong')).rejects.toThrow(/401/);
  const c = await connect(a);
  c.ws.send('not json');
  c.ws.send(JSON.stringify({ subscribe: ['bogus'] }));
  await until(() => c.messages.filter((m) => m.type === 'error').length === 2, 'two errors');
  expect(String(c.messages[1].detail)).toMatch(/session:<id>/);
  c.ws.close();
  const s = sse(a, '/api/claude-flow/live/sse?channels=nope');
  await until(() => s.status() === 400, 'a 400 for a bad channel');
});

test('live events older than the retention window are pruned', async () => {
  const old = await publish(app.pool, 'analytics', 'old', {});
  const recent = await publish(app.pool, 'analytics', 'recent', {});
  await app.pool.query(`UPDATE live_event SET created_at = now() - interval '2 hours' WHERE id = $1`, [old.id]);
  const hub = new LiveHub(app.config.database.url, app.pool);
  hub.startPruning(3600);
  await until(() => true, 'nothing');
  const left = async () =>
    (await app.pool.query('SELECT id::text FROM live_event WHERE id = ANY($1::bigint[])', [[old.id, recent.id]])).rows;
  const deadline = Date.now() + 5_000;
  while ((await left()).length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect((await left()).map((r) => r.id)).toEqual([recent.id]);
  await hub.close();
});
