// codeReview end to end: the real worker and dev server, real git repositories built here, the real
// Anthropic SDK against its wire fake, the real Octokit against the GitHub fake, ESLint from this
// project's node_modules as the reviewed repository's linter, and a worker process killed with
// SIGKILL while its review post is in flight.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { findProjectRoot } from '../../lib/config';
import { startWorker } from '../../workers/worker';
import { codeReview } from '../../workflows';
import type { CodeReviewResult } from '../../workflows/dev/code-review';
import { codeReviewDef } from '../../lib/workflow-types/code-review';
import { startFakeAnthropic } from '../fakes/anthropic';
import { type FakeGithub, startFakeGithub } from '../fakes/github';
import type { FakeServer } from '../fakes/http-fake';
import { harness, startTestApp, testConfig, uniqueTaskQueue, type TestApp } from '../helpers/stack';

jest.setTimeout(90_000);

const root = findProjectRoot();
const AWS = ['AKIA', 'Z7Q2', 'M4XW', 'P9RT', 'K3LB'].join('');
const ALLOWED = ['AKIA', 'QQQQ', 'WWWW', 'EEEE', 'RRRR'].join('');
const GH_TOKEN = 'ghp_codereview';

let anthropic: FakeServer;
let gh: FakeGithub;
let app: TestApp;
const children: ChildProcess[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-code-review-'));

function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  }).trim();
}

function write(repo: string, file: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  fs.writeFileSync(path.join(repo, file), content);
}

/** The model's answer: findings as JSON, as the review prompt asks. */
const aiReply = (findings: object[]) => JSON.stringify({ findings });

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k' });
  gh = await startFakeGithub({ token: /^ghp_/ });
  app = await startTestApp({
    env: {
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
      GITHUB_TOKEN: GH_TOKEN,
      GITHUB_API_URL: gh.url,
    },
  });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await app?.close();
  await gh?.close();
  await anthropic?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const APP_V1 = `const express = require('express');
const app = express();

app.get('/health', (req, res) => res.send('ok'));

module.exports = app;
`;

const APP_V2 = `const express = require('express');
const app = express();
const AWS_KEY = "${AWS}";
const FIXTURE_KEY = "${ALLOWED}";

app.get('/health', (req, res) => res.send('ok'));

app.post('/calc', (req, res) => {
  debugger;
  res.send(String(eval(req.body.expr)));
});

app.get('/user', (req, res) => {
  db.query("SELECT * FROM users WHERE id = " + req.query.id);
});

module.exports = app;
`;

/** main: one commit; feature: planted secrets, eval, SQL concatenation and a debugger statement. */
function buildLocalRepo(): string {
  const repo = path.join(tmp, 'shop');
  fs.mkdirSync(repo);
  sh(repo, 'init', '-q', '-b', 'main');
  write(repo, 'src/app.js', APP_V1);
  write(repo, 'eslint.config.mjs', "export default [{ files: ['**/*.js'], rules: { 'no-debugger': 'error' } }];\n");
  write(repo, '.gitignore', 'node_modules\n.claude-flow/reports/\n');
  sh(repo, 'add', '.');
  sh(repo, 'commit', '-q', '-m', 'first');
  sh(repo, 'checkout', '-q', '-b', 'feature');
  write(repo, 'src/app.js', APP_V2);
  write(repo, '.claude-flow/secrets-allowlist', `# test fixture key\n${ALLOWED}\n`);
  sh(repo, 'add', '.');
  sh(repo, 'commit', '-q', '-m', 'calc and user endpoints');
  // The repository's linter: ESLint as this project has it installed.
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(repo, 'node_modules'));
  return repo;
}

