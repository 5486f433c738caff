// The sessions row's revision guard, on real PostgreSQL with the activities' own statements: a
// write of an older workflow snapshot (a turn scheduled before a newer write, an attempt that timed
// out and committed late) never replaces a newer row, and announces nothing; the turn's messages
// are stored all the same.
import type pg from 'pg';
import { writeProjection, writeTurn, type SessionProjection } from '../../activities/session';
import { createPool } from '../../lib/db';
import { freshDatabase, type TestDatabase } from '../helpers/stack';

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await freshDatabase();
  pool = createPool(db.url, 3);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

let n = 0;
const snapshot = (sessionId: string, revision: number | undefined, over: Partial<SessionProjection> = {}) => ({
  sessionId,
  title: 'Guarded',
  owner: 'alice',
  project: null,
  parentId: null,
  status: 'active',
  statusReason: null,
  createdAt: '2026-12-01T10:00:00.000Z',
  lastActivityAt: '2026-12-01T10:00:00.000Z',
  endedAt: null,
  messageCount: 0,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  revision,
  ...over,
});
const newSession = () => `row${++n}-${Date.now()}`;

const row = async (id: string) =>
  (
    await pool.query<{ message_count: number; input_tokens: number; status: string; revision: string }>(
      'SELECT message_count, input_tokens, status, revision FROM session WHERE id = $1',
      [id],
    )
  ).rows[0];
const events = async (id: string) =>
  (
    await pool.query<{ channel: string; data: { messageCount: number } }>(
      `SELECT channel, data FROM live_event WHERE type = 'session.updated' AND data->>'sessionId' = $1 ORDER BY id`,
      [id],
    )
  ).rows;

const turn = (id: string, userNo: number, row: SessionProjection) => ({
  sessionId: id,
  userNo,
  replyNo: userNo + 1,
  position: userNo,
  text: `question ${userNo}`,
  reply: {
    text: `answer ${userNo}`,
    provider: 'anthropic' as const,
    model: 'claude-haiku-4-5',
    usage: { inputTokens: 10, outputTokens: 5 },
    costUsd: 0.001,
  },
  context: [],
  row,
});

test('an older snapshot written after a newer one changes nothing and announces nothing', async () => {
  const id = newSession();
  const newer = 1_796_000_000_000_000 + 7;
  expect(await writeProjection(pool, snapshot(id, newer, { messageCount: 6, inputTokens: 30 }))).toBe(2);
  // The snapshot from before the 3rd reply, committing late.
  expect(await writeProjection(pool, snapshot(id, newer - 5, { messageCount: 4, inputTokens: 20 }))).toBe(0);
  expect(await row(id)).toEqual({ message_count: 6, input_tokens: 30, status: 'active', revision: String(newer) });
  // One announcement (on each channel), of the newer row only.
  expect((await events(id)).map((e) => [e.channel, e.data.messageCount])).toEqual([
    [`session:${id}`, 6],
    ['sessions', 6],
  ]);
  // The same snapshot again (a retried attempt) writes; a newer one wins.
  expect(await writeProjection(pool, snapshot(id, newer, { messageCount: 6, inputTokens: 30 }))).toBe(2);
  expect(await writeProjection(pool, snapshot(id, newer + 1, { status: 'paused', messageCount: 6 }))).toBe(2);
  expect(await row(id)).toMatchObject({ status: 'paused', revision: String(newer + 1) });
});

test('a turn with an older snapshot stores its messages but leaves the newer row as it is', async () => {
  const id = newSession();
  const newer = 1_796_000_000_100_000;
  await writeProjection(pool, snapshot(id, newer, { status: 'paused', messageCount: 2, inputTokens: 10 }));
  const before = (await events(id)).length;
  const stale = snapshot(id, newer - 1000, { messageCount: 4, inputTokens: 20 });
  expect(await writeTurn(pool, turn(id, 3, stale))).toBe(0);
  const messages = await pool.query<{ no: number; content: string }>(
    'SELECT no, content FROM session_message WHERE session_id = $1 ORDER BY no',
    [id],
  );
  expect(messages.rows).toEqual([
    { no: 3, content: 'question 3' },
    { no: 4, content: 'answer 3' },
  ]);
  expect(await row(id)).toEqual({ message_count: 2, input_tokens: 10, status: 'paused', revision: String(newer) });
  expect(await events(id)).toHaveLength(before);
  // A turn whose snapshot is the newest writes the row (and its event).
  expect(await writeTurn(pool, turn(id, 5, snapshot(id, newer + 1, { messageCount: 6 })))).toBe(2);
  expect(await row(id)).toMatchObject({ message_count: 6, revision: String(newer + 1) });
});

test('a snapshot without a revision (scheduled before revisions) writes and keeps the row revision', async () => {
  const id = newSession();
  const rev = 1_796_000_000_200_000;
  await writeProjection(pool, snapshot(id, rev, { messageCount: 2 }));
  expect(await writeProjection(pool, snapshot(id, undefined, { messageCount: 4 }))).toBe(2);
  expect(await row(id)).toMatchObject({ message_count: 4, revision: String(rev) });
  const fresh = newSession();
  await writeProjection(pool, snapshot(fresh, undefined));
  expect(await row(fresh)).toMatchObject({ revision: '0' });
});
