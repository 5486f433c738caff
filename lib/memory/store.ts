// The memory store on PostgreSQL. Invariants:
// - (namespace, key) names at most one live entry; an expired entry is invisible to every read and
//   is replaced (history and all) by the next write to its name.
// - `version` starts at 1 and grows by 1 per write; memory_entry_version holds the last N of them,
//   the current one included.
// - Every write and delete publishes a live event on `memory:<namespace>` in the same transaction,
//   so listeners hear exactly the changes that committed.
// - Sealed rows hold ciphertext only (value and metadata); their search vector has key and tags,
//   and they never get an embedding (it would leak their content).
// - With an embedding provider, every write of an unsealed entry clears its embedding and marks it
//   pending in the write's transaction; once that commits, the store embeds it and clears the mark
//   (matching the version, so a newer write is never given an older value's vector). When the
//   provider fails the write stands and the mark stays: the next successful embedding drains a few
//   pending entries, and `embedPending` does the rest.
// - With a live listener, `get` serves from a per-process LRU that every write anywhere invalidates
//   (see cache.ts); without one nothing is cached, since other processes' writes would go unheard.
import type pg from 'pg';
import type { MemoryConfig } from '../config';
import { badRequest, conflict } from '../errors';
import { publish, type LiveListener } from '../live';
import { EntryCache } from './cache';
import { searchText, type CodecOptions } from './codec';
import { createEmbedder, EMBED_BATCH, embeddingText, type Embedder } from './embeddings';
import { retrieveContext, type ContextInput, type RetrievedContext } from './context';
import { exportMemory } from './export';
import { importRow, parseExport } from './import';
import { expireEntries, pruneVersions } from './maintenance';
import { planSummaries, SUMMARY_TAG, type SummaryPlan, type SummarySource } from './summary';
import { SAVE_MANY, saveManyParams, type SaveManyRow } from './batch';
import { isUnder } from './names';
import { checkName, prepareWrite, type PreparedWrite } from './prepare';
import {
  ENTRY_COLUMNS,
  toEntry,
  toInfo,
  toVersion,
  valueOf,
  VERSION_COLUMNS,
  type EntryRow,
  type VersionRow,
} from './rows';
import { contextRows, searchMemory, type SearchHit, type SearchInput, type SearchResult } from './search';
import { keyRing, open, seal, type KeyRing } from './seal';
import { filterSql, inTransaction, likePrefix, LIVE, TS_CONFIG, UPSERT_SET } from './sql';
import type {
  ListInput,
  ListPage,
  MemoryChange,
  MemoryEntry,
  MemoryEntryInfo,
  MemoryVersion,
  NamespaceStats,
  Provenance,
  SetInput,
} from './types';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

type Queryable = Pick<pg.PoolClient, 'query'>;

const UPSERT = `
  INSERT INTO memory_entry AS e (namespace, key, value_type, value, compressed, key_id, size, stored_size, tags,
    metadata, expires_at, version, session_id, workflow_id, user_id, search_vector, embedding_pending)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, 1, $12, $13, $14,
    setweight(to_tsvector('${TS_CONFIG}', regexp_replace($2, '[/_.:]+', ' ', 'g')), 'A') ||
    setweight(to_tsvector('${TS_CONFIG}', array_to_string($9::text[], ' ')), 'B') ||
    setweight(to_tsvector('${TS_CONFIG}', $15), 'C'), $17)
  ON CONFLICT (namespace, key) DO UPDATE SET
    ${UPSERT_SET}
  WHERE $16::int IS NULL OR e.version = $16
  RETURNING id, ${ENTRY_COLUMNS}, (xmax = 0) AS inserted`;

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

/** An embedding owed by a committed write. */
interface Owed {
  id: string;
  version: number;
  text: string;
}

/** Pending entries embedded after each successful embedding (bounds the extra work per write). */
export const DRAIN_PER_WRITE = 16;