test('a local repository: static checks, the linter and AI findings merged; Markdown + JSON reports; memory', async () => {
  const repo = buildLocalRepo();
  const lineOf = (needle: string) => APP_V2.split('\n').findIndex((l) => l.includes(needle)) + 1;
  anthropic.reset();
  anthropic.defaultReply = aiReply([
    {
      path: 'src/app.js',
      line: lineOf('eval('),
      severity: 'critical',
      title: 'Code injection',
      message: 'eval of request data runs arbitrary code',
    },
    { path: 'src/app.js', line: lineOf('db.query'), severity: 'low', message: 'The handler never sends a response' },
    { path: 'not/in/this/change.js', line: 1, severity: 'high', message: 'made up' },
  ]);
  const workflowId = `review-local-${Date.now()}`;
  const h = await app.client.workflow.start(codeReview, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId,
    args: [{ path: repo }],
  });
  const r: CodeReviewResult = await h.result();

  expect(r.mode).toBe('local');
  expect(r.title).toContain('merge-base with main');
  const at = (rule: string) => r.findings.find((f) => f.rule === rule);
  expect(at('secret/aws-access-key-id')).toMatchObject({
    path: 'src/app.js',
    line: lineOf('AWS_KEY'),
    severity: 'critical',
    source: 'static',
  });
  // The allowlisted fixture key is not reported.
  expect(r.findings.filter((f) => f.rule.startsWith('secret/')).map((f) => f.line)).toEqual([lineOf('AWS_KEY')]);
  // Static and AI found the same eval: one finding, both sources, the higher severity.
  expect(r.findings.filter((f) => f.line === lineOf('eval('))).toEqual([
    expect.objectContaining({ rule: 'risky/eval', severity: 'critical', source: 'static+ai' }),
  ]);
  expect(at('risky/sql-concatenation')).toMatchObject({ line: lineOf('db.query') });
  expect(r.findings).toContainEqual(
    expect.objectContaining({ rule: 'ai/review', severity: 'low', line: lineOf('db.query'), source: 'ai' }),
  );
  expect(at('eslint/no-debugger')).toMatchObject({ line: lineOf('debugger'), source: 'linter' });
  expect(r.findings.some((f) => f.path === 'not/in/this/change.js')).toBe(false);
  expect(r.ai).toMatchObject({ chunks: 1, reviewed: 1, unparsable: 0, failed: 0 });

  // The model saw the diff with new-file line numbers, under the review task's prompt.
  const sent = anthropic.requests.find((q) => q.path === '/v1/messages')?.body;
  expect(sent.system).toContain('Answer with JSON only');
  expect(JSON.stringify(sent.messages)).toContain(`${String(lineOf('eval(')).padStart(5)} +  res.send(String(eval`);

  // Reports: Markdown and JSON, under the repository's .claude-flow/reports.
  expect(r.report?.markdown).toBe(path.join(repo, '.claude-flow', 'reports', `review-${workflowId}.md`));
  const json = JSON.parse(fs.readFileSync(r.report?.json as string, 'utf8'));
  expect(json.findings).toHaveLength(r.totalFindings);
  expect(json.head).toBe(sh(repo, 'rev-parse', 'HEAD'));
  const md = fs.readFileSync(r.report?.markdown as string, 'utf8');
  expect(md).toContain('| 🛑 critical | `src/app.js:' + lineOf('eval(') + '` | risky/eval | static+ai |');

  // Memory: one entry for this repository and head, updated (not duplicated) by a rerun.
  const entry = await app.prisma.$queryRawUnsafe<{ key: string; version: number }[]>(
    `SELECT key, version FROM memory_entry WHERE namespace = 'code/'`,
  );
  expect(entry).toHaveLength(1);
  expect(r.memory).toMatchObject({ namespace: 'code/', key: entry[0].key, version: 1 });

  expect(r.progress.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
    'collect:done',
    'static-checks:done',
    'lint:done',
    'ai-review:done',
    'merge:done',
    'publish:done',
    'memory:done',
  ]);

  // A rerun of the same range updates the memory entry. The file is edited meanwhile (not committed):
  // the linter, which reads the working tree, says why it does not run rather than report wrong lines.
  fs.appendFileSync(path.join(repo, 'src/app.js'), '// work in progress\n');
  const again = await app.client.workflow.execute(codeReview, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `${workflowId}-again`,
    args: [{ path: repo, base: 'main', head: 'feature' }],
  });
  expect(again.memory).toMatchObject({ key: r.memory?.key, version: 2 });
  expect(again.progress.steps.find((s) => s.name === 'lint')).toMatchObject({
    status: 'skipped',
    detail: 'the linters read the working tree, and changed files have uncommitted edits (src/app.js)',
  });
});

