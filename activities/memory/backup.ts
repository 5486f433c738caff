// Scheduled backups: the export document of all memory, written to a file in the backup directory
// (first to a temporary name, then renamed, so a file with the final name is always complete),
// keeping the newest `keep` files.
import fs from 'node:fs';
import path from 'node:path';
import type { MemoryStore } from '../../lib/memory';

export const BACKUP_PREFIX = 'claude-flow-memory-';
export const BACKUP_SUFFIX = '.jsonl';

export interface BackupResult {
  file: string;
  entries: number;
  bytes: number;
  /** Older backups deleted to keep the configured number. */
  removed: string[];
}

/** `claude-flow-memory-2026-11-25T10-00-00-000Z.jsonl`: names sort in time order. */
export function backupName(at: Date): string {
  return `${BACKUP_PREFIX}${at.toISOString().replace(/[:.]/g, '-')}${BACKUP_SUFFIX}`;
}

/** Writes one backup of every live entry and deletes the oldest beyond `keep`. */
export async function writeBackup(memory: MemoryStore, dir: string, keep: number, at: Date): Promise<BackupResult> {
  await fs.promises.mkdir(dir, { recursive: true });
  const file = path.join(dir, backupName(at));
  const tmp = `${file}.partial`;
  const out = fs.createWriteStream(tmp);
  let lines = 0;
  try {
    for await (const line of memory.export()) {
      if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      lines++;
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    await fs.promises.rename(tmp, file);
  } catch (err) {
    out.destroy();
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  const backups = (await fs.promises.readdir(dir))
    .filter((n) => n.startsWith(BACKUP_PREFIX) && n.endsWith(BACKUP_SUFFIX))
    .sort();
  const removed = backups.slice(0, Math.max(0, backups.length - keep));
  for (const name of removed) await fs.promises.rm(path.join(dir, name), { force: true });
  return { file, entries: lines - 1, bytes: (await fs.promises.stat(file)).size, removed };
}
