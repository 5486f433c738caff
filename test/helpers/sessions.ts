// What session tests share: starting a session workflow directly (bypassing the API's checks),
// sending a message, waiting for a state, and a real git repository to roll back in.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { session } from '../../workflows';
import type { SessionInput } from '../../workflows/contract/session';
import { sendMessageUpdate } from '../../workflows/contract/session-messages';
import type { TestApp } from './stack';

/** Starts sessions owned by alice, with ids `<prefix><n>-<time>`. */
export function sessionStarter(app: () => TestApp, prefix: string) {
  let n = 0;
  return async (extra: Partial<SessionInput> = {}): Promise<{ id: string; h: WorkflowHandle<typeof session> }> => {
    const id = `${prefix}${++n}-${Date.now()}`;
    const h = await app().client.workflow.start(session, {
      taskQueue: app().config.temporal.taskQueue,
      workflowId: `session-${id}`,
      args: [{ sessionId: id, title: `Session ${n}`, owner: 'alice', ...extra }],
    });
    return { id, h };
  };
}

export const send = (h: WorkflowHandle, text: string) => h.executeUpdate(sendMessageUpdate, { args: [{ text }] });

/** Polls `fn` until `ok` holds (or the time is up: the caller's expectation then says what is wrong). */
export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const gitIn = (dir: string, ...args: string[]) =>
  execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();

/** A git repository with one commit ("feat: version 1" of app.ts). */
export function gitRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-repo-'));
  gitIn(dir, 'init', '-q', '-b', 'main');
  gitIn(dir, 'config', 'user.email', 't@example.com');
  gitIn(dir, 'config', 'user.name', 'Test');
  fs.writeFileSync(path.join(dir, 'app.ts'), 'export const version = 1;\n');
  gitIn(dir, 'add', '.');
  gitIn(dir, 'commit', '-q', '-m', 'feat: version 1');
  return dir;
}

/** Commits a new version of app.ts. */
export function commitVersion(dir: string, version: number): void {
  fs.writeFileSync(path.join(dir, 'app.ts'), `export const version = ${version};\n`);
  gitIn(dir, 'commit', '-q', '-am', `v${version}`);
}
