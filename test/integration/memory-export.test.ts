// Export and import: a deterministic JSONL document, byte-identical through export → import →
// export, idempotent imports, sealed entries exported as ciphertext only, and all-or-nothing imports.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createPool } from '../../lib/db';
import { MemoryStore } from '../../lib/memory';
import { freshDatabase, testConfig, type TestDatabase } from '../helpers/stack';

const KEY = randomBytes(32).toString('base64');
let dbs: TestDatabase[] = [];
let pools: pg.Pool[] = [];

async function newStore(): Promise<{ store: MemoryStore; pool: pg.Pool }> {
  const db = await freshDatabase();
  const pool = createPool(db.url, 3);
  dbs.push(db);
  pools.push(pool);
  const config = testConfig({
    DATABASE_URL: db.url,
    CLAUDE_FLOW_MEMORY_KEY: KEY,
    CLAUDE_FLOW_MEMORY_COMPRESS_BYTES: '64',
  });
  return { store: new MemoryStore(pool, config.memory), pool };
}

afterAll(async () => {
  for (const p of pools) await p.end();
  for (const d of dbs) await d.drop();
  pools = [];
  dbs = [];
});

async function exportText(store: MemoryStore, prefix?: string): Promise<string> {
  let text = '';
  for await (const line of store.export(prefix)) text += `${line}\n`;
  return text;
}

const versionRows = async (pool: pg.Pool) =>
  Number((await pool.query('SELECT count(*) AS n FROM memory_entry_version')).rows[0].n);

async function seed(store: MemoryStore) {
  await store.set({ namespace: 'code/', key: 'b', value: 'second', tags: ['x', 'a'] });
  await store.set({
    namespace: 'code/',
    key: 'a',
    value: { n: 1, list: [1, 'two', null] },
    metadata: { z: 1, a: 'b' },
  });
  await store.set({ namespace: 'code/', key: 'a', value: { n: 2 }, provenance: { sessionId: 's1', user: 'ada' } });
  await store.set({ namespace: 'code/deep/', key: 'big', value: 'compress me '.repeat(50) });
  await store.set({ namespace: 'decisions/', key: 'adr-1', value: 'Use Temporal', ttlSeconds: 3600 });
  await store.set({ namespace: 'secrets/', key: 'token', value: 'hunter2-plaintext', metadata: { owner: 'ops-team' } });
}

test('export → import into an empty database → export is byte-identical', async () => {
  const a = await newStore();
  await seed(a.store);
  const first = await exportText(a.store);
  const lines = first.trimEnd().split('\n');
  expect(JSON.parse(lines[0])).toEqual({
    format: 'claude-flow-memory',
    version: 1,
    namespace: null,
    namespaces: ['code/', 'code/deep/', 'decisions/', 'secrets/'],
    entries: 5,
  });
  expect(lines.slice(1).map((l) => (JSON.parse(l) as { namespace: string; key: string }).key)).toEqual([
    'a',
    'b',
    'big',
    'adr-1',
    'token',
  ]);
  expect(JSON.parse(lines[1])).toMatchObject({
    value: { n: 2 },
    version: 2,
    provenance: { sessionId: 's1', user: 'ada' },
  });

  const b = await newStore();
  expect(await b.store.import(first)).toEqual({ imported: 5, unchanged: 0, expired: 0 });
  const second = await exportText(b.store);
  expect(second).toBe(first);
  // The imported entries are real entries: readable, sealed one included, versions kept.
  expect((await b.store.get('secrets/', 'token'))?.value).toBe('hunter2-plaintext');
  expect((await b.store.get('code/', 'a'))?.version).toBe(2);
  expect((await b.store.search({ q: 'temporal' })).map((h) => h.key)).toEqual(['adr-1']);
});

test('sealed entries are exported as ciphertext with their key id, never as plaintext', async () => {
  const a = await newStore();
  await seed(a.store);
  const text = await exportText(a.store, 'secrets/');
  expect(text).not.toContain('hunter2');
  expect(text).not.toContain('ops-team');
  const line = JSON.parse(text.trimEnd().split('\n')[1]) as Record<string, unknown>;
  expect(line).toMatchObject({ namespace: 'secrets/', key: 'token', sealed: { keyId: a.store.ring.current?.id } });
  expect(line).not.toHaveProperty('value');
});

test('importing the same export twice changes nothing the second time (no new versions)', async () => {
  const a = await newStore();
  await seed(a.store);
  const doc = await exportText(a.store);
  const b = await newStore();
  await b.store.import(doc);
  const before = await versionRows(b.pool);
  const exportBefore = await exportText(b.store);
  expect(await b.store.import(doc)).toEqual({ imported: 0, unchanged: 5, expired: 0 });
  expect(await versionRows(b.pool)).toBe(before);
  expect(await exportText(b.store)).toBe(exportBefore);
  // A newer local write is kept; an older local entry is replaced.
  await b.store.set({ namespace: 'decisions/', key: 'adr-1', value: 'Use Temporal, v2' });
  await b.store.delete('code/', 'b');
  expect(await b.store.import(doc)).toEqual({ imported: 1, unchanged: 4, expired: 0 });
  expect((await b.store.get('decisions/', 'adr-1'))?.value).toBe('Use Temporal, v2');
  expect((await b.store.get('code/', 'b'))?.value).toBe('second');
});

test.each([
  ['not JSON', (l: string[]) => [l[0], l[1], '{oops'], 'line 3: line: not JSON'],
  ['a bad field', (l: string[]) => [l[0], l[1].replace('"version":2', '"version":0')], 'line 2: version:'],
  [
    'a bad namespace',
    (l: string[]) => [l[0], l[1].replace('"namespace":"code/"', '"namespace":"code"')],
    'line 2: namespace:',
  ],
  ['a wrong count', (l: string[]) => [l[0], l[1]], 'line 1: entries: the manifest announces 5 entries but 1 follow'],
  ['a bad manifest', (l: string[]) => ['{"format":"other"}', ...l.slice(1)], 'line 1: format:'],
  ['value and sealed both', (l: string[]) => [l[0], l[5].replace('"sealed"', '"value":1,"sealed"')], 'line 2: value:'],
])('an import with %s is a 400 naming line and field, and writes nothing', async (_n, mangle, message) => {
  const a = await newStore();
  await seed(a.store);
  const lines = (await exportText(a.store)).trimEnd().split('\n');
  const b = await newStore();
  await expect(b.store.import(mangle(lines).join('\n'))).rejects.toMatchObject({
    status: 400,
    detail: expect.stringContaining(message),
  });
  expect(Number((await b.pool.query('SELECT count(*) AS n FROM memory_entry')).rows[0].n)).toBe(0);
});
