// The AI router end to end: the real Anthropic and OpenAI SDKs against wire-level fakes, called by
// the real worker under Temporal's retry policy on the real dev server, usage in real Postgres.
import { WorkflowFailedError } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../api/app';
import type { ModelRequest, ModelResponse, ModelResult } from '../../activities/ai/types';
import { LiveListener, type LiveEvent } from '../../lib/live';
import { aiTask } from '../../workflows';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer, Step } from '../fakes/http-fake';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(90_000);

let anthropic: FakeServer;
let openai: FakeOpenAIServer;
let app: TestApp;
let n = 0;

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'sk-ant-test', defaultReply: 'Hello from Claude.' });
  openai = await startFakeOpenAI({ apiKey: 'sk-openai-test', defaultReply: 'Hello from GPT.' });
  app = await startTestApp({
    env: {
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: anthropic.url,
      OPENAI_API_KEY: 'sk-openai-test',
      OPENAI_BASE_URL: openai.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
      AI_REQUEST_TIMEOUT_MS: '1500',
    },
  });
});
afterAll(async () => {
  await app?.close();
  await anthropic?.close();
  await openai?.close();
});
beforeEach(() => {
  anthropic.reset();
  openai.reset();
});

const chat = (text: string, extra: Partial<ModelRequest> = {}): ModelRequest => ({
  task: 'chat',
  messages: [{ role: 'user', content: text }],
  ...extra,
});

async function run(req: ModelRequest, workflowId = `ai-${++n}-${Date.now()}`): Promise<ModelResult> {
  return app.client.workflow.execute(aiTask, { taskQueue: app.config.temporal.taskQueue, workflowId, args: [req] });
}

async function calls(workflowId: string) {
  return app.prisma.aiCall.findMany({ where: { workflowId }, orderBy: [{ attempt: 'asc' }, { id: 'asc' }] });
}

test('Anthropic answers through its SDK; usage and cost are recorded once', async () => {
  anthropic.script({ reply: 'Four.', usage: { input: 1000, output: 200, cacheRead: 500 } });
  const workflowId = `ai-anthropic-${Date.now()}`;
  const r = (await run(chat('What is 2+2?', { system: 'Be brief.' }), workflowId)) as ModelResponse;

  expect(r).toMatchObject({
    outcome: 'ok',
    text: 'Four.',
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    attempt: 1,
  });
  expect(r.usage).toEqual({ inputTokens: 1000, outputTokens: 200, cacheReadTokens: 500, cacheWriteTokens: 0 });
  // claude-haiku-4-5: $1 in, $5 out, $0.10 cache read per million tokens.
  expect(r.costUsd).toBeCloseTo((1000 * 1 + 200 * 5 + 500 * 0.1) / 1e6, 9);

  const sent = anthropic.requests[0];
  expect(sent.path).toBe('/v1/messages');
  expect(sent.headers.authorization).toBe('Bearer sk-ant-test');
  expect(sent.body).toMatchObject({
    model: 'claude-haiku-4-5',
    system: 'Be brief.',
    messages: [{ role: 'user', content: 'What is 2+2?' }],
  });

  const rows = await calls(workflowId);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ outcome: 'success', provider: 'anthropic', inputTokens: 1000, outputTokens: 200 });
  expect(Number(rows[0].costUsd)).toBeCloseTo(r.costUsd as number, 6);
});

test('OpenAI (any compatible endpoint) answers through its SDK when the route asks for it', async () => {
  openai.script({ reply: 'Paris.', usage: { input: 30, output: 2 } });
  const r = (await run(chat('Capital of France?', { route: ['openai:gpt-4o-mini'] }))) as ModelResponse;
  expect(r).toMatchObject({ text: 'Paris.', provider: 'openai', model: 'gpt-4o-mini' });
  expect(openai.requests[0].headers.authorization).toBe('Bearer sk-openai-test');
  expect(openai.requests[0].body.messages).toEqual([{ role: 'user', content: 'Capital of France?' }]);
  expect(anthropic.requests).toHaveLength(0);
});

