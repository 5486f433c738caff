// The files of custom workflow definitions (`<workspace>/.claude-flow/workflows/<name>.yaml`) as the
// API edits them: the files on disk stay the truth, and this module only reads and writes them —
// with a content hash for every read, a stale write refused (409 with the current text), every write
// atomic (a temp file in the same directory, fsync, rename), names that can never leave the
// directory, and every change kept as a version in PostgreSQL (definition_version) and announced on
// the live channel `definitions`.
//
// Several API copies may share one workspace: every change of one name happens under a PostgreSQL
// advisory lock of that name, and the file is read again under the lock, so a change is recorded and
// announced once, whichever copy (or watcher, definitions-watcher.ts) sees it first.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { ProblemError, badRequest, conflict, contentTooLarge, notFound } from '../errors';
import { publish } from '../live';
import { DEFINITIONS_SUBDIR, definitionsDir, sha256 } from './load';
import { NAME_PATTERN } from './schema';
import {
  MAX_DEFINITION_BYTES,
  summarizeDefinition,
  type DefinitionProblem,
  type DefinitionSummary,
  type ValidateOptions,
} from './validate';

/** The live channel of definition changes. */
export const DEFINITIONS_CHANNEL = 'definitions';
/** The type of every event on it. */
export const DEFINITION_EVENT = 'definition.changed';

export type DefinitionChange = 'created' | 'changed' | 'deleted' | 'renamed';
export type VersionAction = 'created' | 'saved' | 'renamed' | 'restored' | 'deleted' | 'disk';

/** What a `definitions` live event carries. */
export interface DefinitionEvent {
  name: string;
  /** The new text's sha256; for a deletion, the hash of the text that was deleted. */
  hash: string;
  change: DefinitionChange;
  /** For a rename: the old name. */
  from?: string;
  /** Who made the change ("disk" for a change made outside the API). */
  author: string;
  /** The version row the change was kept as. */
  versionId: string;
}

export interface DefinitionFile {
  name: string;
  /** Relative to the workspace, e.g. .claude-flow/workflows/deploy.yaml */
  file: string;
  text: string;
  hash: string;
  updatedAt: string;
}

export interface VersionSummary {
  id: string;
  name: string;
  hash: string;
  action: VersionAction;
  author: string;
  createdAt: string;
}

export interface Version extends VersionSummary {
  text: string;
}

type Db = Pick<pg.Pool, 'query'>;
type Tx = pg.PoolClient;

const isErrno = (err: unknown, code: string) => (err as NodeJS.ErrnoException | undefined)?.code === code;

/** The text of a definition as a request gives it: a 413 past the size limit, a 400 for a NUL. */
export function checkText(text: string, field = 'text'): void {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_DEFINITION_BYTES) {
    throw contentTooLarge(`${field}: ${bytes} bytes; a workflow file may be at most ${MAX_DEFINITION_BYTES} bytes`);
  }
  if (text.includes('\0')) throw badRequest(`${field}: must not contain the NUL character (U+0000)`);
}

/** A 400 unless `name` is a definition name (the file name without .yaml, never a path). */
export function checkName(name: string, field = 'name'): void {
  if (!NAME_PATTERN.test(name)) {
    throw badRequest(
      `${field}: ${JSON.stringify(name.slice(0, 120))} is not a workflow name: use the file name without .yaml — letters, digits, . _ - (starting with a letter or digit, at most 100, no slashes), e.g. "release"`,
    );
  }
}

/** Writes `text` to `file` atomically: a temp file in the same directory, fsync, then rename (or link, when `exclusive`). */
export function writeAtomic(file: string, text: string, opts: { exclusive?: boolean } = {}): void {
  const dir = path.dirname(file);
  // A dot file ending in .tmp: never listed as a definition (those end in .yaml / .yml).
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let mode = 0o644;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    // a new file
  }
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (opts.exclusive) {
      // link() fails if the name exists: a create never replaces a file made meanwhile.
      fs.linkSync(tmp, file);
      fs.unlinkSync(tmp);
    } else fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Not every file system lets a directory be fsynced; the rename itself is atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const versionRow = (r: {
  id: string;
  name: string;
  hash: string;
  action: VersionAction;
  author: string;
  created_at: Date;
}): VersionSummary => ({
  id: r.id,
  name: r.name,
  hash: r.hash,
  action: r.action,
  author: r.author,
  createdAt: r.created_at.toISOString(),
});

