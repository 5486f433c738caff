// promptEval and modelUpdate end to end: the real worker on the real dev server calls the real
// Anthropic and OpenAI SDKs against their wire-level fakes (answers chosen by model and prompt),
// scores them (exact, contains, regex, LLM-as-judge), reports per configuration, and modelUpdate
// proposes a routing change behind an approval answered with the approvalDecided signal.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../../api/app';
import { WorkflowFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { PromptEvalResult } from '../../activities/dev/prompt-eval';
import { MemoryStore } from '../../lib/memory';
import { modelUpdate, promptEval } from '../../workflows';
import { progressQuery } from '../../workflows/dev/common';
import { approvalDecidedSignal } from '../../workflows/contract/session-messages';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer, Step } from '../fakes/http-fake';
import { type FakeOpenAIServer, startFakeOpenAI } from '../fakes/openai';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(60_000);

let anthropic: FakeServer;
let openai: FakeOpenAIServer;
let app: TestApp;
let n = 0;

/** What a good and a bad model answer, by words in the prompt. */
const GOOD: Record<string, string> = {
  capital: 'The capital of France is Paris.',
  plus: '4',
  prime: '7 is prime.',
  recursion: 'A function that calls itself until it reaches a base case.',
};
const BAD: Record<string, string> = {
  capital: 'Lyon, I think.',
  plus: 'four',
  prime: '9',
  recursion: 'Recursion is recursion.',
};

function lastUser(body: { messages: { role: string; content: unknown }[] }): string {
  const m = [...body.messages].reverse().find((x) => x.role === 'user');
  return typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content);
}

function answerFor(table: Record<string, string>, prompt: string): string {
  const key = Object.keys(table).find((k) => prompt.toLowerCase().includes(k));
  return key ? table[key] : 'I do not know.';
}

/** The judge passes answers that mention a base case; it wraps its JSON in prose, as models do. */
function judgeStep(prompt: string): Step {
  const answer = prompt.split('## Answer to grade\n')[1] ?? '';
  const pass = /base case/i.test(answer);
  const verdict = { pass, score: pass ? 0.9 : 0.2, reason: pass ? 'mentions the base case' : 'no base case' };
  return {
    reply: `Here is my verdict:\n\`\`\`json\n${JSON.stringify(verdict)}\n\`\`\``,
    usage: { input: 200, output: 30 },
  };
}

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'sk-ant-test' });
  openai = await startFakeOpenAI({ apiKey: 'sk-openai-test' });
  // Claude models answer well; gpt-4o-mini badly and slowly; gpt-5-good well.
  anthropic.respond = (body) => {
    const prompt = lastUser(body);
    if (body.model === 'claude-judge') return judgeStep(prompt);
    return { reply: answerFor(GOOD, prompt), usage: { input: 100, output: 20 } };
  };
  openai.respond = (body) => {
    const prompt = lastUser(body);
    if (body.model === 'gpt-5-good') return { reply: answerFor(GOOD, prompt), usage: { input: 100, output: 20 } };
    return { reply: answerFor(BAD, prompt), usage: { input: 100, output: 10 }, delayMs: 60 };
  };
  app = await startTestApp({
    env: {
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
      OPENAI_API_KEY: 'sk-openai-test',
      OPENAI_BASE_URL: openai.url,
      CLAUDE_FLOW_AI_ROUTES: JSON.stringify({ summarize: ['openai:gpt-4o-mini'], review: ['anthropic:claude-judge'] }),
      AI_REQUEST_TIMEOUT_MS: '5000',
    },
  });
});
afterAll(async () => {
  await app?.close();
  await anthropic?.close();
  await openai?.close();
});

const CASES = [
  { id: 'capital', prompt: 'What is the capital of France?', expected: 'paris', scorer: 'contains' },
  { id: 'plus', prompt: 'What is 2 plus 2? Answer with a digit.', expected: '4', scorer: 'exact' },
  { id: 'prime', prompt: 'Name a prime below 10.', expected: '/^\\s*[2357]\\b/', scorer: 'regex' },
  { id: 'recursion', prompt: 'Explain recursion in one sentence.', criteria: 'Mentions a base case', scorer: 'judge' },
];

function start<T extends typeof promptEval | typeof modelUpdate>(wf: T, input: unknown, prefix: string) {
  return app.client.workflow.start(wf as typeof promptEval, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `${prefix}-${++n}-${Date.now()}`,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    args: [input as any],
  }) as unknown as Promise<WorkflowHandleWithFirstExecutionRunId<T>>;
}

