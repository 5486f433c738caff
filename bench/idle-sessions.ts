// bench/idle-sessions: N open, idle sessions. The worker's memory should stay flat (sessions beyond
// TEMPORAL_MAX_CACHED_WORKFLOWS are evicted) and every session still answers a query (replayed on
// demand). Baseline: the same process's RSS with the worker running and one warm-up session run
// and terminated (the bundle's first load is a fixed cost, not a per-session one).
//
//   npx tsx bench/idle-sessions.ts [sessions=10000] [sample=200] [maxStartSeconds=600] [workerCache]
//
// workerCache overrides TEMPORAL_MAX_CACHED_WORKFLOWS (default: the configured value, 500). Run with
// `npx tsx --expose-gc ...` so the heap figures are after a full GC (otherwise they include garbage).
//
// Sessions start CONCURRENCY at a time; if starting them takes longer than maxStartSeconds, it
// stops there and reports the number actually open (so a slow machine still gets an answer).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { findProjectRoot, loadConfig } from '../lib/config';
import { createPool, createPrisma } from '../lib/db';
import { createLogger } from '../lib/logger';
import { findBinary, TEMPORAL_CLI } from '../stack/binaries';
import { applyMigrations, migrationsDir } from '../lib/migrations';
import { startEmbeddedPostgres } from '../stack/postgres';
import { freePort, startTemporalServer } from '../stack/temporal-server';
import { installTemporalRuntime } from '../workers/runtime';
import { startWorker } from '../workers/worker';
import { session } from '../workflows';
import { stateQuery } from '../workflows/contract/session-messages';

const N = Number(process.argv[2] ?? 10_000);
const SAMPLE = Number(process.argv[3] ?? 200);
const MAX_START_SECONDS = Number(process.argv[4] ?? 600);
const CACHE = process.argv[5];
const CONCURRENCY = 50;
const mb = (b: number) => (b / 1024 / 1024).toFixed(0);

