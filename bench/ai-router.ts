// bench/ai-router: what the router costs over calling the SDK directly, on the same fake provider,
// in the same run. Also: first-token latency of a stream seen through the live channel (Postgres
// NOTIFY) versus read straight off the SDK stream.
//
//   npx tsx bench/ai-router.ts [calls=300]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createAiActivities } from '../activities/ai';
import type { ModelRequest, ModelResult } from '../activities/ai/types';
import { findProjectRoot, loadConfig } from '../lib/config';
import { createPool, createPrisma } from '../lib/db';
import { LiveListener, type LiveEvent } from '../lib/live';
import { createLogger } from '../lib/logger';
import { MemoryStore } from '../lib/memory';
import { applyMigrations, migrationsDir } from '../lib/migrations';
import { startEmbeddedPostgres } from '../stack/postgres';
import { freePort } from '../stack/temporal-server';
import { startFakeAnthropic } from '../test/fakes/anthropic';

const N = Number(process.argv[2] ?? 300);
const WARMUP = 30;

function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const ms = (n: number) => Number(n.toFixed(2));

async function measure(
  label: string,
  fn: (i: number) => Promise<void>,
): Promise<{ label: string; p50: number; p99: number }> {
  for (let i = 0; i < WARMUP; i++) await fn(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return { label, p50: ms(pct(samples, 50)), p99: ms(pct(samples, 99)) };
}

async function main(): Promise<void> {
  const root = findProjectRoot();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-bench-'));
  fs.chmodSync(tmp, 0o755);
  const pg = await startEmbeddedPostgres(root, {
    dataDir: path.join(tmp, 'pg'),
    port: await freePort(),
    logFile: path.join(tmp, 'pg.log'),
  });
  const fake = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'The quick brown fox jumps over the lazy dog.' });
  try {
    await applyMigrations(pg.url, migrationsDir(root));
    const config = loadConfig({
      env: {
        DATABASE_URL: pg.url,
        ANTHROPIC_API_KEY: 'k',
        ANTHROPIC_BASE_URL: fake.url,
        ANTHROPIC_MODEL: 'claude-haiku-4-5',
        LOG_LEVEL: 'error',
      },
    });
    const prisma = createPrisma(pg.url, 5);
    const pool = createPool(pg.url, 5);
    const acts = createAiActivities({
      config,
      prisma,
      pool,
      logger: createLogger(config),
      memory: new MemoryStore(pool, config.memory),
      workerIdentity: 'bench',
    });
    const sdk = new Anthropic({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 });
    const req: ModelRequest = { task: 'chat', messages: [{ role: 'user', content: 'hello' }], maxTokens: 64 };
    const env = (i: number) =>
      new MockActivityEnvironment({
        attempt: 1,
        activityId: `a${i}`,
        workflowExecution: { workflowId: 'bench', runId: `r${i}` },
      });
    const callModel = (i: number, r: ModelRequest) =>
      env(i).run<[ModelRequest], ModelResult, typeof acts.callModel>(acts.callModel, r);

    const direct = await measure('SDK direct (messages.create)', async () => {
      await sdk.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hello' }],
      });
    });
    const routed = await measure('router (callModel activity: route, call, record usage)', async (i) => {
      await callModel(i, req);
    });

    // First token: straight off the SDK stream, versus the first ai.delta a LISTENer receives.
    const directFirst = await measure('first token, SDK stream direct', async () => {
      const stream = sdk.messages.stream({
        model: 'claude-haiku-4-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      });
      await new Promise<void>((resolve) => stream.once('text', () => resolve()));
      await stream.finalMessage();
    });
    const listener = new LiveListener(pg.url, pool);
    await listener.start();
    const liveFirst = await measure('first token, through the live channel', async (i) => {
      const channel = `workflow:bench-stream-${i}`;
      const first = new Promise<void>((resolve) => {
        const on = (e: LiveEvent) => {
          if (e.channel === channel && e.type === 'ai.delta') {
            listener.off('event', on);
            resolve();
          }
        };
        listener.on('event', on);
      });
      const call = new MockActivityEnvironment({
        attempt: 1,
        activityId: 'a',
        workflowExecution: { workflowId: `bench-stream-${i}`, runId: 'r' },
      }).run<[ModelRequest], ModelResult, typeof acts.callModel>(acts.callModel, { ...req, stream: true });
      await first;
      await call;
    });
    await listener.close();

    const results = [direct, routed, directFirst, liveFirst];
    console.log(`bench/ai-router: ${N} calls each (after ${WARMUP} warm-up), same fake Anthropic on 127.0.0.1\n`);
    console.log('| measurement | p50 ms | p99 ms |\n| --- | --- | --- |');
    for (const r of results) console.log(`| ${r.label} | ${r.p50} | ${r.p99} |`);
    console.log(
      `\nrouter / direct (p50): ${(routed.p50 / direct.p50).toFixed(2)}x, added ${ms(routed.p50 - direct.p50)} ms`,
    );
    console.log(
      `live first token / direct first token (p50): ${(liveFirst.p50 / directFirst.p50).toFixed(2)}x, added ${ms(liveFirst.p50 - directFirst.p50)} ms`,
    );
    await prisma.$disconnect();
    await pool.end();
  } finally {
    await fake.close();
    await pg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
