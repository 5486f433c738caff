// The embedding queue. With an embedding provider, every write of an unsealed entry clears its
// embedding and marks it pending in the write's transaction; once that commits, the entry is
// embedded and the mark cleared (matching the version, so a newer write is never given an older
// value's vector). When the provider fails the write stands and the mark stays: the next
// successful embedding drains a few pending entries, and `embedPending` does the rest.
import type pg from 'pg';
import { searchText } from './codec';
import { EMBED_BATCH, embeddingText, type Embedder } from './embeddings';
import { ENTRY_COLUMNS, valueOf, type EntryRow } from './rows';
import type { KeyRing } from './seal';
import { LIVE } from './sql';

/** An embedding owed by a committed write. */
export interface Owed {
  id: string;
  version: number;
  text: string;
}

/** Pending entries embedded after each successful embedding (bounds the extra work per write). */
export const DRAIN_PER_WRITE = 16;

export class EmbedQueue {
  /** @param embedder undefined: no embedding provider; nothing is ever owed. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly ring: KeyRing,
    readonly embedder: Embedder | undefined,
  ) {}

  /** True when writes of unsealed entries owe an embedding. */
  get enabled(): boolean {
    return this.embedder !== undefined;
  }

  /** What a write of an unsealed entry owes once it commits. */
  owed(id: string, version: number, w: { key: string; tags: string[]; valueText: string }): Owed {
    return { id, version, text: embeddingText(w.key, w.tags, w.valueText) };
  }

  /**
   * Embeds what committed writes owe, then (if that worked) up to DRAIN_PER_WRITE pending entries.
   * Never throws: on a provider failure the entries stay marked pending.
   */
  async embedOwed(owed: Owed[]): Promise<void> {
    if (!this.embedder || owed.length === 0) return;
    if (await this.storeEmbeddings(owed)) await this.embedBatch(DRAIN_PER_WRITE, false).catch(() => 0);
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
}
