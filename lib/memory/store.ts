// The memory store on PostgreSQL. Invariants:
// - (namespace, key) names at most one live entry; an expired entry is invisible to every read and
//   is replaced (history and all) by the next write to its name.
// - `version` starts at 1 and grows by 1 per write; memory_entry_version holds the last N of them,
//   the current one included.
// - Every write and delete publishes a live event on `memory:<namespace>` in the same transaction,
//   so listeners hear exactly the changes that committed.
// - Sealed rows hold ciphertext only (value and metadata); their search vector has key and tags,
//   and they never get an embedding (it would leak their content).
// - With an embedding provider, every write of an unsealed entry owes an embedding, paid once the
//   write commits (embed-queue.ts); a provider failure never fails the write.
// - With a live listener, `get` serves from a per-process LRU that every write anywhere invalidates
//   (see cache.ts); without one nothing is cached, since other processes' writes would go unheard.
//
// This class is the facade: one write is writes.ts (its columns columns.ts), auto-save's batch
// batch.ts, the embedding queue embed-queue.ts, namespace copy and move transfer.ts, import
// import.ts and key rotation rotate.ts.
import type pg from 'pg';
import type { MemoryConfig } from '../config';
import { badRequest, conflict } from '../errors';
import type { LiveListener } from '../live';
import { nameOf, saveManyIn } from './batch';
import { EntryCache } from './cache';
import type { CodecOptions } from './codec';
import { retrieveContext, type ContextInput, type RetrievedContext } from './context';
import { EmbedQueue, type Owed } from './embed-queue';
import { createEmbedder, EMBED_BATCH, type Embedder } from './embeddings';
import { exportMemory } from './export';
import { importDocument } from './import';
import { expireEntries, foldWordCounts, pruneGoneEmbeddings, pruneVersions } from './maintenance';
import { isUnder } from './names';
import { checkName, prepareWrite, type PreparedWrite } from './prepare';
import { rotateKey } from './rotate';
import { ENTRY_COLUMNS, toEntry, toVersion, valueOf, VERSION_COLUMNS, type EntryRow, type VersionRow } from './rows';
import { contextRows, searchMemory, type SearchHit, type SearchInput, type SearchResult } from './search';
import { keyRing, type KeyRing } from './seal';
import { filterSql, inTransaction, LIVE } from './sql';
import { GONE_RETENTION_HOURS, VectorIndex } from './vector-index';
import { planSummaries, SUMMARY_TAG, type SummaryPlan, type SummarySource } from './summary';
import { transfer, type TransferOptions } from './transfer';
import type {
  ListInput,
  ListPage,
  MemoryEntry,
  MemoryEntryInfo,
  MemoryVersion,
  NamespaceStats,
  Provenance,
  SetInput,
} from './types';
import { announce, clearIn, currentVersion, writeEntry, type Queryable, type StoreParts } from './writes';
import { MemoryReader, type ReaderOptions } from './reader';
import { checkRestore, restoreIn, type RestoreInput, type RestoreResult } from './restore';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

const cursorOf = (namespace: string, key: string) =>
  Buffer.from(JSON.stringify([namespace, key])).toString('base64url');

/** How long a cached entry is served without a re-read (bounds staleness if an event is lost). */
export const CACHE_MAX_AGE_MS = 30_000;

export interface MemoryStoreOptions {
  /** This process's live listener: enables the read cache (`config.cacheEntries` entries). */
  live?: LiveListener;
  /** Overrides the embedder from the configuration (`null`: none). */
  embedder?: Embedder | null;
}

export class MemoryStore {
  readonly ring: KeyRing;
  private readonly codec: CodecOptions;
  private readonly cache: EntryCache | undefined;
  /** Undefined: no embedding provider; text search only. */
  readonly embedder: Embedder | undefined;
  private readonly embeds: EmbedQueue;
  /** This process's index of the embeddings, for semantic search; undefined without an embedder. */
  readonly vectors: VectorIndex | undefined;
  /** What the parts (writes, batch, transfer, import) work with. */
  private readonly parts: StoreParts;

