// deployPrep on the real dev server with the real worker, against git repositories built here with
// conventional commits and version tags: build, a child testRun (with a flaky test), changelog, next
// version, release notes from the AI fake, the approval gate answered with the approvalDecided
// signal, then a GitHub release on the wire-level GitHub fake (exactly one, even when the response of
// the create is lost) and a webhook carrying an Idempotency-Key. Rejected → no release.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { deployPrepInput, type DeployPrepInput } from '../../workflows/contract/inputs/deploy-prep';
import { deployPrep } from '../../workflows';
import { progressQuery } from '../../workflows/dev/common';
import {
  approvalDecidedSignal,
  decideUpdate,
  endSignal,
  pendingQuery,
  runWorkflowUpdate,
} from '../../workflows/contract/session-messages';
import { session } from '../../workflows';
import { startFakeAnthropic } from '../fakes/anthropic';
import { type FakeGithub, startFakeGithub } from '../fakes/github';
import { type FakeServer, type HttpFake, sendJson, startHttpFake } from '../fakes/http-fake';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(60_000);

let app: TestApp;
let gh: FakeGithub;
let anthropic: FakeServer;
let hook: HttpFake;
/** Answers for the webhook receiver, in order; 200 when empty. */
const hookStatuses: number[] = [];
let n = 0;
const dirs: string[] = [];

beforeAll(async () => {
  gh = await startFakeGithub({ token: 'ghp_deploy' });
  gh.addRepo('acme/widgets');
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Triage: the test expects the wrong value.' });
  hook = await startHttpFake(async ({ res }) => {
    const status = hookStatuses.shift() ?? 200;
    sendJson(res, status, status === 200 ? { received: true } : { error: 'unavailable' }, {});
  });
  app = await startTestApp({
    env: {
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
      GITHUB_TOKEN: 'ghp_deploy',
      GITHUB_API_URL: gh.url,
    },
  });
});
afterAll(async () => {
  await app?.close();
  await gh?.close();
  await anthropic?.close();
  await hook?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const PASSING_TESTS = `const test = require('node:test');
const assert = require('node:assert');
test('adds', () => assert.equal(1 + 1, 2));
test('flaky', () => {
  const f = require('node:path').join(__dirname, '.flaky-count');
  const runs = require('node:fs').existsSync(f) ? Number(require('node:fs').readFileSync(f, 'utf8')) : 0;
  require('node:fs').writeFileSync(f, String(runs + 1));
  if (runs === 0) throw new Error('fails on the first run only');
});
`;

/** A git repository: `history` is a list of commit messages (each adds a file) and `tag:<name>` entries. */
function gitRepo(
  history: string[],
  files: Record<string, string> = {},
): { dir: string; git: (...a: string[]) => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-deploy-'));
  dirs.push(dir);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 'Test');
  git('config', 'commit.gpgsign', 'false');
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  fs.writeFileSync(path.join(dir, '.gitignore'), '.flaky-count\ndist/\n');
  history.forEach((entry, i) => {
    if (entry.startsWith('tag:')) return git('tag', entry.slice(4));
    fs.writeFileSync(path.join(dir, `change-${i}.txt`), entry);
    git('add', '-A');
    git('commit', '-q', '-m', entry);
  });
  return { dir, git };
}

const start = (input: DeployPrepInput) =>
  app.client.workflow.start(deployPrep, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `deploy-${++n}-${Date.now()}`,
    args: [input],
  });

