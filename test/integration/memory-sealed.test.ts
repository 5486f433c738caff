// Sealed namespaces: ciphertext at rest (value and metadata), searchable by key and tags only,
// a clear error without a key, and key rotation that re-encrypts every row.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createPool } from '../../lib/db';
import { MemoryStore } from '../../lib/memory';
import { freshDatabase, testConfig, type TestDatabase } from '../helpers/stack';

let db: TestDatabase;
let pool: pg.Pool;
const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const storeWith = (env: Record<string, string>) =>
  new MemoryStore(
    pool,
    testConfig({ DATABASE_URL: db.url, CLAUDE_FLOW_MEMORY_SEALED: 'secrets/,vault/', ...env }).memory,
  );

beforeAll(async () => {
  db = await freshDatabase();
  pool = createPool(db.url, 5);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const SECRET = 'hunter2-the-password-of-doom';

async function rawRows(table: 'memory_entry' | 'memory_entry_version') {
  return (await pool.query<Record<string, unknown>>(`SELECT * FROM ${table}`)).rows;
}
const rawText = (rows: Record<string, unknown>[]) =>
  rows
    .map((r) =>
      Object.values(r)
        .map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : JSON.stringify(v)))
        .join('|'),
    )
    .join('\n');

test('sealed entries are ciphertext in the table, round-trip through the store, and search by key and tags only', async () => {
  const store = storeWith({ CLAUDE_FLOW_MEMORY_KEY: oldKey.toString('base64') });
  const big = `${SECRET} `.repeat(500);
  await store.set({
    namespace: 'secrets/',
    key: 'db-password',
    value: SECRET,
    tags: ['credential'],
    metadata: { owner: 'ops-team-secret' },
  });
  await store.set({ namespace: 'secrets/api/', key: 'token', value: { token: SECRET } });
  await store.set({ namespace: 'vault/', key: 'big', value: big });
  await store.set({ namespace: 'secrets/', key: 'db-password', value: `${SECRET}-v2`, tags: ['credential'] });

  for (const table of ['memory_entry', 'memory_entry_version'] as const) {
    const text = rawText(await rawRows(table));
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('doom');
    expect(text).not.toContain('ops-team-secret');
  }
  const rows = await rawRows('memory_entry');
  expect(rows.every((r) => typeof r.key_id === 'string' && (r.key_id as string).length === 16)).toBe(true);
  expect(rows.find((r) => r.key === 'big')?.compressed).toBe(true);

  expect((await store.get('secrets/', 'db-password'))?.value).toBe(`${SECRET}-v2`);
  expect((await store.get('secrets/', 'db-password'))?.sealed).toBe(true);
  expect((await store.versions('secrets/', 'db-password')).map((v) => v.value)).toEqual([`${SECRET}-v2`, SECRET]);
  expect((await store.get('secrets/api/', 'token'))?.value).toEqual({ token: SECRET });
  expect((await store.get('vault/', 'big'))?.value).toBe(big);
  const v1 = await store.versions('secrets/', 'db-password');
  expect(v1[1].metadata).toEqual({ owner: 'ops-team-secret' });

  expect(await store.search({ q: 'hunter2' })).toEqual([]);
  const byKey = await store.search({ q: 'password' });
  expect(byKey.map((h) => h.key)).toEqual(['db-password']);
  expect(byKey[0].snippet).toBeNull();
  expect((await store.search({ q: 'credential' })).map((h) => h.key)).toEqual(['db-password']);
});

test('writing to a sealed namespace without a key is refused, naming the setting; reads of other namespaces still work', async () => {
  const store = storeWith({});
  await expect(store.set({ namespace: 'secrets/', key: 'k', value: 'x' })).rejects.toMatchObject({
    detail: expect.stringContaining('CLAUDE_FLOW_MEMORY_KEY'),
  });
  await expect(store.get('secrets/', 'db-password')).rejects.toMatchObject({
    detail: expect.stringContaining('CLAUDE_FLOW_MEMORY_KEY'),
  });
  await store.set({ namespace: 'code/', key: 'open', value: 'fine' });
  expect((await store.get('code/', 'open'))?.value).toBe('fine');
});

test('rotateKey re-encrypts every sealed row with the new key; afterwards the old key is not needed', async () => {
  const rotating = storeWith({
    CLAUDE_FLOW_MEMORY_KEY: newKey.toString('hex'),
    CLAUDE_FLOW_MEMORY_PREVIOUS_KEY: oldKey.toString('base64'),
  });
  const before = new Map((await rawRows('memory_entry')).map((r) => [r.key, r.value as Buffer]));
  const n = await rotating.rotateKey(2);
  expect(n).toEqual({ entries: 3, versions: 4 });
  expect(await rotating.rotateKey()).toEqual({ entries: 0, versions: 0 });
  const after = await rawRows('memory_entry');
  const newId = after.find((r) => r.key === 'db-password')?.key_id;
  const sealedIds = [...after, ...(await rawRows('memory_entry_version'))].map((r) => r.key_id).filter(Boolean);
  expect(sealedIds).toEqual(Array(7).fill(newId));
  for (const r of after.filter((r) => r.key_id))
    expect((r.value as Buffer).equals(before.get(r.key) as Buffer)).toBe(false);
  expect(rawText(after)).not.toContain('hunter2');

  const onlyNew = storeWith({ CLAUDE_FLOW_MEMORY_KEY: newKey.toString('base64') });
  expect((await onlyNew.get('secrets/', 'db-password'))?.value).toBe(`${SECRET}-v2`);
  expect((await onlyNew.versions('secrets/', 'db-password'))[1].metadata).toEqual({ owner: 'ops-team-secret' });
  expect((await onlyNew.get('vault/', 'big'))?.value).toBe(`${SECRET} `.repeat(500));
  const onlyOld = storeWith({ CLAUDE_FLOW_MEMORY_KEY: oldKey.toString('base64') });
  await expect(onlyOld.get('secrets/', 'db-password')).rejects.toMatchObject({
    detail: expect.stringContaining(String(newId)),
  });
});

test('ciphertext is bound to its entry: moved to another key it does not open', async () => {
  const store = storeWith({ CLAUDE_FLOW_MEMORY_KEY: newKey.toString('base64') });
  await store.set({ namespace: 'secrets/', key: 'a', value: 'A' });
  await store.set({ namespace: 'secrets/', key: 'b', value: 'B' });
  await pool.query(
    `UPDATE memory_entry SET value = (SELECT value FROM memory_entry WHERE namespace = 'secrets/' AND key = 'a') WHERE namespace = 'secrets/' AND key = 'b'`,
  );
  await expect(store.get('secrets/', 'b')).rejects.toThrow();
});

test('copying out of a sealed namespace unseals, into one seals', async () => {
  const store = storeWith({ CLAUDE_FLOW_MEMORY_KEY: newKey.toString('base64') });
  await store.set({ namespace: 'plain/', key: 'p', value: 'now sealed text' });
  await store.copyNamespace('plain/', 'vault/plain/');
  const row = (await pool.query(`SELECT value, key_id FROM memory_entry WHERE namespace = 'vault/plain/'`)).rows[0];
  expect(row.key_id).not.toBeNull();
  expect((row.value as Buffer).toString('latin1')).not.toContain('sealed text');
  expect((await store.get('vault/plain/', 'p'))?.value).toBe('now sealed text');
});
