// Context retrieval: the most relevant entries for a prompt, best first, within a token budget,
// without sealed entries or duplicates from overlapping namespaces.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createPool } from '../../lib/db';
import { MemoryStore } from '../../lib/memory';
import { freshDatabase, testConfig, type TestDatabase } from '../helpers/stack';

let db: TestDatabase;
let pool: pg.Pool;
let store: MemoryStore;

beforeAll(async () => {
  db = await freshDatabase();
  pool = createPool(db.url, 3);
  const config = testConfig({ DATABASE_URL: db.url, CLAUDE_FLOW_MEMORY_KEY: randomBytes(32).toString('hex') });
  store = new MemoryStore(pool, config.memory);
  await store.set({ namespace: 'code/', key: 'oauth-flow', value: 'Users log in with OAuth; tokens refresh hourly.' });
  await store.set({
    namespace: 'code/sub/',
    key: 'billing',
    value: 'Invoices are generated monthly by the billing job.',
  });
  await store.set({ namespace: 'decisions/', key: 'adr-7', value: 'We refresh OAuth tokens in a background worker.' });
  await store.set({ namespace: 'secrets/', key: 'oauth-client-secret', value: 'do-not-leak' });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

test('relevant entries come back rendered, sealed ones never, overlapping namespaces once', async () => {
  const ctx = await store.retrieveContext({
    prompt: 'How do OAuth tokens refresh?',
    namespaces: ['code/', 'code/sub/', 'decisions/', 'secrets/'],
    tokenBudget: 500,
  });
  expect(ctx.entries.map((e) => `${e.namespace}${e.key}`).sort()).toEqual(['code/oauth-flow', 'decisions/adr-7']);
  expect(ctx.text.startsWith('Relevant memory:\n- ')).toBe(true);
  expect(ctx.text).toContain('- code/oauth-flow: Users log in with OAuth; tokens refresh hourly.');
  expect(ctx.text).not.toContain('do-not-leak');
  expect(ctx.entries[0].score).toBeGreaterThanOrEqual(ctx.entries[1].score);
});

test('the rendered entries fit the token budget (4 characters a token)', async () => {
  const ctx = await store.retrieveContext({
    prompt: 'oauth tokens refresh',
    namespaces: ['code/', 'decisions/'],
    tokenBudget: 10,
  });
  expect(ctx.entries).toHaveLength(1);
  expect(ctx.entries[0].line).toHaveLength(40);
  expect(await store.retrieveContext({ prompt: 'oauth', namespaces: ['code/'], tokenBudget: 0 })).toEqual({
    entries: [],
    text: '',
  });
  expect(
    (await store.retrieveContext({ prompt: 'nothing matches zzzz', namespaces: ['code/'], tokenBudget: 100 })).text,
  ).toBe('');
});