test('two configurations with different answers: scores, judge verdicts, latency, tokens and cost', async () => {
  const h = await start(
    promptEval,
    {
      cases: CASES,
      configurations: [{ route: ['anthropic:claude-haiku-4-5'] }, { route: ['openai:gpt-4o-mini'], label: 'mini' }],
      judge: { route: ['anthropic:claude-judge'] },
    },
    'eval',
  );
  const r = (await h.result()) as PromptEvalResult;
  expect(r.outcome).toBe('ok');
  const [a, b] = r.configurations;
  expect(a).toMatchObject({
    label: 'anthropic:claude-haiku-4-5',
    outcome: 'ok',
    models: ['anthropic:claude-haiku-4-5'],
    cases: 4,
    answered: 4,
    errors: 0,
    scored: 4,
    passed: 4,
    passRate: 1,
    // 1 + 1 + 1 + 0.9 (the judge's score) over 4.
    meanScore: 0.975,
    tokens: { input: 400, output: 80, total: 480 },
    unpricedCalls: 0,
  });
  // claude-haiku-4-5: $1 in, $5 out per million tokens.
  expect(a.costUsd).toBeCloseTo((400 * 1 + 80 * 5) / 1e6, 9);
  expect(b).toMatchObject({ label: 'mini', models: ['openai:gpt-4o-mini'], passed: 0, scored: 4, meanScore: 0.05 });
  expect(b.costUsd).toBeCloseTo((400 * 0.15 + 40 * 0.6) / 1e6, 9);
  expect(b.latencyMs!.p50).toBeGreaterThanOrEqual(60);
  expect(b.latencyMs!.p95).toBeGreaterThanOrEqual(b.latencyMs!.p50);
  expect(r.best).toBe(0);

  const byCase = (cfg: number, id: string) => r.cases.find((c) => c.configuration === cfg && c.caseId === id);
  expect(byCase(0, 'capital')).toMatchObject({ pass: true, score: 1, reason: 'contains "paris"' });
  expect(byCase(1, 'capital')).toMatchObject({ pass: false, score: 0, answer: 'Lyon, I think.' });
  expect(byCase(1, 'plus')).toMatchObject({ pass: false, reason: 'expected exactly "4"' });
  expect(byCase(0, 'prime')).toMatchObject({ pass: true });
  expect(byCase(1, 'prime')).toMatchObject({ pass: false });
  expect(byCase(0, 'recursion')).toMatchObject({ pass: true, score: 0.9, reason: 'mentions the base case' });
  expect(byCase(1, 'recursion')).toMatchObject({ pass: false, score: 0.2, reason: 'no base case' });
  expect(byCase(0, 'recursion')?.judge).toMatchObject({ model: 'anthropic:claude-judge', tokens: 230 });
  expect(r.judge).toMatchObject({ route: ['anthropic:claude-judge'], calls: 2, tokens: 460 });

  // The judge saw the question, the criteria and the answer, under its JSON-only system prompt.
  const judged = anthropic.requests.filter((q) => q.body?.model === 'claude-judge');
  expect(judged).toHaveLength(2);
  expect(judged[0].body.system).toContain('Reply with only one JSON object');
  expect(lastUser(judged[0].body)).toContain('## Criteria a good answer meets\nMentions a base case');
  // Answers went out at temperature 0 with the case's prompt.
  const mini = openai.requests.filter((q) => q.body?.model === 'gpt-4o-mini');
  expect(mini).toHaveLength(4);
  expect(mini.every((q) => q.body.temperature === 0)).toBe(true);

  const progress = await h.query(progressQuery);
  expect(progress.steps.map((s) => [s.name, s.status])).toEqual([
    ['validate', 'done'],
    ['answer', 'done'],
    ['report', 'done'],
  ]);
  const ev = await app.pool.query(
    `SELECT data FROM live_event WHERE channel = 'analytics' AND type = 'eval' AND data->>'workflowId' = $1`,
    [h.workflowId],
  );
  expect(ev.rows).toHaveLength(1);
  expect(ev.rows[0].data).toMatchObject({ best: 0, configurations: [{ meanScore: 0.975 }, { meanScore: 0.05 }] });
  await record('prompt-eval.json', h);
});

