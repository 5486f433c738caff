// A long session: 2,000 messages of 50 KB each (1,000 turns). It must run with no payload-size or
// history-size warning from Temporal (continue-as-new keeps each run small, bodies live in
// Postgres), and every message must stay retrievable.
import fs from 'node:fs';
import path from 'node:path';
import { session } from '../../workflows';
import { sendMessageUpdate, stateQuery } from '../../workflows/contract/session-messages';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { harness, startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(900_000);

const TURNS = Number(process.env.CF_LONG_SESSION_TURNS ?? 1_000);
const BODY = 50 * 1024;
let anthropic: FakeServer;
let app: TestApp;

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: `${'r'.repeat(BODY - 9)} the end.` });
  app = await startTestApp({
    env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_MODEL: 'claude-haiku-4-5' },
  });
});
afterAll(async () => {
  await app?.close();
  await anthropic?.close();
});

test(`${TURNS * 2} messages of 50 KB: no Temporal size warnings, every message retrievable`, async () => {
  const sessionId = `long-${Date.now()}`;
  const workflowId = `session-${sessionId}`;
  const h = await app.client.workflow.start(session, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId,
    // A conversation budget of ~1 message keeps each prompt small; the whole transcript is in Postgres.
    args: [{ sessionId, title: 'long', owner: 'ci', settings: { contextTokens: 0, historyTokens: 20_000 } }],
  });
  for (let i = 0; i < TURNS; i++) {
    const text = `${String(i).padStart(6, '0')} ${'u'.repeat(BODY - 7)}`;
    const r = await h.executeUpdate(sendMessageUpdate, { args: [{ text, stream: false, maxTokens: 16 }] });
    expect(r.userMessageNo).toBe(2 * i + 1);
    anthropic.requests.length = 0; // the fake records bodies; keep its memory flat
  }
  const state = await h.query(stateQuery);
  expect(state.messageCount).toBe(TURNS * 2);
  expect(state.runs).toBeGreaterThan(1);

  const count = await app.prisma.sessionMessage.count({ where: { sessionId, active: true } });
  expect(count).toBe(TURNS * 2);
  const sample = await app.prisma.sessionMessage.findMany({
    where: { sessionId, position: { in: [1, TURNS, TURNS * 2] } },
    orderBy: { position: 'asc' },
  });
  expect(sample.map((m) => m.content.length)).toEqual([BODY, BODY, BODY]);
  expect(sample[0].content.startsWith('000000 ')).toBe(true);

  // The dev server logs a warning for payloads or histories over its limits: there must be none.
  const log = fs.readFileSync(path.join(harness().tmpDir, 'temporal.log'), 'utf8');
  const mine = log.split('\n').filter((l) => l.includes(workflowId));
  expect(mine.filter((l) => /exceeds|size limit|too large/i.test(l))).toEqual([]);
});