export class DefinitionStore {
  constructor(private readonly deps: { workspaceDir: string; pool: pg.Pool; options: () => ValidateOptions }) {}

  get dir(): string {
    return definitionsDir(this.deps.workspaceDir);
  }

  /** The validation problems of `text` as a definition named `name` (the one checker, checkDefinition). */
  problems(name: string, text: string): DefinitionProblem[] {
    return this.summary(name, text).problems;
  }

  /** Problems, description and step count of `text` as `name`, checked once per text (summarizeDefinition). */
  summary(name: string, text: string): DefinitionSummary {
    return summarizeDefinition(text, name, this.deps.options());
  }

  /**
   * The file of `name`: `<name>.yaml`, or `<name>.yml` when only that exists. Refuses a name that
   * is not one, and a symbolic link that points outside the definitions directory.
   */
  fileOf(name: string, field = 'name'): { abs: string; file: string; exists: boolean; symlink: boolean } {
    checkName(name, field);
    const dir = this.dir;
    for (const ext of ['.yaml', '.yml']) {
      const abs = path.join(dir, `${name}${ext}`);
      // Belt and braces: NAME_PATTERN has no separators, so this always holds.
      if (path.dirname(abs) !== dir) throw badRequest(`${field}: not a file name`);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(abs);
      } catch (err) {
        if (isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      const symlink = st.isSymbolicLink();
      if (symlink) {
        let real: string;
        try {
          real = fs.realpathSync(abs);
        } catch {
          throw badRequest(`${path.join(DEFINITIONS_SUBDIR, name + ext)} is a symbolic link to nothing: remove it`);
        }
        const realDir = fs.realpathSync(dir);
        if (path.dirname(real) !== realDir) {
          throw badRequest(
            `${path.join(DEFINITIONS_SUBDIR, name + ext)} is a symbolic link out of ${DEFINITIONS_SUBDIR}: the API reads and writes only files in that directory`,
          );
        }
      } else if (!st.isFile()) {
        throw badRequest(`${path.join(DEFINITIONS_SUBDIR, name + ext)} is not a regular file`);
      }
      return { abs, file: path.join(DEFINITIONS_SUBDIR, name + ext), exists: true, symlink };
    }
    const abs = path.join(dir, `${name}.yaml`);
    return { abs, file: path.join(DEFINITIONS_SUBDIR, `${name}.yaml`), exists: false, symlink: false };
  }

  /** The names present on disk (without extension), sorted, each once. */
  names(): string[] {
    let files: string[];
    try {
      files = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    const names = files
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => f.replace(/\.ya?ml$/, ''))
      .filter((n) => NAME_PATTERN.test(n));
    return [...new Set(names)].sort();
  }

  /** The current file of `name`, or undefined when there is none. */
  current(name: string): DefinitionFile | undefined {
    const f = this.fileOf(name);
    if (!f.exists) return undefined;
    let text: string;
    let st: fs.Stats;
    try {
      text = fs.readFileSync(f.abs, 'utf8');
      st = fs.statSync(f.abs);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined; // deleted just now
      throw err;
    }
    return { name, file: f.file, text, hash: sha256(text), updatedAt: st.mtime.toISOString() };
  }

  /** The current file of `name`, or a 404 naming the definitions there are. */
  read(name: string): DefinitionFile {
    const cur = this.current(name);
    if (cur) return cur;
    const known = this.names();
    throw notFound(
      `No workflow definition "${name}": ${path.join(DEFINITIONS_SUBDIR, `${name}.yaml`)} does not exist` +
        (known.length ? `; defined: ${known.slice(0, 50).join(', ')}` : ''),
    );
  }

  /** One transaction holding the advisory locks of `names` (in a fixed order, so two never deadlock). */
  private async locked<T>(names: string[], fn: (tx: Tx) => Promise<T>): Promise<T> {
    const tx = await this.deps.pool.connect();
    try {
      await tx.query('BEGIN');
      for (const n of [...new Set(names)].sort()) {
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`cf-definition:${n}`]);
      }
      const out = await fn(tx);
      await tx.query('COMMIT');
      return out;
    } catch (err) {
      await tx.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      tx.release();
    }
  }

  /** The newest version of `name`. */
  private async latest(db: Db, name: string): Promise<(VersionSummary & { text: string }) | undefined> {
    const r = await db.query(
      `SELECT id::text, name, hash, text, action, author, created_at FROM definition_version
        WHERE name = $1 ORDER BY id DESC LIMIT 1`,
      [name],
    );
    return r.rows[0] ? { ...versionRow(r.rows[0]), text: r.rows[0].text as string } : undefined;
  }

  private async insert(
    db: Db,
    name: string,
    text: string,
    action: VersionAction,
    author: string,
  ): Promise<VersionSummary> {
    const r = await db.query(
      `INSERT INTO definition_version (name, hash, text, action, author) VALUES ($1, $2, $3, $4, $5)
       RETURNING id::text, name, hash, action, author, created_at`,
      [name, sha256(text), text, action, author],
    );
    return versionRow(r.rows[0]);
  }

  /** Keeps the current text as a version (author "disk") when the newest version is not it. */
  private async baseline(db: Db, cur: DefinitionFile): Promise<void> {
    const last = await this.latest(db, cur.name);
    if (!last || last.action === 'deleted' || last.hash !== cur.hash)
      await this.insert(db, cur.name, cur.text, 'disk', 'disk');
  }

  private async announce(db: Db, event: DefinitionEvent): Promise<void> {
    await publish(db, DEFINITIONS_CHANNEL, DEFINITION_EVENT, event);
  }

  private stale(cur: DefinitionFile, baseHash: string | undefined): ProblemError {
    return new ProblemError(
      409,
      'Conflict',
      `${cur.file} changed since it was read (its hash is ${cur.hash.slice(0, 12)}…, not ${
        baseHash ? `${baseHash.slice(0, 12)}…` : 'the one given'
      }): merge your edit into the current text (here as current.text) and save again with current.hash as baseHash`,
      { current: { text: cur.text, hash: cur.hash, updatedAt: cur.updatedAt } },
    );
  }

  /** Creates `<name>.yaml`; 409 when the definition exists. */
  async create(
    name: string,
    text: string,
    author: string,
    action: 'created' | 'restored' = 'created',
  ): Promise<DefinitionFile & { versionId: string }> {
    checkText(text);
    const f = this.fileOf(name);
    return this.locked([name], async (tx) => {
      const existing = this.current(name);
      if (existing) throw this.exists(existing);
      fs.mkdirSync(this.dir, { recursive: true });
      try {
        writeAtomic(f.abs, text, { exclusive: true });
      } catch (err) {
        if (isErrno(err, 'EEXIST')) throw conflict(`${f.file} already exists: choose another name, or open it`);
        throw err;
      }
      const v = await this.insert(tx, name, text, action, author);
      await this.announce(tx, { name, hash: v.hash, change: 'created', author, versionId: v.id });
      return { ...this.read(name), versionId: v.id };
    });
  }

  private exists(cur: DefinitionFile): ProblemError {
    return new ProblemError(409, 'Conflict', `${cur.file} already exists: choose another name, or open it`, {
      current: { text: cur.text, hash: cur.hash, updatedAt: cur.updatedAt },
    });
  }

  /** Saves `text` over `name` read at `baseHash`; 409 with the current text when the file changed since. */
  async save(
    name: string,
    text: string,
    baseHash: string,
    author: string,
    action: 'saved' | 'restored' = 'saved',
  ): Promise<DefinitionFile & { versionId?: string; unchanged?: boolean }> {
    checkText(text);
    const f = this.fileOf(name);
    if (f.symlink) throw badRequest(`${f.file} is a symbolic link: edit the file it points to`);
    return this.locked([name], async (tx) => {
      const cur = this.read(name);
      if (cur.hash !== baseHash) throw this.stale(cur, baseHash);
      if (cur.text === text) return { ...cur, unchanged: true };
      await this.baseline(tx, cur);
      writeAtomic(f.abs, text);
      const v = await this.insert(tx, name, text, action, author);
      await this.announce(tx, { name, hash: v.hash, change: 'changed', author, versionId: v.id });
      return { ...this.read(name), versionId: v.id };
    });
  }

  /** Renames `name` to `to` (its versions go along); 409 when `to` exists or the file changed since. */
  async rename(
    name: string,
    to: string,
    baseHash: string,
    author: string,
  ): Promise<DefinitionFile & { versionId: string }> {
    const f = this.fileOf(name);
    const t = this.fileOf(to, 'to');
    if (name === to) throw badRequest(`to: "${to}" is the definition's name already`);
    if (f.symlink) throw badRequest(`${f.file} is a symbolic link: rename the file it points to`);
    return this.locked([name, to], async (tx) => {
      const cur = this.read(name);
      if (cur.hash !== baseHash) throw this.stale(cur, baseHash);
      const there = this.current(to);
      if (there) throw conflict(`${there.file} already exists: choose another name, or delete that one first`);
      await this.baseline(tx, cur);
      const target = path.join(this.dir, `${to}${path.extname(f.abs)}`);
      try {
        // link + unlink: never replaces a file made meanwhile at the new name.
        fs.linkSync(f.abs, target);
      } catch (err) {
        if (isErrno(err, 'EEXIST')) throw conflict(`${t.file} already exists: choose another name`);
        throw err;
      }
      fs.unlinkSync(f.abs);
      fsyncDir(this.dir);
      await tx.query('UPDATE definition_version SET name = $2 WHERE name = $1', [name, to]);
      const v = await this.insert(tx, to, cur.text, 'renamed', author);
      await this.announce(tx, { name: to, from: name, hash: v.hash, change: 'renamed', author, versionId: v.id });
      return { ...this.read(to), versionId: v.id };
    });
  }

  /** Deletes `name` read at `baseHash` (its text is kept as a version); 409 when it changed since. */
  async remove(
    name: string,
    baseHash: string,
    author: string,
  ): Promise<{ name: string; hash: string; versionId: string }> {
    const f = this.fileOf(name);
    return this.locked([name], async (tx) => {
      const cur = this.read(name);
      if (cur.hash !== baseHash) throw this.stale(cur, baseHash);
      await this.baseline(tx, cur);
      fs.unlinkSync(f.abs);
      fsyncDir(this.dir);
      const v = await this.insert(tx, name, cur.text, 'deleted', author);
      await this.announce(tx, { name, hash: cur.hash, change: 'deleted', author, versionId: v.id });
      return { name, hash: cur.hash, versionId: v.id };
    });
  }

  /** Writes an earlier version's text back (a new version itself); recreates a deleted definition. */
  async restore(name: string, id: string, baseHash: string | undefined, author: string) {
    const v = await this.version(name, id);
    if (this.current(name)) {
      if (!baseHash) throw badRequest('baseHash: required when the definition exists (the hash you read it at)');
      return this.save(name, v.text, baseHash, author, 'restored');
    }
    return this.create(name, v.text, author, 'restored');
  }

  async versions(name: string, opts: { hash?: string; limit: number; before?: string }): Promise<VersionSummary[]> {
    checkName(name);
    const r = await this.deps.pool.query(
      `SELECT id::text, name, hash, action, author, created_at FROM definition_version
        WHERE name = $1 AND ($2::text IS NULL OR hash = $2) AND ($3::bigint IS NULL OR id < $3)
        ORDER BY id DESC LIMIT $4`,
      [name, opts.hash ?? null, opts.before ?? null, opts.limit],
    );
    return r.rows.map(versionRow);
  }

  async version(name: string, id: string): Promise<Version> {
    checkName(name);
    if (!/^[1-9][0-9]{0,17}$/.test(id))
      throw badRequest(`id: "${id.slice(0, 40)}" is not a version id (a number from GET …/versions)`);
    const r = await this.deps.pool.query(
      `SELECT id::text, name, hash, text, action, author, created_at FROM definition_version WHERE name = $1 AND id = $2`,
      [name, id],
    );
    if (!r.rows[0])
      throw notFound(`Definition "${name}" has no version ${id}: list them with GET …/definitions/${name}/versions`);
    return { ...versionRow(r.rows[0]), text: r.rows[0].text as string };
  }

  /**
   * A rename seen on disk (`mv a.yaml b.yaml`: `from` went away and `to` appeared with the text `from`
   * had): the versions go along, as with a rename through the API. Undefined when it is not that (any
   * more) — the caller records the two names as separate changes then.
   */
  async recordDiskRename(from: string, to: string): Promise<DefinitionEvent | undefined> {
    return this.locked([from, to], async (tx) => {
      let there: DefinitionFile | undefined;
      try {
        if (this.current(from)) return undefined;
        there = this.current(to);
      } catch (err) {
        if (err instanceof ProblemError) return undefined;
        throw err;
      }
      const last = await this.latest(tx, from);
      if (!there || !last || last.action === 'deleted' || last.hash !== there.hash) return undefined;
      const target = await this.latest(tx, to);
      if (target && target.action !== 'deleted') return undefined; // `to` is a definition of its own
      await tx.query('UPDATE definition_version SET name = $2 WHERE name = $1', [from, to]);
      const v = await this.insert(tx, to, there.text, 'renamed', 'disk');
      const event: DefinitionEvent = {
        name: to,
        from,
        hash: v.hash,
        change: 'renamed',
        author: 'disk',
        versionId: v.id,
      };
      await this.announce(tx, event);
      return event;
    });
  }

  /**
   * A change seen on disk (by the watcher): read again under the name's lock and kept as a version
   * (author "disk") and announced — unless it is already the newest version (a write through the
   * API, or another API copy's watcher, got there first). `quietFirstSight`: a file never seen before
   * is kept as a version but not announced (the watcher's first scan when the API starts).
   */
  async recordDisk(name: string, opts: { quietFirstSight?: boolean } = {}): Promise<DefinitionEvent | undefined> {
    return this.locked([name], async (tx) => {
      let cur: DefinitionFile | undefined;
      try {
        cur = this.current(name);
      } catch (err) {
        if (err instanceof ProblemError) return undefined; // a symbolic link out: not ours to record
        throw err;
      }
      if (cur && Buffer.byteLength(cur.text) > MAX_DEFINITION_BYTES) return undefined;
      if (cur?.text.includes('\0')) return undefined;
      const last = await this.latest(tx, name);
      const present = last !== undefined && last.action !== 'deleted';
      let event: DefinitionEvent | undefined;
      if (cur) {
        if (present && last.hash === cur.hash) return undefined;
        const v = await this.insert(tx, name, cur.text, 'disk', 'disk');
        event = { name, hash: v.hash, change: present ? 'changed' : 'created', author: 'disk', versionId: v.id };
      } else {
        if (!present) return undefined;
        const v = await this.insert(tx, name, last.text, 'deleted', 'disk');
        event = { name, hash: last.hash, change: 'deleted', author: 'disk', versionId: v.id };
      }
      if (!(opts.quietFirstSight && !last)) await this.announce(tx, event);
      return event;
    });
  }
}
