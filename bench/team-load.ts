// bench/team-load: session turns per second on the real Temporal Server (TEMPORAL_SERVER=cluster
// npm start -- --workers 1 --apis 2), with 1 worker and then 2 (a second worker process started
// as `npm run worker` starts it), at C concurrent sessions sending their messages through both
// API copies; p50/p99 turn latency (HTTP POST to reply). The baseline, on the same cluster in the
// same run: the bare Temporal update throughput — C bare entity workflows doing update -> one
// activity -> reply, as fast as they answer, through a bare worker in this process.
//
//   npx tsx bench/team-load.ts [sessions=50] [messages=4]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { findProjectRoot } from '../lib/config';
import { ENTRY, startCopy } from '../stack/copies';
import { findTemporalCluster } from '../stack/temporal-cluster';
import { startFakeAnthropic } from '../test/fakes/anthropic';
import { startTeamStack } from '../test/helpers/team-stack';
import { bareEntity, step, stop } from './workflows/bare';

const C = Number(process.argv[2] ?? 50);
const M = Number(process.argv[3] ?? 4);
const API = '/api/claude-flow';

const pct = (s: number[], p: number) =>
  [...s].sort((a, b) => a - b)[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];

interface Phase {
  name: string;
  ops: number;
  seconds: number;
  latencies: number[];
}

async function timed(name: string, run: (record: (ms: number) => void) => Promise<void>): Promise<Phase> {
  const latencies: number[] = [];
  const t0 = performance.now();
  await run((ms) => latencies.push(ms));
  const p = { name, ops: latencies.length, seconds: (performance.now() - t0) / 1000, latencies };
  console.log(`phase done: ${name}: ${p.ops} in ${p.seconds.toFixed(1)} s`);
  return p;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  if (!res.ok) throw new Error(`POST ${url}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

async function main(): Promise<void> {
  const root = findProjectRoot();
  await findTemporalCluster({ root, log: (l) => console.log(l) });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-bench-team-'));
  fs.chmodSync(tmp, 0o755);
  const fake = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'ok' });
  const provider = {
    ANTHROPIC_API_KEY: 'k',
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_MODEL: 'claude-haiku-4-5',
    TEMPORAL_TASK_QUEUE: 'cf-bench-team',
  };
  const stack = await startTeamStack({
    dataDir: tmp,
    workers: 1,
    env: { ...provider, CLAUDE_FLOW_RATE_LIMIT_PER_IP: '0', CLAUDE_FLOW_RATE_LIMIT_PER_KEY: '0', LOG_LEVEL: 'error' },
  });
  const extra: ReturnType<typeof startCopy>[] = [];
  let ok = false;
  try {
    const native = await NativeConnection.connect({ address: stack.temporalAddress });
    const bare = await Worker.create({
      connection: native,
      taskQueue: 'bare-bench-team',
      workflowsPath: require.resolve('./workflows/bare'),
      activities: { echo: async (text: string) => text },
    });
    const bareRun = bare.run();
    const connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection });
    const entities = await Promise.all(
      [...Array(C).keys()].map((i) =>
        client.workflow.start(bareEntity, { taskQueue: 'bare-bench-team', workflowId: `bare-${Date.now()}-${i}` }),
      ),
    );
    const barePhase = (name: string) =>
      timed(name, async (record) => {
        await Promise.all(
          entities.map(async (h, i) => {
            for (let j = 0; j < M; j++) {
              const t0 = performance.now();
              await h.executeUpdate(step, { args: [`hello ${i}.${j}`] });
              record(performance.now() - t0);
            }
          }),
        );
      });
    let round = 0;
    const sessionPhase = (name: string) =>
      timed(name, async (record) => {
        round++;
        await Promise.all(
          [...Array(C).keys()].map(async (i) => {
            const api = stack.apis[i % 2];
            const { sessionId } = (await post(`${api}${API}/sessions`, { title: `bench ${round}.${i}` })) as {
              sessionId: string;
            };
            for (let j = 0; j < M; j++) {
              const t0 = performance.now();
              await post(`${api}${API}/sessions/${sessionId}/messages`, { text: `question ${j}` });
              record(performance.now() - t0);
            }
          }),
        );
      });

    // Warm-up: every workflow type cached, connections open.
    await barePhase('warm-up');
    await sessionPhase('warm-up');
    const phases: Phase[] = [];
    phases.push(await barePhase('bare update -> activity -> reply (1 bare worker)'));
    phases.push(await sessionPhase('session turns, 1 worker'));
    const copy = startCopy(
      'worker-bench',
      ENTRY.worker,
      { ...provider, TEMPORAL_ADDRESS: stack.temporalAddress, DATABASE_URL: stack.databaseUrl, LOG_LEVEL: 'error' },
      path.join(tmp, 'logs', 'worker-bench.log'),
    );
    extra.push(copy);
    await waitForWorkers(client, 'cf-bench-team', 2);
    await sessionPhase('warm-up');
    phases.push(await sessionPhase('session turns, 2 workers'));
    phases.push(await barePhase('bare update -> activity -> reply, again'));

    const f = (n: number) => n.toFixed(1);
    console.log(
      `bench/team-load: ${C} concurrent sessions (or bare entities) × ${M} turns each, Temporal Server ${stack.temporalAddress} on PostgreSQL, 2 API copies (load average ${os.loadavg()[0].toFixed(1)} at the end)\n`,
    );
    console.log('| phase | turns | s | turns/s | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- | --- |');
    for (const p of phases) {
      console.log(
        `| ${p.name} | ${p.ops} | ${f(p.seconds)} | ${f(p.ops / p.seconds)} | ${f(pct(p.latencies, 50))} | ${f(pct(p.latencies, 99))} |`,
      );
    }
    const rate = (p: Phase) => p.ops / p.seconds;
    const bareRate = (rate(phases[0]) + rate(phases[3])) / 2;
    console.log(
      `\nturns/s against bare update throughput (mean of both bare phases, ${f(bareRate)}/s): 1 worker ${(rate(phases[1]) / bareRate).toFixed(2)}x, 2 workers ${(rate(phases[2]) / bareRate).toFixed(2)}x; 2 workers / 1 worker ${(rate(phases[2]) / rate(phases[1])).toFixed(2)}x`,
    );

    for (const h of entities) await h.signal(stop);
    bare.shutdown();
    await bareRun;
    await connection.close();
    await native.close();
    ok = true;
  } finally {
    for (const c of extra) await c.stop();
    await stack.stop(30_000);
    await fake.close();
    // A failed run keeps its logs, and says what the stack printed.
    if (ok) fs.rmSync(tmp, { recursive: true, force: true });
    else console.error(`${stack.output().slice(-3000)}\nlogs kept in ${tmp}/logs`);
  }
}

/** Until Temporal has seen `n` workers poll the task queue's activities. */
async function waitForWorkers(client: Client, taskQueue: string, n: number): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const q = await client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    if ((q.pollers ?? []).length >= n) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${n} workers poll ${taskQueue}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
