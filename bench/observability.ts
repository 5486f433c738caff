// bench/observability: what tracing and the Temporal SDK's metrics cost a session step. Three
// `npm start` processes on one dev server and one PostgreSQL, each on its own task queue, answer
// session turns through the API in turn (one each, round after round, so all see the same machine):
//   off     — TEMPORAL_SDK_METRICS=false, no OTEL_* (the baseline)
//   metrics — the SDK's metrics on (the default), no OTEL_*
//   traced  — metrics on and tracing on (the SDK's defaults: batched, OTLP/HTTP protobuf), exporting
//             every span to a real OpenTelemetry Collector (ops/otelcol, built into .tools/ if needed)
// It reports turn latency (p50/p99) and CPU ms per turn of each process (utime+stime from /proc,
// over the whole run, so background work is counted), as ratios in the same run; and how long a
// /metrics scrape takes with the SDK's metrics merged in against Claude Flow's alone.
//
//   npx tsx bench/observability.ts [turns=150]
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findProjectRoot, loadConfig } from '../lib/config';
import { findBinary, TEMPORAL_CLI } from '../stack/binaries';
import { applyMigrations, migrationsDir } from '../lib/migrations';
import { startEmbeddedPostgres } from '../stack/postgres';
import { freePort, startTemporalServer } from '../stack/temporal-server';
import { findOtelcol, startOtelcol, type ReceivedSpan } from '../stack/otelcol';
import { startFakeAnthropic } from '../test/fakes/anthropic';

const N = Number(process.argv[2] ?? 150);
const WARMUP = 20;
const SCRAPES = 50;
const root = findProjectRoot();
const TICK_MS = 1000 / 100; // USER_HZ

