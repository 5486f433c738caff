// callModel and embed run directly in an activity context (the real activity code, real SDKs over
// HTTP, real Postgres), for what is hard to arrange through a workflow: a worker that died after the
// provider answered, and configurations with no provider at all.
import { MockActivityEnvironment } from '@temporalio/testing';
import { createAiActivities } from '../../activities/ai';
import type { EmbedResult } from '../../activities/ai';
import type { ModelRequest, ModelResponse, ModelResult } from '../../activities/ai/types';
import type { Config } from '../../lib/config';
import { MemoryStore } from '../../lib/memory';
import { bagOfWordsEmbedding, startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai';
import { temporalTestLogger } from '../helpers/logs';
import { freshDatabase, testConfig, testLogger, type TestDatabase } from '../helpers/stack';
import { createPool, createPrisma, type PrismaClient } from '../../lib/db';
import type pg from 'pg';

let openai: FakeOpenAIServer;
let db: TestDatabase;
let prisma: PrismaClient;
let pool: pg.Pool;

beforeAll(async () => {
  openai = await startFakeOpenAI({ apiKey: 'k', defaultReply: 'Once.', embeddingDims: 32 });
  db = await freshDatabase();
  prisma = createPrisma(db.url, 3);
  pool = createPool(db.url, 3);
});
afterAll(async () => {
  await prisma?.$disconnect();
  await pool?.end();
  await db?.drop();
  await openai?.close();
});

function activities(env: Record<string, string>) {
  const config: Config = testConfig({ DATABASE_URL: db.url, ...env });
  return createAiActivities({
    config,
    prisma,
    pool,
    logger: testLogger(config),
    memory: new MemoryStore(pool, config.memory),
    workerIdentity: 'test',
  });
}
const withOpenAI = () => activities({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: openai.url });
type Acts = ReturnType<typeof activities>;
const callModel = (acts: Acts, i: ReturnType<typeof info>, req: ModelRequest): Promise<ModelResult> =>
  new MockActivityEnvironment(i, { logger: temporalTestLogger() }).run<[ModelRequest], ModelResult, Acts['callModel']>(
    acts.callModel,
    req,
  );
const embed = (
  acts: Acts,
  i: ReturnType<typeof info>,
  input: { texts: string[]; optional?: boolean },
): Promise<EmbedResult> =>
  new MockActivityEnvironment(i, { logger: temporalTestLogger() }).run<[typeof input], EmbedResult, Acts['embed']>(
    acts.embed,
    input,
  );
const info = (attempt: number, activityId = 'act-1') => ({
  attempt,
  activityId,
  workflowType: 'test',
  workflowExecution: { workflowId: 'wf-once', runId: 'run-1' },
});

test('a retried attempt after a successful call returns the recorded answer: one provider call, counted once', async () => {
  const acts = withOpenAI();
  const req: ModelRequest = { task: 'chat', messages: [{ role: 'user', content: 'hi' }] };
  // Attempt 1 got its answer and recorded it, but (say) the worker died before Temporal heard of it.
  const first = (await callModel(acts, info(1), req)) as ModelResponse;
  const retried = (await callModel(acts, info(2), req)) as ModelResponse;
  expect(retried).toEqual(first);
  expect(openai.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(1);
  const rows = await prisma.aiCall.findMany({ where: { workflowId: 'wf-once' } });
  expect(rows.filter((r) => r.outcome === 'success')).toHaveLength(1);
});

test('no provider configured: a required step fails at once saying how to configure one', async () => {
  const acts = activities({});
  const err = await callModel(acts, info(1, 'act-2'), {
    task: 'review',
    messages: [{ role: 'user', content: 'x' }],
  }).catch((e: unknown) => e);
  expect(err).toMatchObject({ type: 'AiNotConfigured', nonRetryable: true });
  expect((err as Error).message).toMatch(
    /No AI provider is configured for "review" tasks: set ANTHROPIC_API_KEY, OPENAI_API_KEY/,
  );
});

test('no provider configured: an optional step is skipped with the reason, and recorded as skipped', async () => {
  const acts = activities({});
  const r = await callModel(acts, info(1, 'act-3'), {
    task: 'summarize',
    optional: true,
    messages: [{ role: 'user', content: 'x' }],
  });
  expect(r).toEqual({ outcome: 'skipped', reason: expect.stringContaining('No AI provider is configured') });
  const row = await prisma.aiCall.findFirstOrThrow({ where: { callKey: 'wf-once/run-1/act-3' } });
  expect(row.outcome).toBe('skipped');
});

test('embeddings come from the OpenAI-compatible endpoint, in input order', async () => {
  const acts = withOpenAI();
  const texts = ['postgres full text search', 'temporal workflow replay'];
  const r = await embed(acts, info(1, 'act-4'), { texts });
  expect(r.outcome).toBe('ok');
  expect(r.vectors).toHaveLength(2);
  // The SDK asked for base64 and decoded it; the vectors are the fake's deterministic ones.
  expect(openai.requests.at(-1)?.body.encoding_format).toBe('base64');
  r.vectors.forEach((v, i) => {
    const expected = bagOfWordsEmbedding(texts[i], 32);
    v.forEach((x, j) => expect(x).toBeCloseTo(expected[j], 5));
  });
});

test('no embedding provider: optional embedding is skipped and says why', async () => {
  const r = await embed(activities({ ANTHROPIC_API_KEY: 'a' }), info(1, 'act-5'), {
    texts: ['x'],
    optional: true,
  });
  expect(r).toMatchObject({
    outcome: 'skipped',
    reason: expect.stringContaining('No embedding provider is configured'),
  });
});

test('an auggie binary that is not there is a clear, non-retryable error', async () => {
  const acts = activities({
    AUGMENT_SESSION_AUTH: '{"accessToken":"t","tenantURL":"http://127.0.0.1:9/"}',
    AUGGIE_PATH: '/nonexistent/auggie',
  });
  const err = await callModel(acts, info(1, 'act-6'), {
    task: 'code-context',
    messages: [{ role: 'user', content: 'x' }],
  }).catch((e: unknown) => e);
  expect(err).toMatchObject({ type: 'AiNotConfigured', nonRetryable: true });
  expect((err as Error).message).toBe('auggie not found at /nonexistent/auggie: run `npm install` or set AUGGIE_PATH');
});
