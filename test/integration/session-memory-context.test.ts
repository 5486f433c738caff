// Context-aware memory on a fresh install with no embedding provider, through the real session
// workflow: one session's approval decision is auto-saved to memory; a later session (sharing the
// decisions/ namespace) asks an ordinary question about it, and its prompt carries that decision,
// which the reply's message records (GET /sessions/{id}/messages shows it).
import request from 'supertest';
import { createApp } from '../../api/app';
import { MemoryStore } from '../../lib/memory';
import { decideUpdate, requestApprovalUpdate } from '../../workflows/contract/session-messages';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { eventually, send, sessionStarter } from '../helpers/sessions';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(120_000);

let anthropic: FakeServer;
let app: TestApp;
let memory: MemoryStore;

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Noted.' });
  // No OPENAI_* settings: no embedding provider, so retrieval is text only.
  app = await startTestApp({
    env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_MODEL: 'claude-haiku-4-5' },
  });
  memory = new MemoryStore(app.pool, app.config.memory);
});
afterAll(async () => {
  await app?.close();
  await anthropic?.close();
});

const start = sessionStarter(() => app, 'ctx');

test('a later session asking a natural question gets the earlier decision in its prompt, and its reply records it', async () => {
  expect(memory.embedder).toBeUndefined();
  // Other decisions that share the question's common words, so the ranking has to choose.
  await memory.bulkSet([
    { namespace: 'decisions/', key: 'adr-1', value: 'We decided the auth server keeps its sessions in the database.' },
    {
      namespace: 'decisions/',
      key: 'adr-2',
      value: 'We decided retries of the billing service back off exponentially.',
    },
    { namespace: 'decisions/', key: 'adr-3', value: 'We decided to cache search results for five minutes.' },
  ]);

  const first = await start();
  const req = await first.h.executeUpdate(requestApprovalUpdate, {
    args: [{ title: 'Move the auth server token cache to Valkey?', details: 'Redis licensing changed' }],
  });
  await first.h.executeUpdate(decideUpdate, {
    args: [{ requestId: req.requestId, decision: 'approve', comment: 'Valkey it is, for the token cache' }],
  });
  const decisionNs = `decisions/sessions/${first.id}/`;
  const saved = await eventually(
    () => memory.get(decisionNs, req.requestId),
    (e) => e !== undefined,
    20_000,
  );
  expect(saved?.value).toMatchObject({ title: 'Move the auth server token cache to Valkey?', outcome: 'approved' });

  const later = await start({ settings: { sharedNamespaces: ['decisions/'] } });
  anthropic.requests.length = 0;
  await send(later.h, 'what did we decide about the token cache for the auth server, and why?');

  const call = anthropic.requests.find((q) => q.path === '/v1/messages');
  const system = JSON.stringify(call?.body.system ?? '');
  expect(system).toContain('Relevant memory:');
  expect(system).toContain(`${decisionNs}${req.requestId}`);
  expect(system).toContain('Valkey');

  const res = await request(createApp({ ...app, temporal: app.client }))
    .get(`/api/claude-flow/sessions/${later.id}/messages`)
    .expect(200);
  const reply = (res.body as { messages: { role: string; context?: unknown }[] }).messages.find(
    (m) => m.role === 'assistant',
  );
  const used = reply?.context as { namespace: string; key: string; version: number; score: number }[];
  expect(used[0]).toMatchObject({ namespace: decisionNs, key: req.requestId, version: 1 });
  expect(used[0].score).toBeGreaterThan(0);
  // Best first, each entry once, and every recorded entry is one the prompt was given.
  expect(used.map((u) => u.score)).toEqual([...used.map((u) => u.score)].sort((a, b) => b - a));
  for (const u of used) expect(system).toContain(`${u.namespace}${u.key}`);
  // The user's message records nothing of the sort.
  expect(res.body.messages.find((m: { role: string }) => m.role === 'user')).not.toHaveProperty('context');
});
