// Time travel that can be trusted, on the real stack with real git repositories: a rollback is all
// or nothing, lands on the checkpoint's commit every time, moves memory versions forward (so a
// stale expectedVersion is refused), and forks never touch their parent (or the reverse).
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { MemoryStore } from '../../lib/memory';
import { checkpointUpdate, forkUpdate, rollbackUpdate, stateQuery } from '../../workflows/contract/session-messages';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { commitVersion, gitIn, gitRepo, send, sessionStarter } from '../helpers/sessions';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(120_000);

let anthropic: FakeServer;
let app: TestApp;
let memory: MemoryStore;

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Noted.' });
  app = await startTestApp({
    env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_MODEL: 'claude-haiku-4-5' },
  });
  memory = new MemoryStore(app.pool, app.config.memory);
});
afterAll(async () => {
  await app?.close();
  await anthropic?.close();
});

const start = sessionStarter(() => app, 'tt');
const git = gitIn;
const commit = commitVersion;

/** Everything a rollback could change: conversation, memory (values and versions), repository. */
async function everything(id: string, h: WorkflowHandle, repo: string) {
  const entries = (await memory.list({ namespace: `sessions/${id}/`, limit: 100 })).entries;
  return {
    messageCount: (await h.query(stateQuery)).messageCount,
    active: await app.prisma.sessionMessage.count({ where: { sessionId: id, active: true } }),
    memory: entries.map((e) => [e.key, e.value, e.version]),
    head: git(repo, 'rev-parse', 'HEAD'),
    branch: git(repo, 'rev-parse', '--abbrev-ref', 'HEAD'),
    branches: git(repo, 'branch', '--list', '--format=%(refname:short)'),
    tree: git(repo, 'status', '--porcelain'),
  };
}

const failureOf = (err: unknown) => (err as { cause?: { cause?: { type?: string; message?: string } } }).cause?.cause;

test('a rollback whose git step cannot run changes nothing (a stale index.lock)', async () => {
  const repo = gitRepo();
  const { id, h } = await start({ project: { path: repo } });
  await send(h, 'one');
  await memory.set({ namespace: `sessions/${id}/`, key: 'plan', value: 'A' });
  const cp = await h.executeUpdate(checkpointUpdate, { args: [{}] });
  await send(h, 'two');
  await memory.set({ namespace: `sessions/${id}/`, key: 'plan', value: 'B' });
  commit(repo, 2);
  fs.writeFileSync(path.join(repo, '.git', 'index.lock'), '');
  const before = await everything(id, h, repo);

  const err = await h.executeUpdate(rollbackUpdate, { args: [cp] }).catch((e: unknown) => e);
  expect(failureOf(err)).toEqual(
    expect.objectContaining({ type: 'DirtyWorkingTree', message: expect.stringContaining('index.lock exists') }),
  );
  expect(await everything(id, h, repo)).toEqual(before);
});

test('a rollback whose memory step fails puts the repository back: all or nothing', async () => {
  const repo = gitRepo();
  const { id, h } = await start({ project: { path: repo } });
  await send(h, 'one');
  await memory.set({ namespace: `sessions/${id}/`, key: 'plan', value: 'A' });
  const cp = await h.executeUpdate(checkpointUpdate, { args: [{}] });
  await send(h, 'two');
  commit(repo, 2);
  // A checkpoint row whose memory holds a name the store refuses: the git step runs, then memory fails.
  const row = await app.prisma.sessionCheckpoint.findUniqueOrThrow({ where: { id: cp.checkpointId } });
  const snapshot = row.memory as { namespaces: string[]; entries: { namespace: string }[] };
  snapshot.entries.push({ ...snapshot.entries[0], namespace: 'not a namespace/' });
  await app.prisma.sessionCheckpoint.update({ where: { id: cp.checkpointId }, data: { memory: snapshot } });
  const before = await everything(id, h, repo);

  const err = await h.executeUpdate(rollbackUpdate, { args: [cp] }).catch((e: unknown) => e);
  expect(failureOf(err)?.type).toBe('InvalidRequest');
  expect(await everything(id, h, repo)).toEqual(before);
});