const pct = (s: number[], p: number) =>
  [...s].sort((a, b) => a - b)[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;

interface Stack {
  name: string;
  url: string;
  child: ChildProcess;
  sessionId: string;
  times: number[];
}

/** CPU ms used so far by `pid` and its descendants (tsx runs the app in a child of its own). */
function cpuMs(pid: number): number {
  let ticks = 0;
  const walk = (p: number) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      for (const c of fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/))
        if (c) walk(Number(c));
    } catch {
      // gone
    }
  };
  walk(pid);
  return ticks * TICK_MS;
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function startStack(name: string, env: Record<string, string>, tmp: string): Promise<Stack> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  const clean: NodeJS.ProcessEnv = {};
  // eslint-disable-next-line no-restricted-properties -- the child gets our environment, without OTEL_*, plus its own
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_')) clean[k] = v;
  // A process group of its own, so the stop reaches the app process tsx runs in a child.
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['stack/start.ts'], {
    cwd: root,
    detached: true,
    env: { ...clean, ...env, PORT: String(port), CLAUDE_FLOW_DATA_DIR: dataDir, TEMPORAL_TASK_QUEUE: `bench-${name}` },
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const deadline = Date.now() + 120_000;
  while (!out.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${name} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = `http://127.0.0.1:${port}`;
  const created = await post(`${url}/api/claude-flow/sessions`, { title: `bench ${name}`, owner: 'bench' });
  return { name, url, child, sessionId: String(created.sessionId), times: [] };
}

const turn = (s: Stack, i: number) =>
  post(`${s.url}/api/claude-flow/sessions/${s.sessionId}/messages`, { text: `hello ${i}` });

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-bench-obs-'));
  fs.chmodSync(tmp, 0o755);
  const cli = findBinary(TEMPORAL_CLI, {
    configured: loadConfig().temporal.cliPath,
    configuredName: 'TEMPORAL_CLI_PATH',
    root,
  });
  const log = (l: string) => console.error(`[bench] ${l}`);
  const [server, pg, fake, receiver] = await Promise.all([
    freePort().then((port) =>
      startTemporalServer({ executable: cli, port, namespace: 'default', logFile: path.join(tmp, 't.log') }),
    ),
    freePort().then((port) =>
      startEmbeddedPostgres(root, { dataDir: path.join(tmp, 'pg'), port, logFile: path.join(tmp, 'pg.log') }),
    ),
    startFakeAnthropic({ apiKey: 'k', defaultReply: 'ok' }),
    findOtelcol({ root, log }).then((executable) => startOtelcol({ executable, root, dir: path.join(tmp, 'otelcol') })),
  ]);
  const stacks: Stack[] = [];
  try {
    await applyMigrations(pg.url, migrationsDir(root));
    const common = {
      TEMPORAL_ADDRESS: server.address,
      DATABASE_URL: pg.url,
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
      LOG_LEVEL: 'warn',
    };
    // One at a time: three bundles built at once would only slow each other down.
    stacks.push(await startStack('off', { ...common, TEMPORAL_SDK_METRICS: 'false' }, tmp));
    stacks.push(await startStack('metrics', common, tmp));
    stacks.push(await startStack('traced', { ...common, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }, tmp));

    for (let i = 0; i < WARMUP; i++) for (const s of stacks) await turn(s, -1 - i);
    const cpu0 = stacks.map((s) => cpuMs(s.child.pid as number));
    for (let i = 0; i < N; i++) {
      for (const s of stacks) {
        const t0 = performance.now();
        await turn(s, i);
        s.times.push(performance.now() - t0);
      }
    }
    const cpu = stacks.map((s, k) => (cpuMs(s.child.pid as number) - (cpu0[k] as number)) / N);

    // A /metrics scrape: Claude Flow's registry alone (off) against it merged with the SDK's (metrics).
    const scrapeMs: Record<string, number[]> = { off: [], metrics: [] };
    let bytes: Record<string, number> = {};
    for (let i = 0; i < SCRAPES; i++) {
      for (const s of stacks.slice(0, 2)) {
        const t0 = performance.now();
        const text = await (await fetch(`${s.url}/metrics`)).text();
        scrapeMs[s.name]?.push(performance.now() - t0);
        bytes = { ...bytes, [s.name]: text.length };
      }
    }

    // The batch processor exports every 5 s: wait for the last batch before counting.
    let spans: ReceivedSpan[] = [];
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = receiver.spans();
      if (i >= 6 && now.length === spans.length) break;
      spans = now;
    }
    const perTurn = new Map<string, number>();
    for (const s of spans) {
      const kind = s.name.startsWith('pg.') ? 'pg' : (s.name.split(/[: ]/)[0] ?? s.name);
      perTurn.set(kind, (perTurn.get(kind) ?? 0) + 1);
    }
    const turns = WARMUP + N;
    const mix = [...perTurn.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${(v / turns).toFixed(1)}`)
      .join(', ');

    const f = (n: number) => n.toFixed(1);
    const [off, metrics, traced] = stacks as [Stack, Stack, Stack];
    const [cOff, cMetrics, cTraced] = cpu as [number, number, number];
    console.log(
      `bench/observability: ${N} session turns per process through the API (after ${WARMUP} warm-up), rotating off / metrics / traced, one dev server (load average ${os.loadavg()[0].toFixed(1)} at the end); ${spans.length} spans received, ${(spans.length / turns).toFixed(1)} per turn (${mix})\n`,
    );
    console.log('| process | turn p50 ms | turn p99 ms | CPU ms per turn |\n| --- | --- | --- | --- |');
    for (const [k, s] of stacks.entries()) {
      console.log(`| ${s.name} | ${f(pct(s.times, 50))} | ${f(pct(s.times, 99))} | ${f(cpu[k] as number)} |`);
    }
    const ratio = (a: number, b: number) => `${(a / b).toFixed(3)}x`;
    console.log(
      `\ntracing on / off (traced / metrics): CPU ${ratio(cTraced, cMetrics)}, p50 ${ratio(pct(traced.times, 50), pct(metrics.times, 50))}, p99 ${ratio(pct(traced.times, 99), pct(metrics.times, 99))} (target <= 1.05)`,
    );
    console.log(
      `SDK metrics on / off (metrics / off): CPU ${ratio(cMetrics, cOff)}, p50 ${ratio(pct(metrics.times, 50), pct(off.times, 50))}, p99 ${ratio(pct(metrics.times, 99), pct(off.times, 99))}`,
    );
    console.log(
      `/metrics scrape p50: ${f(pct(scrapeMs.off as number[], 50))} ms for Claude Flow's alone (${bytes.off} bytes), ${f(pct(scrapeMs.metrics as number[], 50))} ms merged with the SDK's (${bytes.metrics} bytes)`,
    );
  } finally {
    // To each app itself (tsx's relay may SIGKILL an app slow to answer it), then the rest of its group.
    for (const s of stacks) {
      const pid = s.child.pid as number;
      try {
        const app = Number(fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]);
        process.kill(app || pid, 'SIGTERM');
      } catch {
        // it has ended
      }
    }
    await Promise.all(
      stacks.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)))),
    );
    for (const s of stacks) {
      try {
        process.kill(-(s.child.pid as number), 'SIGKILL');
      } catch {
        // the group has ended
      }
    }
    await receiver.stop();
    await fake.close();
    await server.stop();
    await pg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