const HEAD = 'c0ffee'.padEnd(40, '0');
const PATCH = [
  '@@ -1,4 +1,7 @@',
  " import { db } from './db';",
  `+const token = '${AWS}';`,
  ' ',
  ' export function find(id: string) {',
  "-  return db.query('SELECT * FROM t WHERE id = $1', [id]);",
  "+  const sql = 'SELECT * FROM t WHERE id = ' + id;",
  '+  return db.query(sql);',
  '+}',
].join('\n');

function addPull(repoName: string, number: number): void {
  const repo = gh.addRepo(repoName);
  repo.pulls.set(number, {
    number,
    title: 'Find things faster',
    head: { ref: 'feature', sha: HEAD },
    base: { ref: 'main', sha: 'b'.repeat(40) },
    files: [
      { filename: 'src/find.ts', additions: 4, deletions: 1, patch: PATCH },
      { filename: 'assets/logo.png', status: 'added', additions: 0, deletions: 0 },
    ],
  });
}

test('a pull request: one review, line comments only on lines in the diff, the rest in the body', async () => {
  addPull('acme/shop', 12);
  anthropic.reset();
  anthropic.defaultReply = aiReply([
    { path: 'src/find.ts', line: 5, severity: 'high', message: 'SQL injection: id goes into the query text' },
    { path: 'src/find.ts', line: 3, severity: 'info', message: 'Blank line is fine' },
  ]);
  // A secondary rate limit on the first post: Temporal waits as GitHub asks and posts once.
  gh.fault({ kind: 'secondaryRateLimit', retryAfterSeconds: 1, method: 'POST', path: /\/pulls\/12\/reviews$/ });
  const h = await app.client.workflow.start(codeReview, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `review-pr-${Date.now()}`,
    args: [{ repo: 'acme/shop', pullRequest: 12 }],
  });
  const r = await h.result();
  const reviews = gh.repo('acme/shop').reviews.get(12) ?? [];
  expect(reviews).toHaveLength(1);
  expect(r.review).toMatchObject({ reviewId: reviews[0].id, reused: false });
  expect(reviews[0].commit_id).toBe(HEAD);
  const comments = reviews[0].comments.map((c) => `${c.path}:${c.line}:${c.side}`);
  expect(comments).toEqual(expect.arrayContaining(['src/find.ts:2:RIGHT', 'src/find.ts:5:RIGHT']));
  // The SQL line: static (risky/sql-concatenation) and AI agree, so one comment, not two.
  expect(reviews[0].comments.filter((c) => c.line === 5)).toHaveLength(1);
  expect(reviews[0].comments.find((c) => c.line === 5)?.body).toContain('risky/sql-concatenation');
  expect(reviews[0].comments.find((c) => c.line === 5)?.body).toContain('(static+ai)');
  expect(reviews[0].body).toContain('### Claude Flow code review');
  expect(reviews[0].body).toContain(
    'assets/logo.png (GitHub sent no patch (a binary file, or a diff too large to show))',
  );
  expect(reviews[0].body).toMatch(/<!-- claude-flow:review-pr-\d+\/code-review -->$/);
  // Linting needs a checkout; the note says so.
  expect(r.notes.join('\n')).toContain('linter skipped: pull request reviews read files through the GitHub API');
  const postCalls = gh.calls().filter((c) => c === 'POST /repos/acme/shop/pulls/12/reviews');
  expect(postCalls).toHaveLength(2); // the rate-limited one and the one that posted
  const mem = await app.prisma.$queryRawUnsafe<{ key: string }[]>(
    `SELECT key FROM memory_entry WHERE namespace = 'code/' AND key = 'reviews/github/acme/shop/pr-12'`,
  );
  expect(mem).toHaveLength(1);

  // The recorded history feeds the replay test; refresh it with CF_RECORD_HISTORIES=1.
  if (process.env.CF_RECORD_HISTORIES === '1') {
    fs.writeFileSync(
      path.join(__dirname, '..', 'histories', 'code-review.json'),
      JSON.stringify({ workflowId: h.workflowId, history: await h.fetchHistory() }, null, 2),
    );
  }
});

