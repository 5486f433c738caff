// Faults in a running `npm start` (the real process, its own Temporal dev server and PostgreSQL,
// ports of its own): PostgreSQL stopped with SIGTERM in the middle of API traffic, and the Temporal
// dev server killed with SIGKILL. The stack neither hangs nor exits: it restarts what died, /readyz
// names the part that is down meanwhile, and nothing acknowledged before the fault is lost.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { findProjectRoot } from '../../lib/config';
import type { LiveEvent } from '../../lib/live';
import { freePort } from '../../stack/temporal-server';
import { stateQuery } from '../../workflows/contract/session-messages';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { harness } from '../helpers/stack';

jest.setTimeout(60_000);

const root = findProjectRoot();

interface Stack {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  dataDir: string;
  api: string;
  ports: { api: number; temporal: number; ui: number; pg: number };
}

const stacks: Stack[] = [];
let anthropic: FakeServer;
/** The first stack's workflow bundle cache, copied into the next one's data directory. */
let bundleCache: string | undefined;

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Survived.' });
});
afterAll(async () => {
  for (const s of stacks) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  // What a stack killed that way leaves behind: its children, named in its lock file.
  const left = stacks.flatMap((s) => lockChildren(s.dataDir).map((c) => c.pid)).filter(alive);
  for (const pid of left) kill(pid, 'SIGKILL');
  await until('the children to be gone', () => !left.some(alive), 10_000).catch(() => undefined);
  await anthropic?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

function lockChildren(dataDir: string): { name: string; pid: number }[] {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, 'claude-flow.lock'), 'utf8')).children;
  } catch {
    return [];
  }
}

function childPid(s: Stack, name: string): number {
  const c = lockChildren(s.dataDir).find((x) => x.name === name);
  if (!c) throw new Error(`no ${name} in the lock file`);
  return c.pid;
}

async function until(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function waitFor(s: Stack, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!s.output().includes(text)) {
    if (s.child.exitCode !== null) throw new Error(`stack exited (${s.child.exitCode}):\n${s.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}":\n${s.output()}`);
    await sleep(50);
  }
}

async function startStack(extra: Record<string, string> = {}): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(harness().tmpDir, 'faults-'));
  fs.chmodSync(dataDir, 0o755); // PostgreSQL's unprivileged OS user must reach it
  if (bundleCache) fs.cpSync(bundleCache, path.join(dataDir, 'cache'), { recursive: true });
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), pg: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_CLI_PATH: harness().temporalCli,
    CLAUDE_FLOW_DATA_DIR: dataDir,
    PORT: String(ports.api),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    EMBEDDED_POSTGRES_PORT: String(ports.pg),
    TEMPORAL_TASK_QUEUE: 'faults-test',
    ...extra,
  };
  for (const k of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'CLAUDE_FLOW_API_KEY', 'HOST']) if (!(k in extra)) delete env[k];
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['stack/start.ts'], { cwd: root, env });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const s: Stack = { child, output: () => out, exited, dataDir, api: `http://127.0.0.1:${ports.api}`, ports };
  stacks.push(s);
  await waitFor(s, 'Press Ctrl-C to stop.', 45_000);
  bundleCache ??= path.join(dataDir, 'cache');
  return s;
}

async function stopStack(s: Stack): Promise<void> {
  s.child.kill('SIGTERM');
  expect(await s.exited).toBe(0);
}

interface Sample {
  at: number;
  status: number;
  body: Record<string, { ok: boolean; detail: string }>;
}

/** Polls /readyz until stopped, keeping every answer. */
function pollReadiness(api: string) {
  const samples: Sample[] = [];
  let on = true;
  const done = (async () => {
    while (on) {
      try {
        const r = await fetch(`${api}/readyz`, { signal: AbortSignal.timeout(5_000) });
        samples.push({ at: Date.now(), status: r.status, body: (await r.json()) as Sample['body'] });
      } catch {
        // no answer within 5 s: left out (the samples are the answers)
      }
      await sleep(150);
    }
  })();
  return {
    samples,
    last: () => samples.at(-1),
    stop: async () => {
      on = false;
      await done;
    },
  };
}

/** An SSE client of the live stream: the events it has received. */
function sse(url: string) {
  const events: LiveEvent[] = [];
  let subscribed = false;
  const req = http.get(url, (res) => {
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
  });
  req.on('error', () => undefined);
  return { events, subscribed: () => subscribed, close: () => req.destroy() };
}

const keysOf = (events: LiveEvent[]) => new Set(events.map((e) => (e.data as { key: string }).key));

