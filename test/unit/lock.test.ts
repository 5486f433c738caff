import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AlreadyRunningError, StackLock } from '../../stack/lock';

const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cf-lock-'));

test('a second start fails at once while the first holds the lock', () => {
  const dir = dataDir();
  const first = StackLock.acquire(dir);
  const other = spawn('sleep', ['30']);
  // Pretend another live process holds it.
  fs.writeFileSync(first.file, JSON.stringify({ pid: other.pid, startedAt: 'then', children: [] }));
  expect(() => StackLock.acquire(dir)).toThrow(AlreadyRunningError);
  expect(() => StackLock.acquire(dir)).toThrow(`pid ${other.pid}`);
  other.kill();
});

test('a stale lock is taken over and the children it recorded are stopped', async () => {
  const dir = dataDir();
  const dead = spawn('true');
  await new Promise((r) => dead.once('exit', r));
  // A leftover child whose command line carries the recorded name.
  const orphan = spawn('sleep', ['30']);
  fs.writeFileSync(
    path.join(dir, 'claude-flow.lock'),
    JSON.stringify({ pid: dead.pid, startedAt: 'then', children: [{ name: 'sleep', pid: orphan.pid }] }),
  );
  const exited = new Promise((r) => orphan.once('exit', r));
  const lock = StackLock.acquire(dir);
  await exited;
  expect(JSON.parse(fs.readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
  lock.release();
  expect(fs.existsSync(lock.file)).toBe(false);
});
