// The read cache across processes: two stores ("app instances") on one database, each with its own
// live listener. A write through one invalidates the other's cached entry before the next read.
import type pg from 'pg';
import { createPool } from '../../lib/db';
import { LiveListener, type LiveEvent } from '../../lib/live';
import { MemoryStore } from '../../lib/memory';
import { freshDatabase, testConfig, type TestDatabase } from '../helpers/stack';

let db: TestDatabase;
const pools: pg.Pool[] = [];
const listeners: LiveListener[] = [];
let one: MemoryStore;
let two: MemoryStore;
let listenerOfTwo: LiveListener;

async function instance(): Promise<{ store: MemoryStore; live: LiveListener }> {
  const pool = createPool(db.url, 3);
  const live = new LiveListener(db.url, pool);
  await live.start();
  pools.push(pool);
  listeners.push(live);
  const config = testConfig({ DATABASE_URL: db.url });
  return { store: new MemoryStore(pool, config.memory, { live }), live };
}

beforeAll(async () => {
  db = await freshDatabase();
  one = (await instance()).store;
  const b = await instance();
  two = b.store;
  listenerOfTwo = b.live;
});
afterAll(async () => {
  one?.close();
  two?.close();
  for (const l of listeners) await l.close();
  for (const p of pools) await p.end();
  await db?.drop();
});

/** Resolves when instance two's listener has heard `type` for `key`. */
const heard = (type: string, key?: string) =>
  new Promise<void>((resolve) => {
    const on = (e: LiveEvent) => {
      if (e.type === type && (key === undefined || (e.data as { key?: string }).key === key)) {
        listenerOfTwo.off('event', on);
        resolve();
      }
    };
    listenerOfTwo.on('event', on);
  });

test('a write through one instance invalidates the other instance cache', async () => {
  // A read racing the write's own event is (rightly) not cached: let the event land first.
  const first = heard('memory.set', 'hot');
  await one.set({ namespace: 'code/', key: 'hot', value: 'v1' });
  await first;
  expect((await two.get('code/', 'hot'))?.value).toBe('v1');
  expect(two.cachedEntries).toBe(1);
  // Served from the cache: a change behind the store's back (no event) is not seen...
  await pools[1].query(`UPDATE memory_entry SET value = convert_to('sneaky', 'UTF8') WHERE key = 'hot'`);
  expect((await two.get('code/', 'hot'))?.value).toBe('v1');
  // ...but a real write anywhere is.
  const event = heard('memory.set', 'hot');
  await one.set({ namespace: 'code/', key: 'hot', value: 'v2' });
  await event;
  expect(two.cachedEntries).toBe(0);
  expect((await two.get('code/', 'hot'))?.value).toBe('v2');
});

test('deletes and namespace clears invalidate too, and absence is cached until a write', async () => {
  await one.set({ namespace: 'docs/a/', key: 'k', value: 1 });
  expect((await two.get('docs/a/', 'k'))?.value).toBe(1);
  let event = heard('memory.delete', 'k');
  await one.delete('docs/a/', 'k');
  await event;
  expect(await two.get('docs/a/', 'k')).toBeUndefined();
  event = heard('memory.set', 'k');
  await one.set({ namespace: 'docs/a/', key: 'k', value: 2 });
  await event;
  expect((await two.get('docs/a/', 'k'))?.value).toBe(2);
  event = heard('memory.clear');
  await one.clearNamespace('docs/');
  await event;
  expect(await two.get('docs/a/', 'k')).toBeUndefined();
});

test('a returned entry is a copy: mutating it does not change what the cache serves', async () => {
  await one.set({ namespace: 'code/', key: 'obj', value: { n: 1 } });
  const got = await two.get('code/', 'obj');
  (got?.value as { n: number }).n = 99;
  expect((await two.get('code/', 'obj'))?.value).toEqual({ n: 1 });
});
