// One embedded stack per data directory: a lock file naming the owner and its children.
// A stale lock (owner gone, e.g. after kill -9) is taken over, and children it left behind are
// stopped first so they do not hold the ports and data files.
import fs from 'node:fs';
import path from 'node:path';

interface LockContents {
  pid: number;
  startedAt: string;
  children: { name: string; pid: number }[];
}

export class AlreadyRunningError extends Error {
  override name = 'AlreadyRunningError';
}

function alive(pid: number): boolean {
  try {
    // A zombie has exited; it only waits for its parent to collect it.
    if (fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) return false;
  } catch {
    // no /proc (not Linux), or the process is gone: fall through
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export class StackLock {
  private contents: LockContents;

  private constructor(
    readonly file: string,
    contents: LockContents,
  ) {
    this.contents = contents;
  }

  /** @throws AlreadyRunningError when another live process holds the lock. */
  static acquire(dataDir: string, log: (line: string) => void = () => undefined): StackLock {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, 'claude-flow.lock');
    const contents: LockContents = { pid: process.pid, startedAt: new Date().toISOString(), children: [] };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify(contents), { flag: 'wx' });
        return new StackLock(file, contents);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let held: LockContents | undefined;
      try {
        held = JSON.parse(fs.readFileSync(file, 'utf8')) as LockContents;
      } catch {
        held = undefined; // torn or empty: its writer died mid-write
      }
      if (held && held.pid !== process.pid && alive(held.pid)) {
        throw new AlreadyRunningError(
          `Claude Flow is already running from ${path.dirname(dataDir)} (pid ${held.pid}, since ${held.startedAt}): ` +
            `use that one, or stop it (Ctrl-C in its terminal, or kill ${held.pid}) before starting again`,
        );
      }
      for (const child of held?.children ?? []) {
        const cmd = commandLine(child.pid);
        if (alive(child.pid) && cmd.includes(child.name)) {
          log(`stopping ${child.name} (pid ${child.pid}) left behind by a previous run`);
          process.kill(child.pid, 'SIGTERM');
          waitForExit(child.pid, 15_000);
        }
      }
      fs.rmSync(file, { force: true });
    }
    throw new AlreadyRunningError(`Could not take the lock ${file}: another start raced this one; try again`);
  }

  addChild(name: string, pid: number): void {
    this.contents.children.push({ name, pid });
    fs.writeFileSync(this.file, JSON.stringify(this.contents));
  }

  /** Names the child `name` now runs as (after a restart), replacing the pid it had. */
  setChild(name: string, pid: number): void {
    this.contents.children = this.contents.children.filter((c) => c.name !== name);
    this.addChild(name, pid);
  }

  release(): void {
    try {
      const held = JSON.parse(fs.readFileSync(this.file, 'utf8')) as LockContents;
      if (held.pid === process.pid) fs.rmSync(this.file, { force: true });
    } catch {
      // already gone
    }
  }
}

function waitForExit(pid: number, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}