/** Waits for the workflow's approval request and answers it. */
async function decide(h: WorkflowHandle, outcome: 'approved' | 'rejected', decidedBy: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const p = await h.query(progressQuery);
    const pending = p.pendingApprovals[0];
    if (pending) {
      await h.signal(approvalDecidedSignal, {
        requestId: pending.requestId,
        outcome,
        decidedBy,
        decidedAt: new Date().toISOString(),
      });
      return pending;
    }
    if (Date.now() > deadline) throw new Error(`no approval was asked: ${JSON.stringify(p.steps)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const HISTORY = [
  'feat: first version',
  'tag:v1.2.0',
  'feat(api): add tokens',
  'fix: handle empty input\n\nCloses #4.',
  'chore: bump dependencies',
];

test('build → tests (child testRun, flaky) → changelog → 1.3.0 → AI notes → approved → exactly one GitHub release and one webhook', async () => {
  const { dir, git } = gitRepo(HISTORY, {
    'math.test.js': PASSING_TESTS,
    'build.js':
      "require('fs').mkdirSync('dist', { recursive: true }); require('fs').writeFileSync('dist/app.txt', 'built');\n",
  });
  // The first call triages the flaky test (in the child testRun), the second writes the notes.
  anthropic.script(
    { reply: 'The flaky test depends on a counter file.' },
    { reply: 'This release adds API tokens and fixes empty input handling.' },
  );
  // The create's response is lost once: the retried activity must find the release, not make another.
  gh.fault({ kind: 'dieAfterHandling', method: 'POST', path: /\/repos\/acme\/widgets\/releases$/ });
  hookStatuses.push(503);
  const hookBefore = hook.requests.length;

  const h = await start({
    path: dir,
    build: 'node build.js',
    test: { command: 'node --test --test-reporter=tap' },
    release: { github: { repo: 'acme/widgets' }, webhook: { url: `${hook.origin}/releases` } },
  });
  const pending = await decide(h, 'approved', 'alice');
  expect(pending.title).toBe('Release v1.3.0 (GitHub release in acme/widgets and webhook)');
  expect(pending.details).toContain('This release adds API tokens');
  const r = await h.result();

  expect(fs.readFileSync(path.join(dir, 'dist/app.txt'), 'utf8')).toBe('built');
  expect(r).toMatchObject({
    outcome: 'released',
    version: '1.3.0',
    tag: 'v1.3.0',
    previousTag: 'v1.2.0',
    bump: 'minor',
    head: git('rev-parse', 'HEAD'),
    notesSource: 'ai',
    build: { ok: true, exitCode: 0 },
    tests: {
      ok: true,
      passed: 1,
      failed: 0,
      flaky: ['math.test.js > flaky'],
      workflowId: `${h.workflowId}-test`,
      triage: 'The flaky test depends on a counter file.',
    },
    approval: { outcome: 'approved', decidedBy: 'alice' },
  });
  expect(r.commits?.map((c) => c.subject)).toEqual([
    'feat(api): add tokens',
    'fix: handle empty input',
    'chore: bump dependencies',
  ]);
  const sha = (i: number) => git('rev-parse', '--short=7', `HEAD~${i}`);
  const date = new Date().toISOString().slice(0, 10);
  expect(r.changelog).toBe(
    `## v1.3.0 (${date})\n\n### Features\n\n- **api:** add tokens (${sha(2)})\n\n### Bug Fixes\n\n- handle empty input (${sha(1)})\n\n### Other Changes\n\n- bump dependencies (${sha(0)})\n`,
  );
  expect(r.notes).toBe(`This release adds API tokens and fixes empty input handling.\n\n${r.changelog}`);

  // Exactly one release, though the first create's response never arrived.
  const releases = gh.repo('acme/widgets').releases.filter((x) => x.tag_name === 'v1.3.0');
  expect(releases).toHaveLength(1);
  expect(gh.calls().filter((c) => c === 'POST /repos/acme/widgets/releases')).toHaveLength(1);
  expect(releases[0]).toMatchObject({ name: 'v1.3.0', target_commitish: r.head, draft: false, prerelease: false });
  expect(releases[0].body).toContain(r.changelog as string);
  expect(releases[0].body).toContain(`<!-- claude-flow:${h.workflowId}/release -->`);
  expect(r.release?.github).toMatchObject({ id: releases[0].id, tag: 'v1.3.0', reused: true });

  // The webhook: answered 503 once, so sent twice, both times with the same Idempotency-Key.
  const calls = hook.requests.slice(hookBefore);
  expect(calls).toHaveLength(2);
  expect(calls.map((c) => c.headers['idempotency-key'])).toEqual([h.workflowId, h.workflowId]);
  expect(calls[1]).toMatchObject({ method: 'POST', path: '/releases' });
  expect(calls[1].body).toMatchObject({ event: 'release', version: '1.3.0', tag: 'v1.3.0', previousTag: 'v1.2.0' });
  expect(r.release?.webhook?.status).toBe(200);

  const p = await h.query(progressQuery);
  expect(p.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
    'build:done',
    'test:done',
    'changelog:done',
    'version:done',
    'release notes:done',
    'approval:done',
    'release:done',
  ]);
  expect(p.steps[3].detail).toBe('1.2.0 → 1.3.0 (minor)');
});

test('rejected: no release; a breaking change calls for a major version', async () => {
  const { dir } = gitRepo(['feat: first', 'tag:v2.4.1', 'feat!: drop the v1 API', 'fix: typo']);
  const before = gh.repo('acme/widgets').releases.length;
  const h = await start({ path: dir, aiNotes: false, release: { github: { repo: 'acme/widgets' } } });
  await decide(h, 'rejected', 'bob');
  const r = await h.result();
  expect(r).toMatchObject({
    outcome: 'rejected',
    version: '3.0.0',
    bump: 'major',
    notesSource: 'changelog',
    notesSkipped: 'aiNotes is off',
    approval: { outcome: 'rejected', decidedBy: 'bob' },
  });
  expect(r.reason).toBe('the release of v3.0.0 was rejected by bob');
  expect(r.changelog).toContain('### ⚠ BREAKING CHANGES\n\n- drop the v1 API');
  expect(r.release).toBeUndefined();
  expect(gh.repo('acme/widgets').releases.length).toBe(before);
  const p = await h.query(progressQuery);
  expect(p.steps.slice(-2).map((s) => `${s.name}:${s.status}`)).toEqual(['approval:failed', 'release:skipped']);

  // Nobody decides: the default outcome (reject) applies at the deadline.
  const late = await (
    await start({
      path: dir,
      aiNotes: false,
      release: { webhook: { url: `${hook.origin}/never` } },
      approval: { timeoutMs: 1_500 },
    })
  ).result();
  expect(late).toMatchObject({ outcome: 'rejected', approval: { decidedBy: 'deadline' } });
  expect(hook.requests.some((q) => q.path === '/never')).toBe(false);
});

