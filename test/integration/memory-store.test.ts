// The memory store against real PostgreSQL: round trips, TTL, versions, compression, bulk writes,
// namespaces and live events, checked both through the store and in the raw rows.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createPool } from '../../lib/db';
import { LiveListener, type LiveEvent } from '../../lib/live';
import { MemoryStore } from '../../lib/memory';
import { freshDatabase, testConfig, type TestDatabase } from '../helpers/stack';

let db: TestDatabase;
let pool: pg.Pool;
let store: MemoryStore;

beforeAll(async () => {
  db = await freshDatabase();
  pool = createPool(db.url, 5);
  const config = testConfig({ DATABASE_URL: db.url, CLAUDE_FLOW_MEMORY_VERSIONS: '3' });
  store = new MemoryStore(pool, config.memory);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const raw = async (namespace: string, key: string) =>
  (
    await pool.query<{ value: Buffer; compressed: boolean; size: number; stored_size: number; version: number }>(
      'SELECT value, compressed, size, stored_size, version FROM memory_entry WHERE namespace = $1 AND key = $2',
      [namespace, key],
    )
  ).rows[0];

test.each([
  ['text', 'plain words', 'text'],
  ['empty text', '', 'text'],
  ['object', { a: 1, nested: { b: [true, null, 'x'] } }, 'json'],
  ['array', [1, 'two', { three: 3 }], 'json'],
  ['number', 42.5, 'json'],
  ['boolean', false, 'json'],
  ['null', null, 'json'],
  ['unicode text', 'zażółć gęślą jaźń 🚀', 'text'],
])('%s round-trips exactly', async (_name, value, valueType) => {
  const key = `rt-${randomBytes(4).toString('hex')}`;
  const info = await store.set({ namespace: 'code/', key, value, tags: ['t1'], metadata: { m: 1 } });
  expect(info).toMatchObject({ namespace: 'code/', key, version: 1, valueType, sealed: false });
  const got = await store.get('code/', key);
  expect(got?.value).toEqual(value);
  expect(got).toMatchObject({ valueType, tags: ['t1'], metadata: { m: 1 }, version: 1 });
});

test('a string stored as JSON stays a JSON string, distinct from text', async () => {
  await store.set({ namespace: 'code/', key: 'json-string', value: 'hi', valueType: 'json' });
  const got = await store.get('code/', 'json-string');
  expect(got).toMatchObject({ value: 'hi', valueType: 'json', size: 4 });
  expect((await raw('code/', 'json-string')).value.toString()).toBe('"hi"');
});

test('provenance is stored and returned', async () => {
  await store.set({
    namespace: 'sessions/s1/',
    key: 'p',
    value: 1,
    provenance: { sessionId: 's1', workflowId: 'wf-1', user: 'ada' },
  });
  expect((await store.get('sessions/s1/', 'p'))?.provenance).toEqual({
    sessionId: 's1',
    workflowId: 'wf-1',
    user: 'ada',
  });
});

test('entries past expiresAt are invisible to get, list, search and namespaces; a new write starts over', async () => {
  await store.set({ namespace: 'ttl/', key: 'short', value: 'gone soon zebra', ttlSeconds: 1 });
  await store.set({ namespace: 'ttl/', key: 'long', value: 'stays', ttlSeconds: 3600 });
  expect(await store.get('ttl/', 'short')).toBeDefined();
  await pool.query(`UPDATE memory_entry SET expires_at = now() - interval '1 second' WHERE key = 'short'`);
  expect(await store.get('ttl/', 'short')).toBeUndefined();
  expect((await store.list({ namespace: 'ttl/' })).entries.map((e) => e.key)).toEqual(['long']);
  expect(await store.search({ q: 'zebra' })).toEqual([]);
  expect((await store.namespaces('ttl/'))[0].entries).toBe(1);
  expect(await store.versions('ttl/', 'short')).toEqual([]);
  const again = await store.set({ namespace: 'ttl/', key: 'short', value: 'back', expectedVersion: 0 });
  expect(again.version).toBe(1);
  expect((await store.versions('ttl/', 'short')).map((v) => v.value)).toEqual(['back']);
});

test('a ttl actually expires with time', async () => {
  await store.set({ namespace: 'ttl/', key: 'tick', value: 1, ttlSeconds: 1 });
  await new Promise((r) => setTimeout(r, 1100));
  expect(await store.get('ttl/', 'tick')).toBeUndefined();
});

test('expectedVersion: current version writes, a stale one is a conflict that writes nothing', async () => {
  await store.set({ namespace: 'decisions/', key: 'occ', value: 'v1' });
  await store.set({ namespace: 'decisions/', key: 'occ', value: 'v2', expectedVersion: 1 });
  await expect(
    store.set({ namespace: 'decisions/', key: 'occ', value: 'stale', expectedVersion: 1 }),
  ).rejects.toMatchObject({
    status: 409,
    detail: expect.stringContaining('is at version 2, not the expected version 1'),
  });
  await expect(
    store.set({ namespace: 'decisions/', key: 'occ', value: 'x', expectedVersion: 0 }),
  ).rejects.toMatchObject({
    status: 409,
  });
  await expect(
    store.set({ namespace: 'decisions/', key: 'new', value: 'x', expectedVersion: 3 }),
  ).rejects.toMatchObject({
    status: 409,
    detail: expect.stringContaining('does not exist'),
  });
  expect(await store.get('decisions/', 'new')).toBeUndefined();
  expect(await store.get('decisions/', 'occ')).toMatchObject({ value: 'v2', version: 2 });
  await expect(store.delete('decisions/', 'occ', { expectedVersion: 1 })).rejects.toMatchObject({ status: 409 });
  expect(await store.delete('decisions/', 'occ', { expectedVersion: 2 })).toBe(2);
  expect(await store.get('decisions/', 'occ')).toBeUndefined();
  expect(await store.delete('decisions/', 'occ')).toBeUndefined();
});

test('the last N versions are kept (N=3 here), newest first, the current one included', async () => {
  for (let i = 1; i <= 5; i++) await store.set({ namespace: 'code/', key: 'hist', value: { i } });
  const versions = await store.versions('code/', 'hist');
  expect(versions.map((v) => v.version)).toEqual([5, 4, 3]);
  expect(versions.map((v) => v.value)).toEqual([{ i: 5 }, { i: 4 }, { i: 3 }]);
  const rows = await pool.query(
    'SELECT count(*)::int AS n FROM memory_entry_version v JOIN memory_entry e ON e.id = v.entry_id WHERE e.key = $1',
    ['hist'],
  );
  expect(rows.rows[0].n).toBe(3);
});

test('large values are compressed in the row and read back whole; small ones are not', async () => {
  const big = 'the quick brown fox jumps over the lazy dog. '.repeat(2000);
  const info = await store.set({ namespace: 'code/', key: 'big', value: big });
  expect(info.compressed).toBe(true);
  const row = await raw('code/', 'big');
  expect(row.compressed).toBe(true);
  expect(row.size).toBe(Buffer.byteLength(big));
  expect(row.value.length).toBe(row.stored_size);
  expect(row.value.length).toBeLessThan(big.length / 10);
  expect(row.value.toString('latin1')).not.toContain('quick brown fox');
  expect((await store.get('code/', 'big'))?.value).toBe(big);
  await store.set({ namespace: 'code/', key: 'small', value: 'tiny' });
  expect((await raw('code/', 'small')).compressed).toBe(false);
});

test('a value over the size limit is a 413 naming the limit, and nothing is written', async () => {
  const cfg = testConfig({ DATABASE_URL: db.url, CLAUDE_FLOW_MEMORY_MAX_VALUE_BYTES: '2048' });
  const small = new MemoryStore(pool, cfg.memory);
  await expect(small.set({ namespace: 'code/', key: 'huge', value: 'x'.repeat(2049) })).rejects.toMatchObject({
    status: 413,
    detail: expect.stringContaining('2049 bytes; the limit is 2048'),
  });
  expect(await raw('code/', 'huge')).toBeUndefined();
});

test.each([
  [{ namespace: 'code', key: 'k' }, 'must end with "/"'],
  [{ namespace: '', key: 'k' }, 'namespace is required'],
  [{ namespace: 'co de/', key: 'k' }, 'is not path-like'],
  [{ namespace: '/code/', key: 'k' }, 'is not path-like'],
  [{ namespace: 'code//', key: 'k' }, 'is not path-like'],
  [{ namespace: 'code/', key: '' }, 'key is empty'],
  [{ namespace: 'code/', key: 'k'.repeat(513) }, 'at most 512'],
  [{ namespace: 'code/', key: 'k', ttlSeconds: 0 }, 'ttlSeconds must be'],
  [{ namespace: 'code/', key: 'k', ttlSeconds: 1.5 }, 'ttlSeconds must be'],
  [{ namespace: 'code/', key: 'k', expiresAt: '2001-01-01T00:00:00Z' }, 'in the past'],
  [{ namespace: 'code/', key: 'k', expiresAt: 'tomorrow' }, 'is not a date'],
  [{ namespace: 'code/', key: 'k', ttlSeconds: 5, expiresAt: '2999-01-01T00:00:00Z' }, 'not both'],
  [{ namespace: 'code/', key: 'k', value: undefined }, 'value is required'],
  [{ namespace: 'code/', key: 'k', tags: [''] }, 'tag ""'],
])('bad input #%# is a 400 naming the problem', async (input, message) => {
  await expect(store.set({ value: 1, ...input } as never)).rejects.toMatchObject({
    status: 400,
    detail: expect.stringContaining(message),
  });
});

test('bulkSet writes all entries in one transaction, or none when one is bad or stale', async () => {
  const ok = await store.bulkSet([
    { namespace: 'bulk/', key: 'a', value: 1 },
    { namespace: 'bulk/', key: 'b', value: 2 },
  ]);
  expect(ok.map((e) => e.version)).toEqual([1, 1]);
  await expect(
    store.bulkSet([
      { namespace: 'bulk/', key: 'c', value: 3 },
      { namespace: 'bulk/', key: '', value: 4 },
    ]),
  ).rejects.toMatchObject({ status: 400 });
  await expect(
    store.bulkSet([
      { namespace: 'bulk/', key: 'c', value: 3 },
      { namespace: 'bulk/', key: 'a', value: 9, expectedVersion: 7 },
    ]),
  ).rejects.toMatchObject({ status: 409 });
  expect((await store.list({ namespace: 'bulk/' })).entries.map((e) => [e.key, e.value])).toEqual([
    ['a', 1],
    ['b', 2],
  ]);
  const events = await pool.query(`SELECT count(*)::int AS n FROM live_event WHERE channel = 'memory:bulk/'`);
  expect(events.rows[0].n).toBe(2);
});

test('list filters by namespace prefix, tags and time, and pages with a cursor', async () => {
  for (let i = 0; i < 7; i++) {
    await store.set({
      namespace: i < 5 ? 'page/a/' : 'page/b/',
      key: `k${i}`,
      value: i,
      tags: i % 2 ? ['odd'] : ['even'],
    });
  }
  await store.set({ namespace: 'pageother/', key: 'x', value: 0 });
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.list({ namespace: 'page/', limit: 3, cursor });
    seen.push(...page.entries.map((e) => `${e.namespace}${e.key}`));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  expect(pages).toBe(3);
  expect(seen).toEqual(['page/a/k0', 'page/a/k1', 'page/a/k2', 'page/a/k3', 'page/a/k4', 'page/b/k5', 'page/b/k6']);
  expect((await store.list({ namespace: 'page/', tags: ['odd'] })).entries.map((e) => e.key)).toEqual([
    'k1',
    'k3',
    'k5',
  ]);
  expect((await store.list({ namespace: 'page/', to: '2000-01-01T00:00:00Z' })).entries).toEqual([]);
  expect((await store.list({ namespace: 'page/b/', from: new Date(Date.now() - 60_000) })).entries).toHaveLength(2);
  await expect(store.list({ cursor: 'garbage' })).rejects.toMatchObject({ status: 400 });
});

test('namespaces report counts and bytes; copy, move and clear work on whole subtrees', async () => {
  await store.set({ namespace: 'src/', key: 'one', value: 'abc', tags: ['x'] });
  await store.set({ namespace: 'src/deep/', key: 'two', value: { n: 2 } });
  const stats = await store.namespaces('src/');
  expect(stats.map((s) => [s.namespace, s.entries, s.bytes])).toEqual([
    ['src/', 1, 3],
    ['src/deep/', 1, 7],
  ]);
  expect(await store.copyNamespace('src/', 'copy/')).toEqual({ copied: 2 });
  expect((await store.get('copy/deep/', 'two'))?.value).toEqual({ n: 2 });
  expect((await store.get('copy/', 'one'))?.tags).toEqual(['x']);
  await expect(store.copyNamespace('src/', 'copy/')).rejects.toMatchObject({ status: 409 });
  await expect(store.copyNamespace('src/', 'src/inner/')).rejects.toMatchObject({ status: 409 });
  expect(await store.copyNamespace('src/', 'copy/', { overwrite: true })).toEqual({ copied: 2 });
  expect((await store.get('copy/', 'one'))?.version).toBe(2);
  expect(await store.moveNamespace('src/', 'moved/')).toEqual({ copied: 2 });
  expect(await store.namespaces('src/')).toEqual([]);
  expect((await store.get('moved/deep/', 'two'))?.value).toEqual({ n: 2 });
  expect(await store.clearNamespace('copy/')).toBe(2);
  expect((await store.list({ namespace: 'copy/' })).entries).toEqual([]);
});

describe('live events', () => {
  let listener: LiveListener;
  const events: LiveEvent[] = [];
  beforeAll(async () => {
    listener = new LiveListener(db.url, pool);
    listener.on('event', (e: LiveEvent) => events.push(e));
    await listener.start();
  });
  afterAll(async () => {
    await listener?.close();
  });

  test('set and delete publish {namespace, key, version, actor} on memory:<namespace>; a failed write publishes nothing', async () => {
    const actor = { sessionId: 'sess-9', user: 'grace' };
    await store.set({ namespace: 'events/', key: 'e', value: 1, provenance: actor });
    await store.set({ namespace: 'events/', key: 'e', value: 2, provenance: actor });
    await expect(store.set({ namespace: 'events/', key: 'e', value: 3, expectedVersion: 1 })).rejects.toThrow();
    await store.delete('events/', 'e', { provenance: actor });
    await waitFor(() => events.filter((e) => e.channel === 'memory:events/').length >= 3);
    await new Promise((r) => setTimeout(r, 100));
    const mine = events.filter((e) => e.channel === 'memory:events/');
    expect(mine.map((e) => [e.type, e.data])).toEqual([
      ['memory.set', { namespace: 'events/', key: 'e', version: 1, actor }],
      ['memory.set', { namespace: 'events/', key: 'e', version: 2, actor }],
      ['memory.delete', { namespace: 'events/', key: 'e', version: 2, actor }],
    ]);
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