test('tool calls come back in one shape from both providers', async () => {
  const tools = [
    {
      name: 'get_time',
      description: 'Current time',
      inputSchema: { type: 'object', properties: { tz: { type: 'string' } } },
    },
  ];
  anthropic.script({ toolCalls: [{ id: 'tu_1', name: 'get_time', input: { tz: 'UTC' } }] });
  openai.script({ toolCalls: [{ id: 'call_1', name: 'get_time', input: { tz: 'UTC' } }] });
  const a = (await run(chat('time?', { tools }))) as ModelResponse;
  const o = (await run(chat('time?', { tools, route: ['openai'] }))) as ModelResponse;
  for (const r of [a, o]) {
    expect(r.stopReason).toBe('tool_use');
    expect(r.toolCalls).toEqual([{ id: expect.any(String), name: 'get_time', input: { tz: 'UTC' } }]);
  }
  expect(anthropic.requests[0].body.tools[0]).toMatchObject({ name: 'get_time', input_schema: { type: 'object' } });
});

describe('streaming', () => {
  let listener: LiveListener;
  const events: LiveEvent[] = [];
  beforeAll(async () => {
    listener = new LiveListener(app.db.url, app.pool);
    listener.on('event', (e: LiveEvent) => events.push(e));
    await listener.start();
  });
  afterAll(async () => {
    await listener?.close();
  });

  test.each([
    ['anthropic', ['anthropic']],
    ['openai', ['openai']],
  ])('%s: chunks arrive as live events in order and concatenate to the final text', async (_name, route) => {
    const reply = 'Streaming lets a user watch the answer being written, word by word, as it is generated.';
    (route[0] === 'anthropic' ? anthropic : openai).script({ reply });
    const workflowId = `ai-stream-${route[0]}-${Date.now()}`;
    const r = (await run(chat('stream please', { stream: true, route }), workflowId)) as ModelResponse;
    expect(r.text).toBe(reply);
    await waitFor(() => events.some((e) => e.channel === `workflow:${workflowId}` && e.type === 'ai.completed'));
    // The run's own end (`completed`) shares the channel; the model's events are `ai.*`.
    const mine = events.filter((e) => e.channel === `workflow:${workflowId}` && e.type.startsWith('ai.'));
    const deltas = mine.filter((e) => e.type === 'ai.delta').map((e) => e.data as { seq: number; text: string });
    expect(deltas.map((d) => d.seq)).toEqual(deltas.map((_, i) => i));
    expect(deltas.map((d) => d.text).join('')).toBe(reply);
    const ids = mine.map((e) => BigInt(e.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    expect(mine[0].type).toBe('ai.started');
    expect(mine[mine.length - 1].type).toBe('ai.completed');
  });

  test('a stream cut off half way is retried; the failed attempt is marked and the final text is whole', async () => {
    const reply = 'This answer is cut off the first time and arrives whole the second time.';
    anthropic.script({ cutAfterChunks: 3, reply }, { reply });
    const workflowId = `ai-cut-${Date.now()}`;
    const r = (await run(chat('cut', { stream: true, route: ['anthropic'] }), workflowId)) as ModelResponse;
    expect(r).toMatchObject({ text: reply, attempt: 2 });
    await waitFor(() => events.some((e) => e.channel === `workflow:${workflowId}` && e.type === 'ai.completed'));
    const mine = events.filter((e) => e.channel === `workflow:${workflowId}`);
    const failed = mine.find((e) => e.type === 'ai.failed');
    expect(failed?.data).toMatchObject({ attempt: 1, retryable: true });
    const second = mine.filter((e) => e.type === 'ai.delta' && (e.data as { attempt: number }).attempt === 2);
    expect(second.map((e) => (e.data as { text: string }).text).join('')).toBe(reply);
  });
});

test('fallback follows the chain by attempt: Anthropic overloaded (529), OpenAI answers', async () => {
  anthropic.script({ status: 529 });
  openai.script({ reply: 'Fallback answer.', usage: { input: 10, output: 3 } });
  const workflowId = `ai-fallback-${Date.now()}`;
  const r = (await run(chat('hello'), workflowId)) as ModelResponse;
  expect(r).toMatchObject({ text: 'Fallback answer.', provider: 'openai', attempt: 2 });

  const rows = await calls(workflowId);
  expect(rows.map((c) => [c.attempt, c.provider, c.outcome, c.errorType])).toEqual([
    [1, 'anthropic', 'failure', 'AiProviderUnavailable'],
    [2, 'openai', 'success', null],
  ]);
  // Counted once: one success, with the tokens of the call that answered.
  expect(rows.filter((c) => c.outcome === 'success')).toHaveLength(1);
});

test("a 429's retry-after-ms becomes Temporal's next retry delay", async () => {
  anthropic.script({ status: 429, headers: { 'retry-after-ms': '2500' } }, { reply: 'After waiting.' });
  const r = (await run(chat('hi', { route: ['anthropic'] }))) as ModelResponse;
  expect(r.text).toBe('After waiting.');
  const [first, second] = anthropic.requests;
  // The policy's own first interval is 1 s; the provider asked for 2.5 s.
  expect(second.at - first.at).toBeGreaterThanOrEqual(2_400);
});

test.each<[Step, string]>([
  [{ malformed: true }, 'malformed JSON'],
  [{ hang: true }, 'a hung connection (timeout)'],
  [{ status: 500 }, 'a 500'],
])('%j (%s) is retried and then answered', async (fault) => {
  anthropic.script(fault, { reply: 'Recovered.' });
  const r = (await run(chat('hi', { route: ['anthropic'] }))) as ModelResponse;
  expect(r).toMatchObject({ text: 'Recovered.', attempt: 2 });
});

test.each([
  [401, 'anthropic refused the credentials (401', 'check ANTHROPIC_API_KEY', 'AiAuthFailed'],
  [404, 'anthropic does not serve model "claude-haiku-4-5"', 'set ANTHROPIC_MODEL', 'AiUnknownModel'],
  [400, 'anthropic rejected the request (400', '', 'AiBadRequest'],
])('a %d fails fast, without retries, saying what to fix', async (status, message, fix, type) => {
  anthropic.script({ status });
  const err = await run(chat('hi', { route: ['anthropic', 'openai'] })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause?.cause as { message: string; type: string; nonRetryable: boolean };
  expect(cause.message).toContain(message);
  expect(cause.message).toContain(fix);
  expect(cause.type).toBe(type);
  expect(cause.nonRetryable).toBe(true);
  expect(anthropic.requests).toHaveLength(1);
  expect(openai.requests).toHaveLength(0);
});

describe('GET /api/claude-flow/analytics/usage', () => {
  const http = () => createApp({ ...app, temporal: app.client });

  test('totals and groups by provider and model, filtered by workflow', async () => {
    anthropic.script({ status: 529 });
    openai.script({ reply: 'x', usage: { input: 100, output: 10 } });
    const workflowId = `ai-analytics-${Date.now()}`;
    await run(chat('count me'), workflowId);
    const res = await request(http()).get('/api/claude-flow/analytics/usage').query({ workflowId }).expect(200);
    expect(res.body.totals).toMatchObject({ calls: 2, successes: 1, failures: 1, inputTokens: 100, outputTokens: 10 });
    expect(res.body.groups).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ provider: 'openai', model: 'gpt-4.1-mini', successes: 1, inputTokens: 100 }),
        expect.objectContaining({ provider: 'anthropic', model: 'claude-haiku-4-5', failures: 1, inputTokens: 0 }),
      ]),
    );
    const bySession = await request(http())
      .get('/api/claude-flow/analytics/usage')
      .query({ groupBy: 'workflow' })
      .expect(200);
    expect(bySession.body.groups.find((g: { workflow: string }) => g.workflow === workflowId)).toMatchObject({
      calls: 2,
    });
  });

  test.each([
    [{ groupBy: 'colour' }, 'groupBy'],
    [{ from: 'yesterday' }, 'from'],
    [{ provider: 'gemini' }, 'provider'],
    [{ limit: '5' }, 'limit'],
    // PostgreSQL text cannot hold NUL: a 400 here, not the database's error as a 500.
    [{ model: 'a\u0000b' }, 'model'],
  ])('bad query %j is a 400 naming %s', async (query, field) => {
    const res = await request(http()).get('/api/claude-flow/analytics/usage').query(query).expect(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.detail).toContain(field);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
