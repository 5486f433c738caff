// This process's index of memory embeddings, for semantic search without a database extension
// (PostgreSQL has no vector index of its own, and the embedded one has no pgvector). A worker
// thread (vector-worker.cjs) holds an HNSW graph (usearch) that finds candidates and every vector
// at full precision that scores them exactly; this side keeps it in step with the database.
//
// Loading: the first semantic search starts it (in the background; until it is done, search
// compares in SQL as before). Every embedded entry of the model and dimension is read, by id.
//
// Keeping up: a trigger stamps `embedding_xid` (the writing transaction's id) on every change of an
// entry's embedding or model, a write clearing it included. Each search first reads the entries
// stamped at or after the horizon: the oldest transaction that was still running at the previous
// read (pg_snapshot_xmin). Everything older had ended by then and was read, so a transaction that
// commits late is read once it commits, and nothing is missed; what is re-read is only skipped.
// Deleted entries are read the same way from memory_embedding_gone, where a trigger notes them
// (kept a day; an index that has not read for half of that loads again). Search also drops a
// candidate the database no longer holds with that embedding when it meets one (a TRUNCATE, say).
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type pg from 'pg';

/** Entries read per round while loading. */
const LOAD_BATCH = 2_000;
/** How long memory_embedding_gone keeps a deleted entry (memory maintenance prunes it). */
export const GONE_RETENTION_HOURS = 24;
/** An index that has not read changes for this long loads again (it may have missed deletions). */
const RELOAD_AFTER_MS = (GONE_RETENTION_HOURS / 2) * 3_600_000;
/** How often a loaded index reads changes when no search asks it to. */
const SYNC_EVERY_MS = 10 * 60_000;

type Reply = { id: number; result?: unknown; error?: string };

export interface Scored {
  /** Entry ids, best first. */
  ids: string[];
  /** Their exact similarity (dot product of unit vectors), in the same order. */
  scores: number[];
}

export interface VectorIndexState {
  state: 'idle' | 'loading' | 'ready';
  model?: string;
  dims?: number;
  /** Vectors held. */
  size: number;
  /** Why the last load failed, while idle after one. */
  error?: string;
}