test('a configuration without a configured provider is skipped with the reason; with none at all the eval is skipped', async () => {
  // Model calls only: auto-saved run results are embedded (POST /v1/embeddings) when OpenAI is configured.
  const calls = () => anthropic.requests.length + openai.requests.filter((r) => r.path !== '/v1/embeddings').length;
  const before = calls();
  const r = (await (
    await start(
      promptEval,
      { cases: CASES.slice(0, 2), configurations: [{ route: ['auggie'] }, { route: ['anthropic:claude-haiku-4-5'] }] },
      'eval-skip',
    )
  ).result()) as PromptEvalResult;
  expect(r.outcome).toBe('ok');
  expect(r.configurations[0]).toMatchObject({ outcome: 'skipped', answered: 0, scored: 0, meanScore: null });
  expect(r.configurations[0].reason).toContain('No AI provider is configured');
  expect(r.configurations[1]).toMatchObject({ outcome: 'ok', passed: 2 });
  expect(r.best).toBe(1);

  const none = (await (
    await start(
      promptEval,
      { cases: CASES, configurations: [{ route: ['auggie:a'] }, { route: ['auggie:b'] }] },
      'eval-none',
    )
  ).result()) as PromptEvalResult;
  expect(none.outcome).toBe('skipped');
  expect(none.reason).toContain('AUGMENT_SESSION_AUTH');
  expect(none.best).toBeUndefined();
  // Two answers from Claude in the first run; nothing more.
  expect(calls() - before).toBe(2);
});

test('bad input is refused with what to fix', async () => {
  const h = await start(
    promptEval,
    {
      cases: [
        { id: 'a', prompt: 'x', scorer: 'regex', expected: '/(/' },
        { id: 'a', prompt: 'y', scorer: 'exact' },
      ],
      configurations: [],
    },
    'eval-bad',
  );
  const err = await h.result().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const msg = String((err as WorkflowFailedError).cause?.message);
  expect(msg).toContain('Invalid promptEval input');
  expect(msg).toContain('cases.0.expected: not a valid regular expression');
  expect(msg).toContain('cases.1.expected: the exact scorer needs "expected"');
  expect(msg).toContain('cases.1.id: case id "a" is used twice');
  expect(msg).toContain('configurations: give at least one configuration');
});

/** The recorded history feeds the replay test; refresh it with CF_RECORD_HISTORIES=1. */
async function record(file: string, h: { workflowId: string; fetchHistory(): Promise<unknown> }) {
  if (process.env.CF_RECORD_HISTORIES !== '1') return;
  fs.writeFileSync(
    path.join(__dirname, '..', 'histories', file),
    JSON.stringify({ workflowId: h.workflowId, history: await h.fetchHistory() }, null, 2),
  );
}