test('AI chunks run at most maxConcurrency at a time; a reply that is not findings is a note, not a crash', async () => {
  // Six files, each too large to share a 500-token chunk with another: six chunks.
  const repo = gh.addRepo('acme/many');
  const body = (i: number) =>
    Array.from({ length: 30 }, (_, k) => `+export const value${i}_${k} = compute(${k}, 'file ${i}');`).join('\n');
  repo.pulls.set(4, {
    number: 4,
    title: 'Many files',
    head: { ref: 'many', sha: 'd'.repeat(40) },
    base: { ref: 'main', sha: 'e'.repeat(40) },
    files: Array.from({ length: 6 }, (_, i) => ({
      filename: `src/f${i}.ts`,
      status: 'added' as const,
      additions: 30,
      patch: `@@ -0,0 +1,30 @@\n${body(i)}`,
    })),
  });
  anthropic.reset();
  anthropic.defaultReply = aiReply([]);
  anthropic.script(
    { reply: 'Looks good to me!', delayMs: 400 },
    ...Array.from({ length: 5 }, () => ({ reply: aiReply([]), delayMs: 400 })),
  );
  const r = await app.client.workflow.execute(codeReview, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `review-many-${Date.now()}`,
    args: [{ repo: 'acme/many', pullRequest: 4, chunkTokens: 500, maxConcurrency: 2, post: false }],
  });
  expect(r.ai).toMatchObject({ chunks: 6, reviewed: 5, unparsable: 1, failed: 0 });
  expect(r.notes.join('\n')).toMatch(
    /AI review of chunk \d unparsable: anthropic\/claude-haiku-4-5: the model's reply was not JSON findings \("Looks good to me!"\)/,
  );
  expect(r.progress.steps.find((st) => st.name === 'ai-review')?.detail).toBe(
    '5/6 chunks reviewed, 0 findings; 1 unparsable, 0 failed',
  );
  expect(r.progress.steps.find((st) => st.name === 'publish')).toMatchObject({
    status: 'skipped',
    detail: 'post is false: nothing posted to GitHub',
  });
  expect(gh.repo('acme/many').reviews.get(4)).toBeUndefined();
  // Each answer takes 400 ms: never more than two requests arrive within one answer's time.
  const at = anthropic.requests.filter((q) => q.path === '/v1/messages').map((q) => q.at);
  expect(at).toHaveLength(6);
  for (const t of at) expect(at.filter((u) => u > t - 350 && u <= t).length).toBeLessThanOrEqual(2);
  expect(Math.max(...at) - Math.min(...at)).toBeGreaterThanOrEqual(2 * 400 - 100);
});