test('PostgreSQL stopped with SIGTERM mid-traffic shuts down, is restarted, and nothing acknowledged is lost', async () => {
  const s = await startStack();
  const live = sse(`${s.api}/api/claude-flow/live/sse?channels=memory:heal/`);
  await until('the live stream', live.subscribed);
  const readiness = pollReadiness(s.api);

  // Memory writes one after another; a 2xx is an acknowledgement.
  const acked: string[] = [];
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      const key = `k${i}`;
      try {
        const r = await fetch(`${s.api}/api/claude-flow/memory/entries/heal/${key}`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ value: { i } }),
          signal: AbortSignal.timeout(5_000),
        });
        if (r.ok) acked.push(key);
      } catch {
        // refused during the outage
      }
      await sleep(20);
    }
  })();
  await until('some writes', () => acked.length >= 10);

  const postmaster = childPid(s, 'postgres');
  const t0 = Date.now();
  process.kill(postmaster, 'SIGTERM');
  await until('PostgreSQL to finish its smart shutdown', () => !alive(postmaster), 20_000);
  const shutdownMs = Date.now() - t0;
  await waitFor(s, 'PostgreSQL exited (code 0); restarting in 1 s (restart 1 of 5)');
  await waitFor(s, 'PostgreSQL is running again');
  await until('/readyz to be 200 again', () => readiness.samples.some((x) => x.at > t0 && x.status === 503));
  await until('/readyz to be 200 again', () => readiness.last()?.status === 200 && readiness.last()!.at > t0);
  const healthyMs = Date.now() - t0;
  const before = acked.length;
  await until('writes to be acknowledged again', () => acked.length >= before + 5);
  writing = false;
  await writer;
  await readiness.stop();

  // During the outage /readyz names postgres as down, saying why; as PostgreSQL comes back another
  // part may still be catching up for a moment (a 503 naming that part, with postgres ok).
  const outage = readiness.samples.filter((x) => x.status !== 200);
  const pgDown = outage.filter((x) => x.body.postgres?.ok === false);
  expect(pgDown.length).toBeGreaterThan(0);
  for (const x of pgDown) {
    expect(x.body.postgres?.detail).toMatch(/^postgres (is shutting down|unreachable|is not accepting connections)/);
  }
  for (const x of outage) {
    expect(Object.entries(x.body).filter(([, c]) => (c as { ok?: boolean })?.ok === false).length).toBeGreaterThan(0);
  }
  expect(readiness.samples.filter((x) => x.body.migrations?.detail.includes('pending'))).toEqual([]);

  // Every acknowledged write is in the database.
  const db = new pg.Client({
    connectionString: `postgresql://claude_flow:claude_flow@127.0.0.1:${s.ports.pg}/claude_flow`,
  });
  await db.connect();
  const rows = await db.query<{ key: string }>(`SELECT key FROM memory_entry WHERE namespace = 'heal/'`);
  await db.end();
  const stored = new Set(rows.rows.map((r) => r.key));
  expect(acked.filter((k) => !stored.has(k))).toEqual([]);

  // The live stream that stayed connected got an event for each of them, and so does a client
  // resuming after the first event it saw.
  const missing = (events: LiveEvent[], keys: string[]) => keys.filter((k) => !keysOf(events).has(k));
  await until('the live stream', () => missing(live.events, acked).length === 0, 10_000).catch(() => undefined);
  expect(missing(live.events, acked)).toEqual([]);
  const resumed = sse(`${s.api}/api/claude-flow/live/sse?channels=memory:heal/&lastEventId=${live.events[0].id}`);
  const after = acked.slice(1);
  await until('the resumed stream', () => missing(resumed.events, after).length === 0, 10_000).catch(() => undefined);
  expect(missing(resumed.events, after)).toEqual([]);
  live.close();
  resumed.close();

  expect(s.child.exitCode).toBeNull();
  await stopStack(s);
  console.log(
    `SIGTERM to PostgreSQL: shut down after ${shutdownMs} ms, /readyz 200 again after ${healthyMs} ms; ${acked.length} writes acknowledged`,
  );
});

test('the Temporal dev server killed with SIGKILL is restarted; a session from before answers after', async () => {
  const s = await startStack({
    ANTHROPIC_API_KEY: 'k',
    ANTHROPIC_BASE_URL: anthropic.url,
    ANTHROPIC_MODEL: 'claude-haiku-4-5',
  });
  const json = { 'Content-Type': 'application/json' };
  const created = await fetch(`${s.api}/api/claude-flow/sessions`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ title: 'before the kill' }),
  });
  expect(created.status).toBe(201);
  const { sessionId, workflowId } = (await created.json()) as { sessionId: string; workflowId: string };
  const send = (text: string) =>
    fetch(`${s.api}/api/claude-flow/sessions/${sessionId}/messages`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(20_000),
    });
  expect(await (await send('before the kill')).json()).toMatchObject({ reply: 'Survived.', userMessageNo: 1 });

  const temporal = childPid(s, 'temporal');
  const t0 = Date.now();
  process.kill(temporal, 'SIGKILL');
  await waitFor(s, 'Temporal dev server exited (signal SIGKILL); restarting in 1 s (restart 1 of 5)');
  await waitFor(s, 'Temporal dev server is running again');
  const readiness = pollReadiness(s.api);
  await until('/readyz to be 200 again', () => readiness.last()?.status === 200);
  const healthyMs = Date.now() - t0;
  await readiness.stop();
  expect(s.child.exitCode).toBeNull();
  expect(alive(childPid(s, 'temporal'))).toBe(true);

  // The session from before the kill answers a query and a message (through the API's client).
  const connection = await Connection.connect({ address: `127.0.0.1:${s.ports.temporal}` });
  try {
    const state = await new Client({ connection }).workflow.getHandle(workflowId).query(stateQuery);
    expect(state.messageCount).toBe(2);
  } finally {
    await connection.close();
  }
  const after = await send('after the restart');
  expect(after.status).toBe(200);
  expect(await after.json()).toMatchObject({ reply: 'Survived.', userMessageNo: 3 });

  await stopStack(s);
  console.log(`SIGKILL to the Temporal dev server: /readyz 200 again after ${healthyMs} ms`);
});