export class MemoryStore {
  readonly ring: KeyRing;
  private readonly codec: CodecOptions;
  private readonly cache: EntryCache | undefined;
  /** Undefined: no embedding provider; text search only. */
  readonly embedder: Embedder | undefined;

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
  }

  /** Stops the cache listening to live events (the pool and listener are the caller's). */
  close(): void {
    this.cache?.close();
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
      return await inTransaction(this.pool, (c) => this.write(c, w, owed));
    } finally {
      this.cache?.invalidate(w.namespace, w.key);
      await this.embedOwed(owed);
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
        for (const w of writes) out.push(await this.write(c, w, owed));
        return out;
      });
    } finally {
      for (const w of writes) this.cache?.invalidate(w.namespace, w.key);
      await this.embedOwed(owed);
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
      await this.embedOwed(owed);
    };
    if (writes.length === 0) return { entries: [], afterCommit };
    const byName = new Map(writes.map((w) => [nameOf(w), w]));
    const embed = this.embedder !== undefined;
    const r = await c.query<SaveManyRow>(SAVE_MANY, saveManyParams(writes, embed, this.config.versions));
    const entries: MemoryEntryInfo[] = [];
    for (const row of r.rows) {
      const w = byName.get(nameOf(row));
      if (row.kind === 'expired') {
        // Its entry expired: replaced (history and all) by the ordinary write.
        if (w) entries.push(await this.write(c, w, owed));
        continue;
      }
      entries.push(toInfo(this.ring, row));
      if (embed && w && row.key_id === null) {
        owed.push({ id: row.id, version: row.version, text: embeddingText(w.key, w.tags, w.valueText) });
      }
    }
    return { entries, afterCommit };
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

  /** One write in `c`'s transaction; an unsealed entry's embedding is added to `owed` (when embedding). */
  private async write(c: Queryable, w: PreparedWrite, owed?: Owed[]): Promise<MemoryEntryInfo> {
    const embed = this.embedder !== undefined && w.stored.keyId === null;
    await c.query('DELETE FROM memory_entry e WHERE namespace = $1 AND key = $2 AND NOT ' + LIVE, [w.namespace, w.key]);
    const s = w.stored;
    const res = await c.query<EntryRow & { id: string; inserted: boolean }>(UPSERT, [
      w.namespace,
      w.key,
      s.valueType,
      s.value,
      s.compressed,
      s.keyId,
      s.size,
      s.storedSize,
      w.tags,
      JSON.stringify(w.metadata),
      w.expiresAt,
      w.provenance.sessionId ?? null,
      w.provenance.workflowId ?? null,
      w.provenance.user ?? null,
      w.valueText,
      w.expectedVersion ?? null,
      embed,
    ]);
    const row = res.rows[0];
    const expected = w.expectedVersion;
    if (!row || (expected !== undefined && row.inserted && expected !== 0)) {
      const current = row ? 0 : await this.currentVersion(c, w.namespace, w.key);
      throw conflict(
        `${w.namespace}${w.key} is at version ${current === 0 ? '0 (it does not exist)' : current}, not the expected version ${expected}: read it again and retry with expectedVersion ${current}`,
      );
    }
    await c.query(
      `INSERT INTO memory_entry_version (entry_id, ${VERSION_COLUMNS})
       SELECT id, ${VERSION_COLUMNS.replace('created_at', 'updated_at')} FROM memory_entry WHERE id = $1`,
      [row.id],
    );
    await c.query('DELETE FROM memory_entry_version WHERE entry_id = $1 AND version <= $2', [
      row.id,
      row.version - this.config.versions,
    ]);
    await this.announce(c, 'memory.set', {
      namespace: w.namespace,
      key: w.key,
      version: row.version,
      actor: w.provenance,
    });
    if (embed) owed?.push({ id: row.id, version: row.version, text: embeddingText(w.key, w.tags, w.valueText) });
    return toInfo(this.ring, row);
  }

  private async currentVersion(c: Queryable, namespace: string, key: string): Promise<number> {
    const r = await c.query<{ version: number }>(
      `SELECT version FROM memory_entry e WHERE namespace = $1 AND key = $2 AND ${LIVE}`,
      [namespace, key],
    );
    return r.rows[0]?.version ?? 0;
  }

  private async announce(c: Queryable, type: string, change: MemoryChange | Record<string, unknown>): Promise<void> {
    await publish(c, `memory:${String(change.namespace)}`, type, change);
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
        await this.announce(c, 'memory.delete', { namespace, key, version, actor: opts.provenance ?? {} });
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
    return searchMemory(this.pool, this.ring, input, this.embedder);
  }

  /**
   * Embeds what committed writes owe, then (if that worked) up to DRAIN_PER_WRITE pending entries.
   * Never throws: on a provider failure the entries stay marked pending.
   */
  private async embedOwed(owed: Owed[]): Promise<void> {
    if (!this.embedder || owed.length === 0) return;
    if (await this.storeEmbeddings(owed)) await this.embedBatch(DRAIN_PER_WRITE, false).catch(() => 0);
  }

  /** Embeds `owed` and stores each vector if the entry is still at that version; false when the provider failed. */
  private async storeEmbeddings(owed: Owed[]): Promise<boolean> {
    const embedder = this.embedder;
    if (!embedder) return false;
    let vectors: number[][];
    try {
      vectors = await embedder.embed(owed.map((o) => o.text));
    } catch {
      return false;
    }
    try {
      await this.pool.query(
        `UPDATE memory_entry e SET embedding = v.embedding, embedding_model = $4, embedding_pending = false
           FROM (SELECT u.id, u.version, ($3::jsonb -> (u.i::int - 1)) AS j
                   FROM unnest($1::bigint[], $2::int[]) WITH ORDINALITY AS u(id, version, i)) AS o
           CROSS JOIN LATERAL (SELECT array_agg(x::real ORDER BY n) AS embedding
                                 FROM jsonb_array_elements_text(o.j) WITH ORDINALITY AS a(x, n)) AS v
          WHERE e.id = o.id AND e.version = o.version AND e.key_id IS NULL`,
        [owed.map((o) => o.id), owed.map((o) => o.version), JSON.stringify(vectors), embedder.model],
      );
    } catch {
      return false;
    }
    return true;
  }

  /** Embeds up to `limit` pending entries (`all`: also unsealed ones without an embedding of the model); returns how many. */
  private async embedBatch(limit: number, all: boolean): Promise<number> {
    const embedder = this.embedder;
    if (!embedder) return 0;
    const owedWhere = all
      ? '(e.embedding_pending OR e.embedding IS NULL OR e.embedding_model IS DISTINCT FROM $2)'
      : 'e.embedding_pending';
    const r = await this.pool.query<EntryRow & { id: string }>(
      `SELECT id, ${ENTRY_COLUMNS} FROM memory_entry e
        WHERE ${owedWhere} AND e.key_id IS NULL AND ${LIVE} ORDER BY e.id LIMIT $1`,
      all ? [limit, embedder.model] : [limit],
    );
    if (r.rows.length === 0) return 0;
    const owed = r.rows.map((row) => ({
      id: row.id,
      version: row.version,
      text: embeddingText(
        row.key,
        row.tags,
        searchText(row.value_type, valueOf(this.ring, row.namespace, row.key, row)),
      ),
    }));
    if (!(await this.storeEmbeddings(owed))) {
      throw new Error('the embedding provider failed; the entries stay pending');
    }
    return owed.length;
  }

  /**
   * Embeds every unsealed live entry that is pending or has no embedding of the configured model
   * (written before a provider was configured, or with another model), `batchSize` at a time, up
   * to `max`. Returns how many were embedded; throws when the provider fails (they stay pending).
   * Without an embedding provider, 0.
   */
  async embedPending(max = 10_000, batchSize = EMBED_BATCH): Promise<number> {
    let done = 0;
    while (done < max) {
      const n = await this.embedBatch(Math.min(batchSize, max - done), true);
      if (n === 0) break;
      done += n;
    }
    return done;
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

  /** Deletes every entry in `namespace` and under it (expired ones too); returns how many live ones went. */
  async clearNamespace(namespace: string, opts: { provenance?: Provenance } = {}): Promise<number> {
    checkName(namespace);
    try {
      return await inTransaction(this.pool, (c) => this.clear(c, namespace, opts.provenance ?? {}));
    } finally {
      this.cache?.invalidate(namespace);
    }
  }

  private async clear(c: Queryable, namespace: string, actor: Provenance): Promise<number> {
    const r = await c.query<{ live: boolean }>(
      `DELETE FROM memory_entry e WHERE e.namespace LIKE $1 RETURNING ${LIVE} AS live`,
      [likePrefix(namespace)],
    );
    const count = r.rows.filter((row) => row.live).length;
    await this.announce(c, 'memory.clear', { namespace, count, actor });
    return count;
  }

  /**
   * Copies every live entry under `from` to the same place under `to` (`code/a/x` → `backup/a/x` for
   * from `code/`, to `backup/`), re-sealing or unsealing as the target requires. Existing targets
   * are a 409 unless `overwrite`. Copies start a new history.
   */
  async copyNamespace(from: string, to: string, opts: { overwrite?: boolean; provenance?: Provenance } = {}) {
    return this.transfer(from, to, false, opts);
  }

  /** {@link copyNamespace}, then clears `from`, in one transaction. */
  async moveNamespace(from: string, to: string, opts: { overwrite?: boolean; provenance?: Provenance } = {}) {
    return this.transfer(from, to, true, opts);
  }

  private async transfer(
    from: string,
    to: string,
    move: boolean,
    opts: { overwrite?: boolean; provenance?: Provenance },
  ): Promise<{ copied: number }> {
    checkName(from);
    checkName(to);
    if (isUnder(to, from) || isUnder(from, to)) {
      throw conflict(`namespaces "${from}" and "${to}" overlap: neither may lie under the other`);
    }
    const owed: Owed[] = [];
    const result = await inTransaction(this.pool, async (c) => {
      const args: unknown[] = [];
      const where = filterSql({ namespace: from }, args);
      const rows = (
        await c.query<EntryRow>(
          `SELECT ${ENTRY_COLUMNS} FROM memory_entry e WHERE ${where.join(' AND ')} ORDER BY namespace, key FOR UPDATE`,
          args,
        )
      ).rows;
      const now = new Date();
      const writes = rows.map((row) => {
        const e = toEntry(this.ring, row);
        const namespace = to + e.namespace.slice(from.length);
        return prepareWrite(
          this.codec,
          {
            namespace,
            key: e.key,
            value: e.value,
            valueType: e.valueType,
            tags: e.tags,
            metadata: e.metadata,
            ...(e.expiresAt ? { expiresAt: e.expiresAt } : {}),
            provenance: e.provenance,
            ...(opts.overwrite ? {} : { expectedVersion: 0 }),
          },
          this.isSealed(namespace),
          now,
        );
      });
      for (const w of writes) await this.write(c, w, owed);
      if (move) await this.clear(c, from, opts.provenance ?? {});
      return { copied: writes.length };
    }).finally(() => {
      this.cache?.invalidate(from);
      this.cache?.invalidate(to);
    });
    await this.embedOwed(owed);
    return result;
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
    const rows = parseExport(this.codec, (ns) => this.isSealed(ns), document);
    const now = Date.now();
    const live = rows.filter((r) => !r.expiresAt || r.expiresAt.getTime() > now);
    const touched = new Map<string, number>();
    try {
      return await inTransaction(this.pool, async (c) => {
        let imported = 0;
        for (const row of live) {
          if (!(await importRow(c, row, VERSION_COLUMNS))) continue;
          // Imported entries owe an embedding: the next successful embeddings (or embedPending) add it.
          if (this.embedder && row.stored.keyId === null) {
            await c.query('UPDATE memory_entry SET embedding_pending = true WHERE namespace = $1 AND key = $2', [
              row.namespace,
              row.key,
            ]);
          }
          imported++;
          touched.set(row.namespace, (touched.get(row.namespace) ?? 0) + 1);
        }
        for (const [namespace, count] of touched) {
          await this.announce(c, 'memory.import', { namespace, count, actor: opts.provenance ?? {} });
        }
        return { imported, unchanged: live.length - imported, expired: rows.length - live.length };
      });
    } finally {
      for (const namespace of touched.keys()) this.cache?.invalidate(namespace);
    }
  }

  /**
   * Deletes entries whose expiry is at or before `cutoff` (default: now), `batchSize` rows per
   * committed transaction, announcing `memory.expire` per namespace. Returns how many went.
   */
  async expire(cutoff: Date = new Date(), batchSize = 1000): Promise<number> {
    const expired = await expireEntries(this.pool, cutoff, batchSize);
    for (const namespace of expired.namespaces) this.cache?.invalidate(namespace);
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
      if ((await this.currentVersion(c, namespace, key)) > 0) return { saved: false, removed: 0 };
      await this.write(c, w, owed);
      const gone = await c.query<{ key: string; version: number }>(
        `DELETE FROM memory_entry e WHERE e.namespace = $1 AND ${LIVE}
            AND (e.key, e.version) IN (SELECT * FROM unnest($2::text[], $3::int[])) RETURNING e.key, e.version`,
        [namespace, sources.map((s) => s.key), sources.map((s) => s.version)],
      );
      for (const row of gone.rows) {
        await this.announce(c, 'memory.delete', {
          namespace,
          key: row.key,
          version: row.version,
          actor: input.provenance ?? {},
        });
      }
      return { saved: true, removed: gone.rows.length };
    }).finally(() => this.cache?.invalidate(namespace));
    await this.embedOwed(owed);
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
            score: row.text_rank + row.key_similarity,
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
    const current = this.ring.current;
    if (!current) throw conflict('no CLAUDE_FLOW_MEMORY_KEY is configured: there is no key to rotate to');
    const rotated = { entries: 0, versions: 0 };
    for (const table of ['memory_entry', 'memory_entry_version'] as const) {
      for (;;) {
        const n = await inTransaction(this.pool, (c) => this.rotateBatch(c, table, current.id, batchSize));
        if (n === 0) break;
        rotated[table === 'memory_entry' ? 'entries' : 'versions'] += n;
      }
    }
    return rotated;
  }

  private async rotateBatch(c: Queryable, table: string, currentId: string, limit: number): Promise<number> {
    const names =
      table === 'memory_entry'
        ? 'r.namespace, r.key'
        : '(SELECT namespace FROM memory_entry WHERE id = r.entry_id) AS namespace, (SELECT key FROM memory_entry WHERE id = r.entry_id) AS key';
    const r = await c.query<{
      id: string;
      namespace: string;
      key: string;
      value: Buffer;
      compressed: boolean;
      key_id: string;
      metadata: Record<string, unknown>;
    }>(
      `SELECT r.id, ${names}, r.value, r.compressed, r.key_id, r.metadata FROM ${table} r
        WHERE r.key_id IS NOT NULL AND r.key_id <> $1 LIMIT $2 FOR UPDATE`,
      [currentId, limit],
    );
    for (const row of r.rows) {
      // The stored bytes stay compressed (or not) as they were: only the sealing changes.
      const reseal = (data: Buffer) =>
        seal(this.ring, row.namespace, row.key, open(this.ring, row.key_id, row.namespace, row.key, data));
      const value = reseal(row.value);
      const metadata = reseal(Buffer.from(String(row.metadata.sealed), 'base64'));
      await c.query(
        `UPDATE ${table} SET value = $2, key_id = $3, stored_size = $4, metadata = $5::jsonb WHERE id = $1`,
        [
          row.id,
          value.data,
          value.keyId,
          value.data.length,
          JSON.stringify({ sealed: metadata.data.toString('base64') }),
        ],
      );
    }
    return r.rows.length;
  }
}

const nameOf = (w: { namespace: string; key: string }) => `${w.namespace}\u0000${w.key}`;
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