test('gates: a failing test stops the run with AI triage; a failing build stops it before the tests', async () => {
  const { dir } = gitRepo(['feat: first'], {
    'math.test.js': "require('node:test')('divides', () => require('node:assert').equal(6 / 3, 3));\n",
  });
  anthropic.script({ reply: 'The test expects 6 / 3 to be 3; it is 2. Fix the expectation.' });
  const r = await (
    await start({
      path: dir,
      test: { command: 'node --test --test-reporter=tap' },
      release: { github: { repo: 'acme/widgets' } },
    })
  ).result();
  expect(r.outcome).toBe('tests-failed');
  expect(r.reason).toBe('tests failed: 0 passed, 1 failed, 0 flaky, 0 skipped; first: math.test.js > divides');
  expect(r.tests?.triage).toBe('The test expects 6 / 3 to be 3; it is 2. Fix the expectation.');
  expect(r.tests?.rerun).toMatchObject({ tests: 1, passedOnRerun: 0 });
  expect(r.version).toBeUndefined();

  const b = await (await start({ path: dir, build: 'echo compiling; exit 3', test: { command: 'false' } })).result();
  expect(b).toMatchObject({ outcome: 'build-failed', reason: 'the build exited with code 3', build: { exitCode: 3 } });
  expect(b.build?.outputTail).toContain('compiling');
  expect(b.tests).toBeUndefined();
});

test('no version tag yet: a dry run plans 0.1.0 from every commit and releases nothing', async () => {
  const { dir } = gitRepo(['feat: start', 'docs: readme', 'not conventional at all'], {});
  const r = await (
    await start({ path: dir, dryRun: true, aiNotes: false, release: { github: { repo: 'acme/widgets' } } })
  ).result();
  expect(r).toMatchObject({ outcome: 'ready', version: '0.1.0', tag: 'v0.1.0', notesSource: 'changelog' });
  expect(r.previousTag).toBeUndefined();
  expect(r.commits).toHaveLength(3);
  expect(r.changelog).toMatch(
    /### Features\n\n- start .*\n\n### Documentation\n\n- readme .*\n\n### Other Changes\n\n- not conventional at all/,
  );
  expect(r.approval).toBeUndefined();
});

test('started from a session, the approval is asked in the session and answered with its decide update', async () => {
  const { dir } = gitRepo(['feat: first', 'tag:v0.3.0', 'fix: a bug']);
  const sessionId = `deploy-session-${Date.now()}`;
  const s = await app.client.workflow.start(session, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `session-${sessionId}`,
    args: [{ sessionId, title: 'Release work', owner: 'carol' }],
  });
  const before = hook.requests.length;
  const { workflowId } = await s.executeUpdate(runWorkflowUpdate, {
    args: [
      { type: 'deployPrep', params: { path: dir, aiNotes: false, release: { webhook: { url: `${hook.origin}/s` } } } },
    ],
  });
  const deadline = Date.now() + 30_000;
  let pending = await s.query(pendingQuery);
  while (pending.length === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    pending = await s.query(pendingQuery);
  }
  expect(pending).toHaveLength(1);
  expect(pending[0]).toMatchObject({ from: workflowId, title: 'Release v0.3.1 (webhook)' });
  await s.executeUpdate(decideUpdate, {
    args: [{ requestId: pending[0].requestId, decision: 'approve', by: 'carol' }],
  });
  const r = await app.client.workflow.getHandle<typeof deployPrep>(workflowId).result();
  expect(r).toMatchObject({
    outcome: 'released',
    version: '0.3.1',
    approval: { outcome: 'approved', decidedBy: 'carol' },
  });
  expect(hook.requests.slice(before).map((q) => q.headers['idempotency-key'])).toEqual([workflowId]);
  await s.signal(endSignal, {});
});

test('the catalog schema: defaults, and errors that say what to fix', () => {
  expect(deployPrepInput.parse({ path: '/repo' })).toEqual({
    path: '/repo',
    buildTimeoutMs: 900_000,
    tagPrefix: 'v',
    aiNotes: true,
    // An absent approval gets its fields' defaults (written once, in the schema).
    approval: { timeoutMs: 86_400_000, defaultOutcome: 'reject' },
    dryRun: false,
  });
  const bad = deployPrepInput.safeParse({
    path: '/repo',
    version: 'v1.0',
    release: { github: { repo: 'widgets' }, webhook: { url: 'ftp://x' } },
    approval: { defaultOutcome: 'maybe' },
    test: { command: '' },
  });
  expect(bad.success).toBe(false);
  const messages = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
  expect(messages).toEqual(
    expect.arrayContaining([
      'version: version must be a semantic version MAJOR.MINOR.PATCH, e.g. 1.0.0 (no "v")',
      'release.github.repo: release.github.repo must be owner/name, e.g. octocat/hello-world',
      'release.webhook.url: release.webhook.url must be an http:// or https:// URL',
      expect.stringMatching(/^test.command: command is empty/),
      expect.stringMatching(/^approval.defaultOutcome: /),
    ]),
  );
});