test('two rollbacks to one checkpoint, with commits in between, both land on its commit', async () => {
  const repo = gitRepo();
  const first = git(repo, 'rev-parse', 'HEAD');
  const { h } = await start({ project: { path: repo } });
  await send(h, 'one');
  const cp = await h.executeUpdate(checkpointUpdate, { args: [{}] });
  commit(repo, 2);
  const a = await h.executeUpdate(rollbackUpdate, { args: [cp] });
  expect(git(repo, 'rev-parse', 'HEAD')).toBe(first);
  commit(repo, 3); // on the branch the first rollback made
  const b = await h.executeUpdate(rollbackUpdate, { args: [cp] });
  expect(git(repo, 'rev-parse', 'HEAD')).toBe(first);
  expect(b.rollback.branch).not.toBe(a.rollback.branch);
  expect(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(b.rollback.branch);
  // The first rollback's branch and its commit are still there: nothing is lost.
  expect(git(repo, 'log', '-1', '--format=%s', a.rollback.branch as string)).toBe('v3');
});

test('rollback moves memory versions forward: a write with a pre-rollback expectedVersion is refused', async () => {
  const { id, h } = await start();
  const ns = `sessions/${id}/`;
  const v1 = await memory.set({ namespace: ns, key: 'plan', value: 'A' });
  const cp = await h.executeUpdate(checkpointUpdate, { args: [{}] });
  const v2 = await memory.set({ namespace: ns, key: 'plan', value: 'B', expectedVersion: v1.version });
  await memory.set({ namespace: ns, key: 'gone', value: 'x' });
  await memory.delete(ns, 'gone');
  const r = await h.executeUpdate(rollbackUpdate, { args: [cp] });
  expect(r.rollback.memory).toEqual({ restored: 1, deleted: 0, expired: 0 });
  const now = await memory.get(ns, 'plan');
  expect(now).toMatchObject({ value: 'A', version: v2.version + 1, provenance: { rollbackOf: cp.checkpointId } });
  // Someone who read version 1 (or 2) before the rollback cannot overwrite the restored value.
  for (const stale of [v1.version, v2.version]) {
    await expect(memory.set({ namespace: ns, key: 'plan', value: 'C', expectedVersion: stale })).rejects.toMatchObject({
      status: 409,
    });
  }
  expect((await memory.get(ns, 'plan'))?.value).toBe('A');
});

test('forks are isolated: neither side writing or rolling back changes the other', async () => {
  const { h } = await start({ settings: { memoryNamespaces: ['code/tt-shared/'] } });
  await send(h, 'one');
  await memory.set({ namespace: 'code/tt-shared/', key: 'style', value: 'tabs' });
  const cp = await h.executeUpdate(checkpointUpdate, { args: [{}] });
  const fork = await h.executeUpdate(forkUpdate, { args: [{ checkpointId: cp.checkpointId }] });
  const child = app.client.workflow.getHandle(fork.workflowId);
  const forkState = await child.query(stateQuery);
  const forkNs = `forks/${fork.sessionId}/code/tt-shared/`;
  expect(forkState.settings.memoryNamespaces).toContain(forkNs);
  expect((await memory.get(forkNs, 'style'))?.value).toBe('tabs');

  const parentBefore = await memory.get('code/tt-shared/', 'style');
  // The fork writes and rolls back: the parent's entry, value and version, stays as it was.
  await memory.set({ namespace: forkNs, key: 'style', value: 'spaces' });
  const forkCp = await child.executeUpdate(checkpointUpdate, { args: [{}] });
  await memory.set({ namespace: forkNs, key: 'later', value: 'fork only' });
  await child.executeUpdate(rollbackUpdate, { args: [forkCp] });
  expect(await memory.get('code/tt-shared/', 'style')).toMatchObject({
    value: 'tabs',
    version: parentBefore?.version,
  });
  expect(await memory.get('code/tt-shared/', 'later')).toBeUndefined();

  // The parent writes and rolls back: the fork's entries stay as they were.
  const forkBefore = await memory.get(forkNs, 'style');
  await memory.set({ namespace: 'code/tt-shared/', key: 'style', value: 'both' });
  await h.executeUpdate(rollbackUpdate, { args: [cp] });
  expect(await memory.get(forkNs, 'style')).toMatchObject({ value: 'spaces', version: forkBefore?.version });
  expect((await memory.get('code/tt-shared/', 'style'))?.value).toBe('tabs');
});