test('no AI provider: the AI step is skipped with the reason, and the review still runs on static checks', async () => {
  const taskQueue = uniqueTaskQueue('review-noai');
  const config = testConfig({
    DATABASE_URL: app.db.url,
    TEMPORAL_TASK_QUEUE: taskQueue,
    GITHUB_TOKEN: GH_TOKEN,
    GITHUB_API_URL: gh.url,
  });
  const native = await NativeConnection.connect({ address: harness().temporalAddress });
  const worker = await startWorker({
    config,
    connection: native,
    deps: { prisma: app.prisma, pool: app.pool, logger: app.logger },
    bundle: { code: fs.readFileSync(harness().bundlePath, 'utf8') },
    shutdownGraceTime: '1 second',
  });
  try {
    addPull('acme/noai', 3);
    const before = anthropic.requests.length;
    const r = await app.client.workflow.execute(codeReview, {
      taskQueue,
      workflowId: `review-noai-${Date.now()}`,
      args: [{ repo: 'acme/noai', pullRequest: 3 }],
    });
    expect(anthropic.requests.length).toBe(before);
    expect(r.ai.skipped).toMatch(/^No AI provider is configured for "review" tasks: set ANTHROPIC_API_KEY/);
    const step = r.progress.steps.find((s) => s.name === 'ai-review');
    expect(step).toMatchObject({ status: 'skipped', detail: r.ai.skipped });
    expect(r.findings.map((f) => f.rule)).toEqual(
      expect.arrayContaining(['secret/aws-access-key-id', 'risky/sql-concatenation']),
    );
    expect(gh.repo('acme/noai').reviews.get(3)).toHaveLength(1);
    expect(gh.repo('acme/noai').reviews.get(3)?.[0].body).toContain('AI review skipped: No AI provider is configured');
  } finally {
    await worker.shutdown();
    await native.close();
  }
});