async function pendingApproval(h: Awaited<ReturnType<typeof start>>) {
  for (let i = 0; i < 200; i++) {
    const p = await h.query(progressQuery);
    if (p.pendingApprovals.length) return p.pendingApprovals[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no approval was requested');
}

describe('modelUpdate', () => {
  const memory = () => new MemoryStore(app.pool, app.config.memory, { embedder: null });

  test('a better candidate is proposed; approved, the result says which setting to change and the decision is recorded', async () => {
    const h = await start(
      modelUpdate,
      {
        task: 'summarize',
        candidate: 'anthropic:claude-haiku-4-5',
        cases: CASES,
        judge: { route: ['anthropic:claude-judge'] },
      },
      'mu-ok',
    );
    const pending = await pendingApproval(h);
    expect(pending.title).toBe('Route "summarize" tasks to anthropic:claude-haiku-4-5 (now openai:gpt-4o-mini)?');
    expect(pending.details).toContain('higher quality: mean score 97.5% vs 5%');
    expect(pending.details).toContain('| candidate | anthropic:claude-haiku-4-5 | 4/4 | 97.5% |');
    expect(pending.defaultOutcome).toBe('reject');
    await h.signal(approvalDecidedSignal, {
      requestId: pending.requestId,
      outcome: 'approved',
      decidedBy: 'alice',
      decidedAt: new Date().toISOString(),
    });
    const r = await h.result();
    expect(r).toMatchObject({
      outcome: 'approved',
      task: 'summarize',
      current: ['openai:gpt-4o-mini'],
      candidate: 'anthropic:claude-haiku-4-5',
      decision: { outcome: 'approved', decidedBy: 'alice' },
      record: { namespace: 'decisions/routing/', key: 'summarize', version: 1 },
    });
    expect(r.change).toMatchObject({
      route: ['anthropic:claude-haiku-4-5', 'openai:gpt-4o-mini'],
      env: { name: 'CLAUDE_FLOW_AI_ROUTES' },
      settings: {
        file: '.claude-flow/settings.json',
        key: 'ai.routes.summarize',
        value: ['anthropic:claude-haiku-4-5', 'openai:gpt-4o-mini'],
      },
    });
    // The whole variable: the other task's route is kept.
    expect(JSON.parse(r.change!.env.value)).toEqual({
      summarize: ['anthropic:claude-haiku-4-5', 'openai:gpt-4o-mini'],
      review: ['anthropic:claude-judge'],
    });
    expect(r.comparison?.candidate.meanScore).toBe(0.975);
    // The evaluation ran as a child workflow.
    const child = await app.client.workflow.getHandle(r.evaluationWorkflowId!).describe();
    expect(child.type).toBe('promptEval');

    const entry = await memory().get('decisions/routing/', 'summarize');
    expect(entry?.provenance.workflowId).toBe(h.workflowId);
    expect(entry?.tags).toEqual(['routing', 'approved']);
    expect(entry?.value).toMatchObject({
      outcome: 'approved',
      proposal: { from: ['openai:gpt-4o-mini'], to: ['anthropic:claude-haiku-4-5', 'openai:gpt-4o-mini'] },
      evidence: {
        evaluationWorkflowId: r.evaluationWorkflowId,
        candidate: { meanScore: 0.975 },
        current: { meanScore: 0.05 },
      },
      change: { env: { name: 'CLAUDE_FLOW_AI_ROUTES' } },
    });
    const steps = (await h.query(progressQuery)).steps.map((s) => s.status);
    expect(steps).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
    await record('model-update.json', h);
  });

  test('rejected, the route stays and the rejection is recorded; a worse candidate is not proposed', async () => {
    const h = await start(
      modelUpdate,
      { task: 'summarize', candidate: 'openai:gpt-5-good', cases: CASES.slice(0, 3) },
      'mu-no',
    );
    const pending = await pendingApproval(h);
    await h.signal(approvalDecidedSignal, {
      requestId: pending.requestId,
      outcome: 'rejected',
      decidedBy: 'bob',
      comment: 'not now',
      decidedAt: new Date().toISOString(),
    });
    const r = await h.result();
    expect(r).toMatchObject({ outcome: 'rejected', decision: { decidedBy: 'bob', comment: 'not now' } });
    expect(r.change).toBeUndefined();
    const entry = await memory().get('decisions/routing/', 'summarize');
    expect(entry?.version).toBe(2);
    expect(entry?.value).toMatchObject({ outcome: 'rejected', proposal: { candidate: 'openai:gpt-5-good' } });
    expect(entry?.value).not.toHaveProperty('change');

    // plan routes to Claude by default (anthropic first); the bad model is not proposed, nobody is asked.
    const worse = await (
      await start(modelUpdate, { task: 'plan', candidate: 'openai:gpt-4o-mini', cases: CASES.slice(0, 3) }, 'mu-worse')
    ).result();
    expect(worse).toMatchObject({
      outcome: 'not-proposed',
      current: ['anthropic:claude-haiku-4-5', 'openai:gpt-4.1-mini'],
    });
    expect(worse.reason).toBe('lower quality: mean score 0% vs 100%');
    expect(worse.decision).toBeUndefined();
    expect(await memory().get('decisions/routing/', 'plan')).toBeUndefined();

    const same = await (
      await start(modelUpdate, { task: 'plan', candidate: 'anthropic', cases: CASES.slice(0, 1) }, 'mu-same')
    ).result();
    expect(same).toMatchObject({
      outcome: 'unchanged',
      reason: 'anthropic:claude-haiku-4-5 already answers plan tasks',
    });
  });
  test('through the API: started with POST /workflows, answered with POST /workflows/{id}/approvals/{requestId}', async () => {
    const http = () => createApp({ ...app, temporal: app.client });
    const api = '/api/claude-flow';
    const bad = await request(http())
      .post(`${api}/workflows`)
      .send({ type: 'modelUpdate', input: { task: 'embed', candidate: 'gpt', cases: [] } })
      .expect(400);
    expect(bad.body.detail).toMatch(/input\.task/);
    expect(bad.body.detail).toMatch(/input\.candidate: route entries are "provider" or "provider:model"/);

    const started = await request(http())
      .post(`${api}/workflows`)
      .send({
        type: 'modelUpdate',
        input: { task: 'summarize', candidate: 'openai:gpt-5-good', cases: CASES.slice(0, 2) },
      })
      .expect(202);
    const h = app.client.workflow.getHandle(started.body.workflowId as string);
    const pending = await pendingApproval(h as unknown as Awaited<ReturnType<typeof start>>);
    await request(http())
      .post(`${api}/workflows/${h.workflowId}/approvals/${pending.requestId}`)
      .send({ decision: 'approve', comment: 'ship it' })
      .expect(200);
    const r = (await h.result()) as Awaited<ReturnType<typeof modelUpdate>>;
    expect(r).toMatchObject({ outcome: 'approved', decision: { outcome: 'approved', comment: 'ship it' } });
    expect(r.change?.route).toEqual(['openai:gpt-5-good', 'openai:gpt-4o-mini']);
  });
});
