// Changes made to definition files outside the API (a text editor, git checkout, cp, rm) become
// versions and live events: the API process watches the definitions directory (fs.watch on the
// directory, debounced), re-hashes the files to tell real changes from touches, and hands each
// changed name to the store, which records it once under that name's lock (store.ts recordDisk) —
// a write through the API is already its newest version, so it is not announced twice, and several
// API copies watching one directory record and announce it once between them.
//
// fs.watch can miss events (an editor replacing the directory, a network file system), so the
// directory is also re-scanned every `rescanMs`; until the directory exists it is looked for every
// `missingDirMs`.
import fs from 'node:fs';
import { sha256 } from './load';
import type { DefinitionEvent, DefinitionStore } from './store';

export interface WatcherOptions {
  /** Quiet time after the last file event before scanning. @default 100 */
  debounceMs?: number;
  /** A full scan this often, whatever fs.watch says. @default 30000 */
  rescanMs?: number;
  /** How often to look for the directory while it does not exist. @default 2000 */
  missingDirMs?: number;
  onError?: (err: unknown) => void;
  /** Called with every change recorded (tests, logs). */
  onChange?: (event: DefinitionEvent) => void;
}

export class DefinitionWatcher {
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  /** name → hash (null: not readable as a definition) as of the last scan. */
  private seen = new Map<string, string | null>();
  private running: Promise<void> = Promise.resolve();
  private first = true;
  private closed = false;

  constructor(
    private readonly store: DefinitionStore,
    private readonly opts: WatcherOptions = {},
  ) {}

  /** Starts watching; resolves after the first scan (every file present is then a version). */
  async start(): Promise<void> {
    this.interval = setInterval(() => this.kick(0), this.opts.rescanMs ?? 30_000);
    this.interval.unref();
    this.watch();
    this.running = this.scan().catch((err: unknown) => this.opts.onError?.(err));
    await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.interval);
    this.watcher?.close();
    await this.running;
  }

  /** Resolves when the scans asked for so far are done. */
  idle(): Promise<void> {
    return this.running;
  }

  private watch(): void {
    if (this.watcher || this.closed) return;
    try {
      this.watcher = fs.watch(this.store.dir, { persistent: false }, () => this.kick(this.opts.debounceMs ?? 100));
      this.watcher.on('error', () => {
        // The directory went away (or the watch broke): look for it again at the next scan.
        this.watcher?.close();
        this.watcher = undefined;
        this.kick(0);
      });
    } catch {
      // No directory yet: the next scan tries again.
    }
  }

  private kick(delay: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.running.then(() => this.scan()).catch((err: unknown) => this.opts.onError?.(err));
    }, delay);
    this.timer.unref?.();
  }

  private async scan(): Promise<void> {
    if (this.closed) return;
    this.watch();
    const now = new Map<string, string | null>();
    for (const name of this.store.names()) {
      let hash: string | null = null;
      try {
        const cur = this.store.current(name);
        if (!cur) continue;
        hash = sha256(cur.text);
      } catch {
        hash = null; // a symbolic link out, or unreadable: not recorded
      }
      now.set(name, hash);
    }
    const changed = new Set<string>();
    for (const [name, hash] of now) if (hash !== null && this.seen.get(name) !== hash) changed.add(name);
    for (const name of this.seen.keys()) if (!now.has(name)) changed.add(name);
    const quietFirstSight = this.first;
    this.first = false;
    // A name gone and a new one with its text: a rename on disk (mv), recorded as one.
    const appeared = new Map<string, string>();
    for (const name of changed) {
      const hash = now.get(name);
      if (hash && !this.seen.has(name)) appeared.set(hash, name);
    }
    for (const name of [...changed]) {
      const was = this.seen.get(name);
      const to = was && !now.has(name) ? appeared.get(was) : undefined;
      if (!to || !changed.has(to)) continue;
      try {
        const event = await this.store.recordDiskRename(name, to);
        if (event) {
          changed.delete(name);
          changed.delete(to);
          this.opts.onChange?.(event);
        }
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
    for (const name of changed) {
      try {
        const event = await this.store.recordDisk(name, { quietFirstSight });
        if (event) this.opts.onChange?.(event);
      } catch (err) {
        // Tried again at the next scan.
        now.delete(name);
        this.opts.onError?.(err);
      }
    }
    this.seen = now;
    // No directory to watch yet: look again soon rather than at the next full rescan.
    if (!this.watcher) this.kick(this.opts.missingDirMs ?? 2000);
  }
}