export class VectorIndex {
  private worker: Worker | undefined;
  private calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextCall = 0;
  private state: VectorIndexState['state'] = 'idle';
  private model: string | undefined;
  private dims: number | undefined;
  private size = 0;
  private error: string | undefined;
  private loading: Promise<void> | undefined;
  /** Transactions at or after this id may not have been read yet (xid8 as text). */
  private horizon = '0';
  /** What was applied for entries stamped at or after the horizon: id -> embedding_xid. */
  private recent = new Map<string, string>();
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  /** When changes were last read (Date.now()). */
  private readAt = 0;
  /** Reads changes now and then between searches, so an idle index does not fall behind. */
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pool: pg.Pool) {}

  /** The index's state, for diagnostics. */
  status(): VectorIndexState {
    return {
      state: this.state,
      size: this.size,
      ...(this.model !== undefined ? { model: this.model, dims: this.dims } : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }

  /**
   * True when the index holds the vectors of `model` with `dims` dimensions; otherwise starts
   * loading them (dropping vectors of another model) and is false until that is done.
   */
  ready(model: string, dims: number): boolean {
    if (this.model === model && this.dims === dims && this.state === 'ready') return true;
    void this.load(model, dims).catch(() => undefined);
    return false;
  }

  /** Loads the vectors of `model` and `dims` (once; a call while loading waits for that load). */
  load(model: string, dims: number): Promise<void> {
    if (this.model === model && this.dims === dims && this.state !== 'idle') return this.loading ?? Promise.resolve();
    const run = this.loadNow(model, dims).then(
      () => {
        if (this.loading !== run) return;
        this.state = 'ready';
        this.timer ??= setInterval(() => void this.sync().catch(() => undefined), SYNC_EVERY_MS).unref();
      },
      (err: unknown) => {
        if (this.loading === run) {
          this.state = 'idle';
          this.error = err instanceof Error ? err.message : String(err);
        }
        throw err;
      },
    );
    this.loading = run;
    return run;
  }

  private async loadNow(model: string, dims: number): Promise<void> {
    this.state = 'loading';
    this.model = model;
    this.dims = dims;
    this.error = undefined;
    this.size = 0;
    this.recent.clear();
    await this.call('init', { dims });
    const start = await this.pool.query<{ h: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS h');
    this.horizon = start.rows[0].h;
    // Read by ranges of ids (a plan of the primary key whatever the estimates: with ORDER BY id
    // LIMIT, PostgreSQL took cardinality(embedding) = n for rare and sorted the whole table per
    // batch at 1,000,000 entries). The next range is read while the thread adds the last one.
    const top = await this.pool.query<{ last: string | null }>('SELECT max(id)::text AS last FROM memory_entry');
    const last = BigInt(top.rows[0].last ?? 0);
    let adding: Promise<void> = Promise.resolve();
    for (let from = 0n; from < last; from += BigInt(LOAD_BATCH)) {
      const r = await this.pool.query<{ id: string; xid: string; embedding: number[] }>(
        `SELECT id, embedding_xid::text AS xid, embedding FROM memory_entry
          WHERE id > $1 AND id <= $1::bigint + ${LOAD_BATCH} AND embedding IS NOT NULL AND embedding_model = $2`,
        [from.toString(), model],
      );
      await adding;
      const rows = r.rows.filter((row) => row.embedding.length === dims);
      adding = this.upsert(rows);
      adding.catch(() => undefined); // awaited on the next round; not unhandled meanwhile
    }
    await adding;
    await this.catchUp();
  }

  /**
   * Reads every change since the last read into the index. Calls while one is running share the
   * next one, so a change committed before a call is always in the index once it returns.
   */
  async sync(): Promise<void> {
    if (this.state !== 'ready') return;
    if (Date.now() - this.readAt > RELOAD_AFTER_MS) {
      this.state = 'idle';
      throw new Error(
        `the vector index had not read changes for ${GONE_RETENTION_HOURS / 2} hours; it is loaded again`,
      );
    }
    if (this.syncing) {
      this.syncAgain = true;
      while (this.syncing !== undefined) await this.syncing;
      return;
    }
    this.syncing = (async () => {
      try {
        do {
          this.syncAgain = false;
          await this.catchUp();
        } while (this.syncAgain);
      } finally {
        this.syncing = undefined;
      }
    })();
    await this.syncing;
  }

  private async catchUp(): Promise<void> {
    const r = await this.pool.query<{ id: string; xid: string; usable: boolean; h: string; back: boolean }>(
      `WITH s AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS h)
       SELECT e.id, e.embedding_xid::text AS xid, s.h::text AS h, s.h < $1::xid8 AS back,
              (e.embedding IS NOT NULL AND e.embedding_model IS NOT DISTINCT FROM $2 AND cardinality(e.embedding) = $3) AS usable
         FROM s LEFT JOIN memory_entry e ON e.embedding_xid >= $1::xid8
       UNION ALL
       SELECT g.id, g.xid::text, s.h::text, s.h < $1::xid8, false
         FROM s JOIN memory_embedding_gone g ON g.xid >= $1::xid8`,
      [this.horizon, this.model, this.dims],
    );
    const h = r.rows[0].h;
    if (r.rows[0].back) {
      // The database's transaction ids went back: another database (a restore, a new cluster).
      this.state = 'idle';
      throw new Error('the database changed under the vector index; it is loaded again');
    }
    const gone: string[] = [];
    const fetch: string[] = [];
    for (const row of r.rows) {
      if (row.id === null || this.recent.get(row.id) === row.xid) continue;
      if (row.usable) fetch.push(row.id);
      else {
        gone.push(row.id);
        this.recent.set(row.id, row.xid);
      }
    }
    if (gone.length > 0) await this.remove(gone);
    for (let i = 0; i < fetch.length; i += LOAD_BATCH) {
      const v = await this.pool.query<{ id: string; xid: string; embedding: number[] | null; usable: boolean }>(
        `SELECT id, embedding_xid::text AS xid, embedding,
                (embedding IS NOT NULL AND embedding_model IS NOT DISTINCT FROM $2 AND cardinality(embedding) = $3) AS usable
           FROM memory_entry WHERE id = ANY($1::bigint[])`,
        [fetch.slice(i, i + LOAD_BATCH), this.model, this.dims],
      );
      const usable = v.rows.filter((row) => row.usable) as { id: string; xid: string; embedding: number[] }[];
      await this.upsert(usable);
      const held = new Set(usable.map((row) => row.id));
      const dropped = fetch.slice(i, i + LOAD_BATCH).filter((id) => !held.has(id));
      if (dropped.length > 0) await this.remove(dropped);
      for (const row of v.rows) if (!row.usable) this.recent.set(row.id, row.xid);
    }
    this.horizon = h;
    this.readAt = Date.now();
    const horizon = BigInt(h);
    for (const [id, xid] of this.recent) if (BigInt(xid) < horizon) this.recent.delete(id);
  }

  private async upsert(rows: { id: string; xid: string | null; embedding: number[] }[]): Promise<void> {
    if (rows.length === 0) return;
    const dims = this.dims ?? 0;
    const keys = new BigUint64Array(rows.length);
    const vectors = new Float32Array(rows.length * dims);
    rows.forEach((row, i) => {
      keys[i] = BigInt(row.id);
      vectors.set(row.embedding, i * dims);
      if (row.xid !== null && BigInt(row.xid) >= BigInt(this.horizon)) this.recent.set(row.id, row.xid);
    });
    this.size = (await this.call('upsert', { keys, vectors }, [keys.buffer, vectors.buffer])) as number;
  }

  /** Drops `ids` from the index (the entries are gone, or their embeddings changed). */
  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0 || !this.worker) return;
    const keys = BigUint64Array.from(ids.map((id) => BigInt(id)));
    this.size -= (await this.call('remove', { keys }, [keys.buffer])) as number;
  }

  /** Up to `k` entries nearest `vector` by the graph (approximate), scored exactly, best first. */
  async search(vector: number[], k: number): Promise<Scored> {
    return this.scored(await this.call('search', { vector: Float32Array.from(vector), k }));
  }

  /** The exact score of each of `ids` the index holds, best first. */
  async score(vector: number[], ids: string[]): Promise<Scored> {
    const keys = BigUint64Array.from(ids.map((id) => BigInt(id)));
    return this.scored(await this.call('score', { vector: Float32Array.from(vector), keys }, [keys.buffer]));
  }

  private scored(r: unknown): Scored {
    const { keys, scores } = r as { keys: BigUint64Array; scores: Float64Array };
    return { ids: Array.from(keys, (k) => k.toString()), scores: Array.from(scores) };
  }

  /** Stops the worker thread; the index is empty and idle again. */
  close(): void {
    const worker = this.worker;
    this.worker = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    this.state = 'idle';
    this.model = undefined;
    this.size = 0;
    for (const c of this.calls.values()) c.reject(new Error('the vector index was closed'));
    this.calls.clear();
    void worker?.terminate();
  }

  private call(op: string, args: object, transfer: ArrayBuffer[] = []): Promise<unknown> {
    const worker = this.worker ?? this.start();
    const id = this.nextCall++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      worker.postMessage({ id, op, ...args }, transfer);
    });
  }

  private start(): Worker {
    const worker = new Worker(path.join(__dirname, 'vector-worker.cjs'));
    worker.unref();
    worker.on('message', (m: Reply) => {
      const c = this.calls.get(m.id);
      if (!c) return;
      this.calls.delete(m.id);
      if (m.error !== undefined) c.reject(new Error(`vector index: ${m.error}`));
      else c.resolve(m.result);
    });
    const fail = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.state = 'idle';
      this.model = undefined;
      this.error = `the vector index thread stopped (${err.message})`;
      for (const c of this.calls.values()) c.reject(err);
      this.calls.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }
}