async function main(): Promise<void> {
  const root = findProjectRoot();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-bench-idle-'));
  fs.chmodSync(tmp, 0o755);
  const cli = findBinary(TEMPORAL_CLI, {
    configured: loadConfig().temporal.cliPath,
    configuredName: 'TEMPORAL_CLI_PATH',
    root,
  });
  const [server, pg] = await Promise.all([
    freePort().then((port) =>
      startTemporalServer({ executable: cli, port, namespace: 'default', logFile: path.join(tmp, 't.log') }),
    ),
    freePort().then((port) =>
      startEmbeddedPostgres(root, { dataDir: path.join(tmp, 'pg'), port, logFile: path.join(tmp, 'pg.log') }),
    ),
  ]);
  try {
    await applyMigrations(pg.url, migrationsDir(root));
    const config = loadConfig({
      env: {
        TEMPORAL_ADDRESS: server.address,
        DATABASE_URL: pg.url,
        TEMPORAL_TASK_QUEUE: 'idle',
        CLAUDE_FLOW_DATA_DIR: tmp,
        LOG_LEVEL: 'error',
        ...(CACHE ? { TEMPORAL_MAX_CACHED_WORKFLOWS: CACHE } : {}),
      },
    });
    const logger = createLogger(config);
    installTemporalRuntime(logger);
    const prisma = createPrisma(pg.url, 10);
    const pool = createPool(pg.url, 10);
    const native = await NativeConnection.connect({ address: server.address });
    const worker = await startWorker({ config, connection: native, deps: { prisma, pool, logger } });
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    // Every figure is this one process: the worker (main thread + workflow thread + Rust core) and the
    // client. heap/external are the main thread's V8 only; the workflow sandbox lives in a worker
    // thread whose heap shows up in RSS alone. cached = the worker's workflow cache right then.
    const sample = (sessions: number | string) => {
      const m = process.memoryUsage();
      return {
        sessions,
        rss: m.rss,
        heap: m.heapUsed,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        cached: worker.worker.getStatus().numCachedWorkflows,
      };
    };
    global.gc?.();
    const cold = sample('0 (worker running, nothing run yet)');
    // The first session loads the workflow bundle into the workflow thread's V8 context and warms the
    // activity and database paths: a fixed cost (25-50 MB here), not a per-session one. The
    // baseline is taken after one warm-up session has run and been terminated, so the ratio below is
    // what the idle sessions cost.
    const warm = await client.workflow.start(session, {
      taskQueue: 'idle',
      workflowId: 'session-idle-warmup',
      args: [{ sessionId: 'idle-warmup', title: 'warm-up', owner: 'bench' }],
    });
    while ((await prisma.session.count()) < 1) await new Promise((r) => setTimeout(r, 200));
    await warm.query(stateQuery);
    await warm.terminate('bench warm-up');
    global.gc?.();
    const baseline = sample('0 (after one warm-up session)');

    const t0 = performance.now();
    const rss: ReturnType<typeof sample>[] = [];
    let next = 0;
    let started = 0;
    const progress = setInterval(() => {
      const s = (performance.now() - t0) / 1000;
      process.stderr.write(`  ${started} started in ${s.toFixed(0)} s (${(started / s).toFixed(0)}/s)\n`);
    }, 30_000);
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < N && performance.now() - t0 < MAX_START_SECONDS * 1000) {
          const i = next++;
          await client.workflow.start(session, {
            taskQueue: 'idle',
            workflowId: `session-idle-${i}`,
            args: [{ sessionId: `idle-${i}`, title: `idle ${i}`, owner: 'bench' }],
          });
          started++;
          if (i % Math.max(1, Math.floor(N / 10)) === 0) rss.push(sample(i));
        }
      }),
    );
    clearInterval(progress);
    const open = started;
    // Every session has run its first task and is waiting (idle).
    for (;;) {
      const projected = await prisma.session.count();
      if (projected >= open + 1) break; // + the warm-up session's row
      await new Promise((r) => setTimeout(r, 500));
    }
    const startSeconds = (performance.now() - t0) / 1000;
    global.gc?.();
    const after = sample(`${open} (all idle)`);
    await new Promise((r) => setTimeout(r, 10_000));
    const settled = sample(`${open} (idle 10 s later)`);

    const lat: number[] = [];
    for (let k = 0; k < SAMPLE; k++) {
      const i = Math.floor(Math.random() * open);
      const q0 = performance.now();
      const st = await client.workflow.getHandle(`session-idle-${i}`).query(stateQuery);
      lat.push(performance.now() - q0);
      if (st.status !== 'active') throw new Error(`session idle-${i} is ${st.status}`);
    }
    lat.sort((a, b) => a - b);
    const p = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))].toFixed(1);
    console.log(
      `bench/idle-sessions: ${open} of ${N} sessions started (and idle) in ${startSeconds.toFixed(0)} s; worker cache ${config.temporal.maxCachedWorkflows}; load average ${os.loadavg()[0].toFixed(1)}\n`,
    );
    console.log(
      '| sessions open | process RSS MB | main heap MB | external MB | arrayBuffers MB | cached workflows |\n| --- | --- | --- | --- | --- | --- |',
    );
    for (const r of [cold, baseline, ...rss, after, settled])
      console.log(
        `| ${r.sessions} | ${mb(r.rss)} | ${mb(r.heap)} | ${mb(r.external)} | ${mb(r.arrayBuffers)} | ${r.cached} |`,
      );
    console.log(
      `\nRSS with ${open} idle sessions / warm baseline: ${(settled.rss / baseline.rss).toFixed(2)}x (+${mb(settled.rss - baseline.rss)} MB; cache ${settled.cached} workflows)`,
    );
    console.log(
      `query on ${SAMPLE} random sessions (most evicted, replayed on demand): p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, p99 ${p(0.99)} ms`,
    );
    await worker.shutdown();
    await connection.close();
    await native.close();
    await prisma.$disconnect();
    await pool.end();
  } finally {
    await server.stop();
    await pg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
