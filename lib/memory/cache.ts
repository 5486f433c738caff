// A small LRU of live entries for MemoryStore.get, kept coherent across processes by the live-event
// channel: every write, delete, clear, import or expiry anywhere publishes an event on
// `memory:<namespace>`, and each process's listener drops what the event touches.
//
// Invariants: an entry is served from the cache only while unexpired and younger than `maxAgeMs`
// (a bound on staleness should an event be lost while the listener reconnects); a read that began
// before an invalidation is never cached (the epoch check), so a slow read cannot put back a value
// an event has just dropped.
import type { LiveEvent, LiveListener } from '../live';
import type { MemoryEntry } from './types';

interface Slot {
  entry: MemoryEntry | undefined;
  at: number;
}

const nameOf = (namespace: string, key: string) => `${namespace}\u0000${key}`;

export class EntryCache {
  private readonly slots = new Map<string, Slot>();
  private epoch = 0;
  private readonly onEvent = (e: LiveEvent) => this.apply(e);

  /**
   * @param max entries held; 0 turns the cache off.
   * @param maxAgeMs longest an entry is served without a re-read.
   */
  constructor(
    private readonly max: number,
    private readonly maxAgeMs: number,
    private readonly live: LiveListener,
  ) {
    live.on('event', this.onEvent);
  }

  /** Stops listening (the cache is then empty and stays off). */
  close(): void {
    this.live.off('event', this.onEvent);
    this.slots.clear();
    this.epoch++;
  }

  /** The epoch to pass to {@link put} for a read starting now. */
  begin(): number {
    return this.epoch;
  }

  /** A cached lookup: `{ entry }` (entry undefined when known absent), or undefined when not cached. */
  get(namespace: string, key: string, now = Date.now()): { entry: MemoryEntry | undefined } | undefined {
    const name = nameOf(namespace, key);
    const slot = this.slots.get(name);
    if (!slot) return undefined;
    const expired = slot.entry?.expiresAt && Date.parse(slot.entry.expiresAt) <= now;
    if (expired || now - slot.at > this.maxAgeMs) {
      this.slots.delete(name);
      return undefined;
    }
    // Re-insert: Map keeps insertion order, so the first key is always the least recently used.
    this.slots.delete(name);
    this.slots.set(name, slot);
    return { entry: slot.entry };
  }

  /** Remembers a read that started at `epoch`, unless anything was invalidated since. */
  put(namespace: string, key: string, entry: MemoryEntry | undefined, epoch: number): void {
    if (this.max <= 0 || epoch !== this.epoch) return;
    this.slots.set(nameOf(namespace, key), { entry, at: Date.now() });
    while (this.slots.size > this.max) {
      const oldest = this.slots.keys().next().value as string;
      this.slots.delete(oldest);
    }
  }

  /** Drops one entry, or (no key) every entry in `namespace` and under it. */
  invalidate(namespace: string, key?: string): void {
    this.epoch++;
    if (key !== undefined) {
      this.slots.delete(nameOf(namespace, key));
      return;
    }
    for (const name of this.slots.keys()) if (name.startsWith(namespace)) this.slots.delete(name);
  }

  get size(): number {
    return this.slots.size;
  }

  private apply(e: LiveEvent): void {
    if (!e.channel.startsWith('memory:')) return;
    const data = (e.data ?? {}) as { namespace?: unknown; key?: unknown };
    const namespace = typeof data.namespace === 'string' ? data.namespace : e.channel.slice('memory:'.length);
    const key = typeof data.key === 'string' && (e.type === 'memory.set' || e.type === 'memory.delete');
    this.invalidate(namespace, key ? (data.key as string) : undefined);
  }
}
