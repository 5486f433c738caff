// Sealing is enforced where memory is read: a reader that may not see sealed plaintext gets sealed
// entries withheld (no value, no metadata, `withheld: true`) from every path — a list with no
// namespace filter, a tag filter, get, versions, search — and a checkpoint over a namespace that
// contains a sealed one captures none of it.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createPool } from '../../lib/db';
import { MemoryStore } from '../../lib/memory';
import { freshDatabase, testConfig, type TestDatabase } from '../helpers/stack';
import { snapshotNamespaces } from '../../activities/session/memory';
import type { ActivityDeps } from '../../activities';

let db: TestDatabase;
let pool: pg.Pool;
let store: MemoryStore;
const SECRET = 'hunter2-the-password-of-doom';
const META = 'meta-secret-9d1c';

beforeAll(async () => {
  db = await freshDatabase();
  pool = createPool(db.url, 5);
  store = new MemoryStore(
    pool,
    testConfig({
      DATABASE_URL: db.url,
      CLAUDE_FLOW_MEMORY_SEALED: 'team/vault/',
      CLAUDE_FLOW_MEMORY_KEY: randomBytes(32).toString('base64'),
    }).memory,
  );
  await store.set({
    namespace: 'team/vault/',
    key: 'db-password',
    value: SECRET,
    tags: ['ops'],
    metadata: { note: META },
  });
  await store.set({ namespace: 'team/vault/', key: 'db-password', value: `${SECRET}-2`, tags: ['ops'] });
  await store.set({ namespace: 'team/notes/', key: 'oncall', value: 'alice this week', tags: ['ops'] });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const leaks = (x: unknown) => JSON.stringify(x).includes(SECRET) || JSON.stringify(x).includes(META);

test('a reader that may not see sealed plaintext gets sealed entries withheld, on every path', async () => {
  const viewer = store.reader({ revealSealed: false });
  const all = await viewer.list();
  expect(all.entries.map((e) => [e.key, e.withheld ?? false])).toEqual([
    ['oncall', false],
    ['db-password', true],
  ]);
  expect(all.entries[1]).toMatchObject({ value: null, metadata: {}, withheld: true, sealed: true });
  expect(leaks(all)).toBe(false);
  expect(leaks(await viewer.list({ tags: ['ops'] }))).toBe(false);
  expect(leaks(await viewer.get('team/vault/', 'db-password'))).toBe(false);
  expect(leaks(await viewer.versions('team/vault/', 'db-password'))).toBe(false);
  const hits = await viewer.searchResult({ q: 'db-password' });
  expect(hits.hits.map((h) => h.key)).toContain('db-password');
  expect(leaks(hits)).toBe(false);
  // Unsealed entries are untouched.
  expect((await viewer.get('team/notes/', 'oncall'))?.value).toBe('alice this week');
});

test('a reader allowed to see sealed plaintext gets it', async () => {
  const admin = store.reader({ revealSealed: true });
  expect(await admin.get('team/vault/', 'db-password')).toMatchObject({ value: `${SECRET}-2` });
  expect((await admin.versions('team/vault/', 'db-password')).map((v) => v.value)).toEqual([`${SECRET}-2`, SECRET]);
});

test('a checkpoint over a parent of a sealed namespace captures none of the sealed entries', async () => {
  const snapshot = await snapshotNamespaces({ memory: store } as unknown as ActivityDeps, ['team/']);
  expect(snapshot.entries.map((e) => e.key)).toEqual(['oncall']);
  expect(leaks(snapshot)).toBe(false);
});