  constructor(
    private readonly pool: pg.Pool,
    private readonly config: MemoryConfig,
    opts: MemoryStoreOptions = {},
  ) {
    this.ring = keyRing(config.key, config.previousKey);
    this.codec = { ring: this.ring, maxValueBytes: config.maxValueBytes, compressBytes: config.compressBytes };
    this.embedder = opts.embedder === undefined ? createEmbedder(config) : (opts.embedder ?? undefined);
    if (opts.live && config.cacheEntries > 0) {
      this.cache = new EntryCache(config.cacheEntries, CACHE_MAX_AGE_MS, opts.live);
    }
    this.embeds = new EmbedQueue(pool, this.ring, this.embedder);
    if (this.embedder && config.vectorIndex !== 'off') this.vectors = new VectorIndex(pool);
    this.parts = {
      pool,
      ring: this.ring,
      codec: this.codec,
      versions: config.versions,
      cache: this.cache,
      embeds: this.embeds,
      isSealed: (namespace) => this.isSealed(namespace),
    };
  }

  /** Stops the cache listening to live events and the vector index's thread (the pool and listener are the caller's). */
  close(): void {
    this.cache?.close();
    this.vectors?.close();
  }

  /** Reads on someone's behalf: sealed values and metadata only for a reader allowed to see them. */
  reader(opts: ReaderOptions): MemoryReader {
    return new MemoryReader(this, opts);
  }

  /** True when entries in `namespace` are encrypted at rest. */
  isSealed(namespace: string): boolean {
    return this.config.sealed.some((p) => isUnder(namespace, p));
  }

  /** Writes one entry; a stale `expectedVersion` is a 409 and writes nothing. */
  async set(input: SetInput): Promise<MemoryEntryInfo> {
    const w = prepareWrite(this.codec, input, this.isSealed(input.namespace));
    const owed: Owed[] = [];
    try {
      return await inTransaction(this.pool, (c) => writeEntry(this.parts, c, w, owed));
    } finally {
      this.cache?.invalidate(w.namespace, w.key);
      await this.embeds.embedOwed(owed);
    }
  }

  /** Writes every entry in one transaction: all of them, or (on any bad input or conflict) none. */
  async bulkSet(inputs: SetInput[]): Promise<MemoryEntryInfo[]> {
    const now = new Date();
    const writes = inputs.map((i) => prepareWrite(this.codec, i, this.isSealed(i.namespace), now));
    const owed: Owed[] = [];
    try {
      return await inTransaction(this.pool, async (c) => {
        const out: MemoryEntryInfo[] = [];
        for (const w of writes) out.push(await writeEntry(this.parts, c, w, owed));
        return out;
      });
    } finally {
      for (const w of writes) this.cache?.invalidate(w.namespace, w.key);
      await this.embeds.embedOwed(owed);
    }
  }

  /**
   * Auto-save's batched write: every entry in ONE statement (see batch.ts), the last of any repeated
   * name winning. An entry whose content is already stored is left as it is (no new version, no
   * event), so a retried activity saving the same entries again changes nothing. No expected
   * versions here. Returns the entries that were written (new or changed).
   */
  async saveMany(inputs: SetInput[]): Promise<MemoryEntryInfo[]> {
    const batch = this.prepareBatch(inputs);
    if (batch.length === 0) return [];
    const { entries, afterCommit } = await this.saveManyIn(this.pool, batch);
    await afterCommit();
    return entries;
  }

  /**
   * {@link saveMany} inside the caller's transaction on `c` (one statement, plus an ordinary write
   * for any name whose entry had expired), so auto-saves commit with the caller's own writes. Call
   * `afterCommit` once the transaction has committed (it drops cached copies and embeds the entries).
   */
  async saveManyIn(
    c: Queryable,
    inputs: SetInput[] | PreparedWrite[],
  ): Promise<{ entries: MemoryEntryInfo[]; afterCommit: () => Promise<void> }> {
    const writes = isPrepared(inputs) ? inputs : this.prepareBatch(inputs);
    const owed: Owed[] = [];
    const afterCommit = async () => {
      for (const w of writes) this.cache?.invalidate(w.namespace, w.key);
      await this.embeds.embedOwed(owed);
    };
    if (writes.length === 0) return { entries: [], afterCommit };
    return { entries: await saveManyIn(this.parts, c, writes, owed), afterCommit };
  }

  /** Validated and encoded writes for a batch, one per name (the last wins). */
  prepareBatch(inputs: SetInput[]): PreparedWrite[] {
    const now = new Date();
    const byName = new Map<string, PreparedWrite>();
    for (const input of inputs) {
      if (input.expectedVersion !== undefined) {
        throw badRequest('saveMany takes no expectedVersion: write with set or bulkSet for optimistic concurrency');
      }
      const w = prepareWrite(this.codec, input, this.isSealed(input.namespace), now);
      byName.delete(nameOf(w));
      byName.set(nameOf(w), w);
    }
    return [...byName.values()];
  }

