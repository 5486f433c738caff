// Auggie: the real `auggie` CLI binary, run by the worker in print mode against a wire-level fake of
// Augment's backend, under Temporal's retries and fallback.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { ModelRequest, ModelResponse, ModelResult } from '../../activities/ai/types';
import { aiTask } from '../../workflows';
import { startFakeAnthropic } from '../fakes/anthropic';
import { auggiePromptText, startFakeAuggieBackend, type FakeAuggieBackend } from '../fakes/auggie-backend';
import type { FakeServer } from '../fakes/http-fake';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(120_000);

let augment: FakeAuggieBackend;
let anthropic: FakeServer;
let app: TestApp;
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-auggie-ws-'));

beforeAll(async () => {
  augment = await startFakeAuggieBackend({ defaultReply: 'The entry point is main.ts.' });
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Claude took over.' });
  fs.writeFileSync(path.join(workspace, 'main.ts'), 'export const main = () => 42;\n');
  app = await startTestApp({
    env: {
      AUGMENT_SESSION_AUTH: augment.sessionAuth(),
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
      CLAUDE_FLOW_WORKSPACE: workspace,
      AI_REQUEST_TIMEOUT_MS: '45000',
    },
  });
});
afterAll(async () => {
  await app?.close();
  await augment?.close();
  await anthropic?.close();
});

const ask = (extra: Partial<ModelRequest> = {}): ModelRequest => ({
  task: 'code-context',
  system: 'You know this repository.',
  messages: [{ role: 'user', content: 'Where does the program start?' }],
  ...extra,
});
const run = (req: ModelRequest, workflowId = `auggie-${Date.now()}-${Math.random()}`): Promise<ModelResult> =>
  app.client.workflow.execute(aiTask, { taskQueue: app.config.temporal.taskQueue, workflowId, args: [req] });

test('code-context goes to Auggie first: the real CLI answers, in the workspace, with usage', async () => {
  const workflowId = `auggie-ok-${Date.now()}`;
  const r = (await run(ask(), workflowId)) as ModelResponse;
  expect(r).toMatchObject({ outcome: 'ok', provider: 'auggie', text: 'The entry point is main.ts.', attempt: 1 });
  // Usage is read back from the session file auggie wrote (the fake reports it in the stream).
  expect(r.usage.inputTokens + r.usage.outputTokens).toBeGreaterThan(0);
  const chats = augment.chatRequests();
  expect(auggiePromptText(chats[chats.length - 1])).toBe('You know this repository.\n\nWhere does the program start?');
  const row = await app.prisma.aiCall.findFirstOrThrow({ where: { workflowId } });
  expect(row).toMatchObject({ provider: 'auggie', outcome: 'success' });
  expect(row.inputTokens).toBe(r.usage.inputTokens);
});

test('an Augment 500 fails the attempt; the retry (still Auggie when it is the only entry) answers', async () => {
  augment.script({ status: 500 }, { reply: 'Second time lucky.' });
  const r = (await run(ask({ route: ['auggie'] }))) as ModelResponse;
  expect(r).toMatchObject({ provider: 'auggie', text: 'Second time lucky.', attempt: 2 });
});

test('rate limited on Auggie: the next attempt falls back to Claude', async () => {
  augment.script({ status: 429 });
  const r = (await run(ask())) as ModelResponse;
  expect(r).toMatchObject({ provider: 'anthropic', text: 'Claude took over.', attempt: 2 });
});

test('a refused session fails fast with what to fix', async () => {
  augment.script({ status: 401 });
  const err = await run(ask({ route: ['auggie', 'anthropic'] })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause?.cause as { message: string; nonRetryable: boolean };
  expect(cause.message).toMatch(/^auggie refused the credentials \(401: auggie exited with code 1: .*401/);
  expect(cause.message).toContain('check AUGMENT_SESSION_AUTH');
  expect(cause.nonRetryable).toBe(true);
});