test('the worker is killed (SIGKILL) while its review post is in flight: a new worker finishes, one review exists', async () => {
  addPull('acme/crash', 21);
  anthropic.reset();
  anthropic.defaultReply = aiReply([]);
  const taskQueue = uniqueTaskQueue('review-kill');
  const dataDir = fs.mkdtempSync(path.join(tmp, 'worker-'));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: harness().temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: app.db.url,
    ANTHROPIC_API_KEY: 'k',
    ANTHROPIC_BASE_URL: anthropic.url,
    ANTHROPIC_MODEL: 'claude-haiku-4-5',
    GITHUB_TOKEN: GH_TOKEN,
    GITHUB_API_URL: gh.url,
    CLAUDE_FLOW_DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    CF_TEST_BUNDLE: harness().bundlePath,
  };
  // Node itself with tsx's loader (not the tsx CLI, whose own child would outlive a SIGKILL).
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/worker-process.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => b.toString().includes('worker ready') && resolve());
    child.on('exit', (code) => reject(new Error(`worker exited (${code}): ${stderr}`)));
  });

  // GitHub stores the review, then takes 30 s to answer: the worker dies in between.
  gh.fault({ kind: 'delayAfterHandling', delayMs: 30_000, method: 'POST', path: /\/pulls\/21\/reviews$/ });
  const h = await app.client.workflow.start(codeReview, {
    taskQueue,
    workflowId: `review-kill-${Date.now()}`,
    args: [{ repo: 'acme/crash', pullRequest: 21 }],
  });
  const reviews = () => gh.repo('acme/crash').reviews.get(21) ?? [];
  const deadline = Date.now() + 40_000;
  while (reviews().length === 0) {
    if (Date.now() > deadline) throw new Error(`the review was never posted; worker stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  const config = testConfig({
    DATABASE_URL: app.db.url,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ANTHROPIC_API_KEY: 'k',
    ANTHROPIC_BASE_URL: anthropic.url,
    GITHUB_TOKEN: GH_TOKEN,
    GITHUB_API_URL: gh.url,
  });
  const native = await NativeConnection.connect({ address: harness().temporalAddress });
  const worker = await startWorker({
    config,
    connection: native,
    deps: { prisma: app.prisma, pool: app.pool, logger: app.logger },
    bundle: { code: fs.readFileSync(harness().bundlePath, 'utf8') },
    shutdownGraceTime: '1 second',
  });
  try {
    const r = await h.result();
    expect(reviews()).toHaveLength(1);
    expect(r.review).toMatchObject({ reviewId: reviews()[0].id, reused: true });
    expect(gh.calls().filter((c) => c === 'POST /repos/acme/crash/pulls/21/reviews')).toHaveLength(1);
  } finally {
    await worker.shutdown();
    await native.close();
  }
});

describe('the catalog entry', () => {
  const parse = (v: unknown) => codeReviewDef.input.safeParse(v);
  const messages = (v: unknown) => {
    const r = parse(v);
    return r.success ? [] : r.error.issues.map((i) => i.message);
  };

  test('defaults, and wrong inputs say what to fix', () => {
    expect(parse({ repo: 'a/b', pullRequest: 1 }).data).toMatchObject({
      maxConcurrency: 4,
      chunkTokens: 6000,
      post: true,
    });
    expect(messages({})).toEqual([
      expect.stringContaining('give {repo, pullRequest} to review a GitHub pull request, or {path}'),
    ]);
    // With a pull request, path is its checkout (for the linters); workingTree belongs to local mode.
    expect(messages({ repo: 'a/b', pullRequest: 1, path: '/x' })).toEqual([]);
    expect(messages({ repo: 'a/b', pullRequest: 1, workingTree: true })).toEqual([
      expect.stringContaining('base, head, workingTree and reportDir belong to local mode'),
    ]);
    expect(messages({ path: '/x', workingTree: true, head: 'main' })).toEqual([
      expect.stringContaining('head and workingTree exclude each other'),
    ]);
    expect(messages({ repo: 'a/b' })).toEqual([expect.stringContaining('needs both repo')]);
    expect(messages({ path: 'relative/dir' })).toEqual([expect.stringContaining('must be an absolute path')]);
    expect(messages({ repo: 'nope', pullRequest: 1 })).toEqual([expect.stringContaining('"owner/name"')]);
    expect(messages({ path: '/x', base: '--output=/etc/passwd' })).toEqual([
      expect.stringContaining('base must be a branch'),
    ]);
    expect(messages({ path: '/x', colour: 'red' })[0]).toMatch(/colour/);
  });

  test('pull_request deliveries map to {repo, pullRequest}; other deliveries map to nothing', () => {
    const payload = { number: 5, repository: { full_name: 'acme/shop' } };
    const map = codeReviewDef.fromWebhook as NonNullable<typeof codeReviewDef.fromWebhook>;
    expect(map('pull_request', 'synchronize', payload)).toEqual({ repo: 'acme/shop', pullRequest: 5 });
    expect(map('pull_request', 'opened', { pull_request: { number: 6 }, repository: { full_name: 'a/b' } })).toEqual({
      repo: 'a/b',
      pullRequest: 6,
    });
    expect(map('pull_request', 'closed', payload)).toBeUndefined();
    expect(map('push', undefined, payload)).toBeUndefined();
    // A malformed delivery maps to an input the schema refuses, saying what is missing.
    expect(messages(map('pull_request', 'opened', { number: 5 }))).toEqual([
      expect.stringContaining('needs both repo'),
    ]);
  });

  test('a local path that is not a repository fails at once with the reason', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'plain-'));
    const err = await app.client.workflow
      .execute(codeReview, {
        taskQueue: app.config.temporal.taskQueue,
        workflowId: `review-bad-${Date.now()}`,
        args: [{ path: dir }],
      })
      .catch((e: unknown) => e as Error);
    expect(String((err as { cause?: { cause?: Error } }).cause?.cause?.message)).toContain(
      'is not inside a git repository',
    );
  });

  test('started raw (the temporal CLI, a schedule), the workflow checks its input with the same schema', async () => {
    const err = await app.client.workflow
      .execute(codeReview, {
        taskQueue: app.config.temporal.taskQueue,
        workflowId: `review-raw-${Date.now()}`,
        args: [{ path: 'relative/dir', maxChunks: 0 }],
      })
      .catch((e: unknown) => e as Error);
    expect((err as { cause?: unknown }).cause).toMatchObject({
      type: 'InvalidRequest',
      nonRetryable: true,
      message: expect.stringMatching(/^Invalid codeReview input: path: path must be an absolute path.*; maxChunks: /),
    });
  });
});