  /** The live entry, or undefined (absent or expired). Served from the cache when it holds the name. */
  async get(namespace: string, key: string): Promise<MemoryEntry | undefined> {
    checkName(namespace, key);
    const cached = this.cache?.get(namespace, key);
    if (cached) return cached.entry && structuredClone(cached.entry);
    const epoch = this.cache?.begin() ?? 0;
    const r = await this.pool.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM memory_entry e WHERE namespace = $1 AND key = $2 AND ${LIVE}`,
      [namespace, key],
    );
    const entry = r.rows[0] && toEntry(this.ring, r.rows[0]);
    // Callers get their own copy: mutating a returned entry must not change what the cache serves.
    this.cache?.put(namespace, key, entry && structuredClone(entry), epoch);
    return entry;
  }

  /** Entries currently cached in this process (0 when the cache is off). */
  get cachedEntries(): number {
    return this.cache?.size ?? 0;
  }

  /**
   * Deletes the live entry and its history; returns the version it had, or undefined when there
   * was none. A stale `expectedVersion` is a 409 and deletes nothing.
   */
  async delete(
    namespace: string,
    key: string,
    opts: { expectedVersion?: number; provenance?: Provenance } = {},
  ): Promise<number | undefined> {
    checkName(namespace, key);
    try {
      return await this.deleteEntry(namespace, key, opts);
    } finally {
      this.cache?.invalidate(namespace, key);
    }
  }

  private async deleteEntry(
    namespace: string,
    key: string,
    opts: { expectedVersion?: number; provenance?: Provenance },
  ): Promise<number | undefined> {
    return inTransaction(this.pool, async (c) => {
      const r = await c.query<{ version: number }>(
        `DELETE FROM memory_entry e WHERE namespace = $1 AND key = $2 AND ${LIVE} RETURNING version`,
        [namespace, key],
      );
      const version = r.rows[0]?.version;
      const expected = opts.expectedVersion;
      if (expected !== undefined && (version ?? 0) !== expected) {
        throw conflict(
          `${namespace}${key} is at version ${version ?? '0 (it does not exist)'}, not the expected version ${expected}: read it again and retry`,
        );
      }
      if (version !== undefined) {
        await announce(c, 'memory.delete', { namespace, key, version, actor: opts.provenance ?? {} });
      }
      return version;
    });
  }

  /** Live entries ordered by (namespace, key), a page at a time. */
  async list(input: ListInput = {}): Promise<ListPage> {
    if (input.namespace !== undefined) checkName(input.namespace);
    const limit = Math.min(Math.max(input.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const args: unknown[] = [];
    const where = filterSql(input, args);
    if (input.cursor) {
      const [ns, key] = decodeCursor(input.cursor);
      args.push(ns, key);
      where.push(`(e.namespace, e.key) > ($${args.length - 1}, $${args.length})`);
    }
    args.push(limit + 1);
    const r = await this.pool.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM memory_entry e WHERE ${where.join(' AND ')}
        ORDER BY e.namespace, e.key LIMIT $${args.length}`,
      args,
    );
    const rows = r.rows.slice(0, limit);
    const last = rows[rows.length - 1];
    return {
      entries: rows.map((row) => toEntry(this.ring, row)),
      ...(r.rows.length > limit && last ? { nextCursor: cursorOf(last.namespace, last.key) } : {}),
    };
  }

  /** Ranked hits (text, semantic or hybrid); see {@link searchMemory}. */
  async search(input: SearchInput): Promise<SearchHit[]> {
    return (await this.searchResult(input)).hits;
  }

  /** {@link search} with the mode used and, when it differs from the one asked for, a note why. */
  async searchResult(input: SearchInput): Promise<SearchResult> {
    return searchMemory(this.pool, this.ring, input, this.embedder, this.vectors);
  }

  /**
   * Embeds every unsealed live entry that is pending or has no embedding of the configured model
   * (written before a provider was configured, or with another model), `batchSize` at a time, up
   * to `max`. Returns how many were embedded; throws when the provider fails (they stay pending).
   * Without an embedding provider, 0.
   */
  async embedPending(max = 10_000, batchSize = EMBED_BATCH): Promise<number> {
    return this.embeds.embedPending(max, batchSize);
  }

  /** Kept versions of a live entry, newest first (empty when the entry does not exist). */
  async versions(namespace: string, key: string): Promise<MemoryVersion[]> {
    checkName(namespace, key);
    const r = await this.pool.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS.replace(/(\w+)/g, 'v.$1')} FROM memory_entry_version v
         JOIN memory_entry e ON e.id = v.entry_id
        WHERE e.namespace = $1 AND e.key = $2 AND ${LIVE} ORDER BY v.version DESC`,
      [namespace, key],
    );
    return r.rows.map((row) => toVersion(this.ring, namespace, key, row));
  }

  /** Every namespace holding live entries (under `prefix` when given), with counts and bytes. */
  async namespaces(prefix?: string): Promise<NamespaceStats[]> {
    if (prefix !== undefined) checkName(prefix);
    const args: unknown[] = [];
    const where = filterSql({ namespace: prefix }, args);
    const r = await this.pool.query<{ namespace: string; n: string; bytes: string; stored: string; last: Date }>(
      `SELECT e.namespace, count(*) AS n, sum(e.size) AS bytes, sum(e.stored_size) AS stored, max(e.updated_at) AS last
         FROM memory_entry e WHERE ${where.join(' AND ')} GROUP BY e.namespace ORDER BY e.namespace`,
      args,
    );
    return r.rows.map((row) => ({
      namespace: row.namespace,
      entries: Number(row.n),
      bytes: Number(row.bytes),
      storedBytes: Number(row.stored),
      sealed: this.isSealed(row.namespace),
      lastWrittenAt: row.last.toISOString(),
    }));
  }

  /**
   * Puts namespaces back to a captured state in one transaction (see restore.ts): all of it, or on
   * any failure none of it. `also` runs in the same transaction, so a caller's own rows (a session's
   * messages) change with the memory or not at all.
   */
  async restore(input: RestoreInput, also?: (c: Queryable) => Promise<void>): Promise<RestoreResult> {
    checkRestore(input);
    const owed: Owed[] = [];
    try {
      return await inTransaction(this.pool, async (c) => {
        const result = await restoreIn(this.parts, c, input, owed);
        await also?.(c);
        return result;
      });
    } finally {
      for (const ns of input.namespaces) this.cache?.invalidate(ns);
      for (const e of input.entries) this.cache?.invalidate(e.namespace, e.key);
      await this.embeds.embedOwed(owed);
    }
  }

  /** Deletes every entry in `namespace` and under it (expired ones too); returns how many live ones went. */
  async clearNamespace(namespace: string, opts: { provenance?: Provenance } = {}): Promise<number> {
    checkName(namespace);
    try {
      return await inTransaction(this.pool, (c) => clearIn(c, namespace, opts.provenance ?? {}));
    } finally {
      this.cache?.invalidate(namespace);
    }
  }

  /**
   * Copies every live entry under `from` to the same place under `to` (`code/a/x` → `backup/a/x` for
   * from `code/`, to `backup/`), re-sealing or unsealing as the target requires. Existing targets
   * are a 409 unless `overwrite`. Copies start a new history.
   */
  async copyNamespace(from: string, to: string, opts: TransferOptions = {}) {
    return transfer(this.parts, from, to, false, opts);
  }

  /** {@link copyNamespace}, then clears `from`, in one transaction. */
  async moveNamespace(from: string, to: string, opts: TransferOptions = {}) {
    return transfer(this.parts, from, to, true, opts);
  }

  /**
   * The export document of every live entry under `prefix` (all when undefined), one JSONL line at
   * a time (without newlines); see export.ts for the format.
   */
  export(prefix?: string): AsyncGenerator<string> {
    if (prefix !== undefined) checkName(prefix);
    return exportMemory(this.pool, this.ring, prefix);
  }

  /**
   * Imports an export document in one transaction (see import.ts): a bad line is a 400 naming its
   * line and field, and nothing is written. Entries already present at the same or a higher version
   * are `unchanged`; entries whose expiresAt has passed are `expired` and not written.
   */
  async import(
    document: string,
    opts: { provenance?: Provenance } = {},
  ): Promise<{ imported: number; unchanged: number; expired: number }> {
    return importDocument(this.parts, document, opts.provenance ?? {});
  }

  /**
   * Deletes entries whose expiry is at or before `cutoff` (default: now), `batchSize` rows per
   * committed transaction, announcing `memory.expire` per namespace, then folds the word counts
   * (writers fold them only now and then) and forgets deletions the vector indexes no longer need.
   * Returns how many entries went.
   */
  async expire(cutoff: Date = new Date(), batchSize = 1000): Promise<number> {
    const expired = await expireEntries(this.pool, cutoff, batchSize);
    for (const namespace of expired.namespaces) this.cache?.invalidate(namespace);
    await foldWordCounts(this.pool);
    await pruneGoneEmbeddings(this.pool, GONE_RETENTION_HOURS);
    return expired.count;
  }

  /** Deletes kept versions beyond the configured count per entry, in batches; returns how many went. */
  async pruneVersions(batchSize = 5000): Promise<number> {
    return pruneVersions(this.pool, this.config.versions, batchSize);
  }

  /** What to summarise for namespaces over `threshold` entries; see summary.ts. */
  async planSummaries(threshold: number): Promise<SummaryPlan[]> {
    return planSummaries(this.pool, this.ring, threshold, (ns) => this.isSealed(ns));
  }

  /**
   * Saves a summary entry (tagged `summary`, listing its sources in metadata) and deletes the
   * sources it replaces, in one transaction: originals go only once the summary is stored, and a
   * source written since it was read (another version) is kept. A summary key that already
   * exists means this ran before (a retry): nothing changes.
   */
  async replaceWithSummary(input: {
    namespace: string;
    key: string;
    text: string;
    sources: SummarySource[];
    provenance?: Provenance;
  }): Promise<{ saved: boolean; removed: number }> {
    const { namespace, key, sources } = input;
    const w = prepareWrite(
      this.codec,
      {
        namespace,
        key,
        value: input.text,
        tags: [SUMMARY_TAG],
        metadata: { summarizes: sources },
        provenance: input.provenance,
      },
      this.isSealed(namespace),
    );
    const owed: Owed[] = [];
    const result = await inTransaction(this.pool, async (c) => {
      if ((await currentVersion(c, namespace, key)) > 0) return { saved: false, removed: 0 };
      await writeEntry(this.parts, c, w, owed);
      const gone = await c.query<{ key: string; version: number }>(
        `DELETE FROM memory_entry e WHERE e.namespace = $1 AND ${LIVE}
            AND (e.key, e.version) IN (SELECT * FROM unnest($2::text[], $3::int[])) RETURNING e.key, e.version`,
        [namespace, sources.map((s) => s.key), sources.map((s) => s.version)],
      );
      for (const row of gone.rows) {
        await announce(c, 'memory.delete', {
          namespace,
          key: row.key,
          version: row.version,
          actor: input.provenance ?? {},
        });
      }
      return { saved: true, removed: gone.rows.length };
    }).finally(() => this.cache?.invalidate(namespace));
    await this.embeds.embedOwed(owed);
    return result;
  }

  /** The entries most relevant to a prompt within a token budget; see {@link retrieveContext}. */
  async retrieveContext(input: ContextInput): Promise<RetrievedContext> {
    if (this.embedder) return retrieveContext(this, input);
    // Without embeddings the ranking is text only: one query gives the entries and their values.
    return retrieveContext(
      {
        search: (i) => this.search(i),
        get: (ns, key) => this.get(ns, key),
        candidates: async (q, namespaces, excludeTags, limit) =>
          (await contextRows(this.pool, q, namespaces, excludeTags, limit)).map((row) => ({
            namespace: row.namespace,
            key: row.key,
            version: row.version,
            score: row.text_rank,
            value: valueOf(this.ring, row.namespace, row.key, row),
          })),
      },
      input,
    );
  }

  /**
   * Re-encrypts every sealed entry and kept version not sealed with the current key (reading them
   * with the previous key). Returns how many rows changed. Safe to run again; each batch commits.
   */
  async rotateKey(batchSize = 200): Promise<{ entries: number; versions: number }> {
    return rotateKey(this.pool, this.ring, batchSize);
  }
}

const isPrepared = (x: SetInput[] | PreparedWrite[]): x is PreparedWrite[] => x.length > 0 && 'stored' in x[0];

function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // falls through to the error below
  }
  throw badRequest(
    `cursor "${cursor.slice(0, 100)}" is not one this API gave out: pass nextCursor from the previous page`,
  );
}
