// bench/session-step: one sendMessage round trip (update -> turn activity -> reply, provider
// answering at once from a fake on 127.0.0.1) against a bare Temporal workflow doing update -> one
// activity -> reply, on the same dev server, in the same run. Target ratio <= 1.5 (DESIGN §6).
//
//   npx tsx bench/session-step.ts [steps=200]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { findProjectRoot, loadConfig } from '../lib/config';
import { createPool, createPrisma } from '../lib/db';
import { createLogger } from '../lib/logger';
import { findBinary, TEMPORAL_CLI } from '../stack/binaries';
import { applyMigrations, migrationsDir } from '../lib/migrations';
import { startEmbeddedPostgres } from '../stack/postgres';
import { freePort, startTemporalServer } from '../stack/temporal-server';
import { startFakeAnthropic } from '../test/fakes/anthropic';
import { installTemporalRuntime } from '../workers/runtime';
import { startWorker } from '../workers/worker';
import { session } from '../workflows';
import { sendMessageUpdate } from '../workflows/contract/session-messages';
import { bareEntity, step, stop } from './workflows/bare';

const N = Number(process.argv[2] ?? 200);
const WARMUP = 20;

const pct = (s: number[], p: number) =>
  [...s].sort((a, b) => a - b)[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];

/**
 * Times both kinds of step alternately (bare, session, bare, ...), so both see the same machine:
 * on a shared machine the load changes during a run, and timing one after the other would charge
 * a busy minute to whichever ran in it.
 */
async function timeSteps(
  a: (i: number) => Promise<unknown>,
  b: (i: number) => Promise<unknown>,
): Promise<[number[], number[]]> {
  for (let i = 0; i < WARMUP; i++) {
    await a(-1 - i);
    await b(-1 - i);
  }
  const out: [number[], number[]] = [[], []];
  for (let i = 0; i < N; i++) {
    for (const [k, fn] of [a, b].entries()) {
      const t0 = performance.now();
      await fn(i);
      out[k].push(performance.now() - t0);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const root = findProjectRoot();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-bench-step-'));
  fs.chmodSync(tmp, 0o755);
  const cli = findBinary(TEMPORAL_CLI, {
    configured: loadConfig().temporal.cliPath,
    configuredName: 'TEMPORAL_CLI_PATH',
    root,
  });
  const [server, pg, fake] = await Promise.all([
    freePort().then((port) =>
      startTemporalServer({ executable: cli, port, namespace: 'default', logFile: path.join(tmp, 't.log') }),
    ),
    freePort().then((port) =>
      startEmbeddedPostgres(root, { dataDir: path.join(tmp, 'pg'), port, logFile: path.join(tmp, 'pg.log') }),
    ),
    startFakeAnthropic({ apiKey: 'k', defaultReply: 'ok' }),
  ]);
  try {
    await applyMigrations(pg.url, migrationsDir(root));
    const config = loadConfig({
      env: {
        TEMPORAL_ADDRESS: server.address,
        DATABASE_URL: pg.url,
        TEMPORAL_TASK_QUEUE: 'cf-bench',
        ANTHROPIC_API_KEY: 'k',
        ANTHROPIC_BASE_URL: fake.url,
        ANTHROPIC_MODEL: 'claude-haiku-4-5',
        CLAUDE_FLOW_DATA_DIR: tmp,
        LOG_LEVEL: 'error',
      },
    });
    const logger = createLogger(config);
    installTemporalRuntime(logger);
    const prisma = createPrisma(pg.url, 10);
    const pool = createPool(pg.url, 10);
    const native = await NativeConnection.connect({ address: server.address });
    const cf = await startWorker({ config, connection: native, deps: { prisma, pool, logger } });
    const bare = await Worker.create({
      connection: native,
      taskQueue: 'bare-bench',
      workflowsPath: require.resolve('./workflows/bare'),
      activities: { echo: async (text: string) => text },
    });
    const bareRun = bare.run();
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });

    const b = await client.workflow.start(bareEntity, { taskQueue: 'bare-bench', workflowId: 'bare' });
    const s = await client.workflow.start(session, {
      taskQueue: 'cf-bench',
      workflowId: 'session-bench',
      args: [{ sessionId: 'bench', title: 'bench', owner: 'bench', settings: { continueAsNewAfter: 100_000 } }],
    });
    const [bareTimes, sessionTimes] = await timeSteps(
      (i) => b.executeUpdate(step, { args: [`hello ${i}`] }),
      (i) => s.executeUpdate(sendMessageUpdate, { args: [{ text: `hello ${i}` }] }),
    );
    await b.signal(stop);

    const f = (n: number) => n.toFixed(1);
    console.log(
      `bench/session-step: ${N} sequential steps each (after ${WARMUP} warm-up), alternating bare and session, one dev server (load average ${os.loadavg()[0].toFixed(1)} at the end)\n`,
    );
    console.log('| workflow | p50 ms | p99 ms |\n| --- | --- | --- |');
    console.log(`| bare: update -> 1 activity -> reply | ${f(pct(bareTimes, 50))} | ${f(pct(bareTimes, 99))} |`);
    console.log(
      `| session sendMessage (turn: store, context, model, reply, memory) | ${f(pct(sessionTimes, 50))} | ${f(pct(sessionTimes, 99))} |`,
    );
    console.log(
      `\nratio session / bare: p50 ${(pct(sessionTimes, 50) / pct(bareTimes, 50)).toFixed(2)}x (target <= 1.5), p99 ${(pct(sessionTimes, 99) / pct(bareTimes, 99)).toFixed(2)}x`,
    );

    bare.shutdown();
    await bareRun;
    await cf.shutdown();
    await connection.close();
    await native.close();
    await prisma.$disconnect();
    await pool.end();
  } finally {
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
