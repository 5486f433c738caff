// codeReview with the linters of each language a change touches (ESLint, ruff, go vet, all real), on
// real git repositories built here: the working tree's uncommitted changes as the target (nothing of
// the repository touched), a pull request reviewed with its checkout so the linters' fixes become
// GitHub suggestion blocks (posted to the GitHub fake, which checks the lines as GitHub does), and a
// diff of tens of megabytes, read as a stream, with what it skipped said.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createReviewActivities, type CollectedDiff } from '../../activities/dev/code-review';
import { findProjectRoot } from '../../lib/config';
import { MemoryStore } from '../../lib/memory';
import { codeReview } from '../../workflows';
import type { CodeReviewResult } from '../../workflows/dev/code-review';
import type { CodeReviewInput } from '../../workflows/contract/inputs/code-review';
import { type FakeGithub, startFakeGithub } from '../fakes/github';
import { temporalTestLogger } from '../helpers/logs';
import { startTestApp, type TestApp } from '../helpers/stack';
import { ruff, runs } from '../helpers/tools';

jest.setTimeout(240_000);

const root = findProjectRoot();
const ruffBin = ruff();
const go = runs('go', ['version']);
let gh: FakeGithub;
let app: TestApp;
let n = 0;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-review-linters-'));

const IDENTITY = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
const sh = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...IDENTITY }, maxBuffer: 1 << 30 }).trim();

function write(repo: string, file: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  fs.writeFileSync(path.join(repo, file), content);
}

beforeAll(async () => {
  gh = await startFakeGithub({ token: /^ghp_/ });
  app = await startTestApp({ env: { GITHUB_TOKEN: 'ghp_linters', GITHUB_API_URL: gh.url } });
});
afterAll(async () => {
  await app?.close();
  await gh?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const review = (input: CodeReviewInput): Promise<CodeReviewResult> =>
  app.client.workflow.execute(codeReview, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `review-linters-${++n}-${Date.now()}`,
    args: [input],
  });

const APP_V1 = "const express = require('express');\n\nmodule.exports = express();\n";
const APP_V2 = `const express = require('express');

let total = 1;
if (total == null) debugger;

module.exports = express();
`;
const PY_V2 = 'from os import (\n    path,\n    sep,\n)\n\nprint(sep)\n';
const GO_V1 = 'package calc\n\nfunc Add(a, b int) int {\n\treturn a + b\n}\n';
const GO_V2 = 'package calc\n\nfunc Add(a, b int) int {\n\tc := a + b\n\tc = c\n\treturn c\n}\n';

/** A repository in three languages with ESLint, ruff (in its .venv) and a Go module; main has one commit. */
function polyglotRepo(name: string): string {
  const repo = path.join(tmp, name);
  fs.mkdirSync(repo);
  sh(repo, 'init', '-q', '-b', 'main');
  write(
    repo,
    'eslint.config.mjs',
    "export default [{ files: ['**/*.js'], rules: { 'prefer-const': 'error', eqeqeq: 'error', 'no-debugger': 'error' } }];\n",
  );
  write(repo, '.gitignore', 'node_modules\n.venv\n.claude-flow/reports/\n');
  write(repo, 'src/app.js', APP_V1);
  write(repo, 'tools/util.py', 'print("hello")\n');
  write(repo, 'go.mod', 'module example.com/shop\n\ngo 1.22\n');
  write(repo, 'calc/calc.go', GO_V1);
  sh(repo, 'add', '.');
  sh(repo, 'commit', '-q', '-m', 'first');
  // The linters as the repository has them: ESLint in node_modules, ruff in its virtual environment.
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(repo, 'node_modules'));
  if ('path' in ruffBin) {
    fs.mkdirSync(path.join(repo, '.venv', 'bin'), { recursive: true });
    fs.symlinkSync(ruffBin.path, path.join(repo, '.venv', 'bin', 'ruff'));
  }
  return repo;
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

const missing = [...('missing' in ruffBin ? [`ruff: ${ruffBin.missing}`] : []), ...(go ? [] : ['go is not installed'])];
const withLinters = missing.length === 0 ? test : test.skip;
const skipNote = missing.length ? ` (skipped: ${missing.join('; ')})` : '';

withLinters(
  `the working tree's uncommitted changes: each language's linter, fixes as suggestions, nothing touched${skipNote}`,
  async () => {
    const repo = polyglotRepo('worktree');
    write(repo, 'src/app.js', APP_V2); // unstaged
    write(repo, 'tools/extra.py', 'import os\nimport sys\n\nprint(sys.argv)\n'); // untracked
    write(repo, 'calc/calc.go', GO_V2);
    sh(repo, 'add', 'calc/calc.go'); // staged
    const state = () => ({
      status: sh(repo, 'status', '--porcelain'),
      index: fs.readFileSync(path.join(repo, '.git', 'index')).toString('base64'),
      refs: sh(repo, 'for-each-ref'),
      stash: sh(repo, 'stash', 'list'),
      head: sh(repo, 'rev-parse', 'HEAD'),
    });
    const before = state();

    const r = await review({ path: repo, workingTree: true });
    expect(r.title).toMatch(/^worktree working tree on [0-9a-f]{8} \(base: HEAD\): uncommitted changes$/);
    const at = (rule: string) => r.findings.find((f) => f.rule === rule);
    expect(at('eslint/prefer-const')).toMatchObject({
      path: 'src/app.js',
      line: lineOf(APP_V2, 'let total'),
      suggestion: { line: lineOf(APP_V2, 'let total'), endLine: lineOf(APP_V2, 'let total'), text: 'const total = 1;' },
    });
    expect(at('eslint/eqeqeq')?.suggestion).toMatchObject({ text: 'if (total === null) debugger;' });
    expect(at('eslint/no-debugger')).toMatchObject({ line: lineOf(APP_V2, 'debugger') });
    expect(at('eslint/no-debugger')?.suggestion).toBeUndefined();
    expect(at('ruff/F401')).toMatchObject({
      path: 'tools/extra.py',
      line: 1,
      source: 'linter',
      suggestion: { line: 1, endLine: 1, text: '', description: 'Remove unused import: `os`' },
    });
    expect(at('govet/assign')).toMatchObject({
      path: 'calc/calc.go',
      line: lineOf(GO_V2, 'c = c'),
      message: 'self-assignment of c',
      suggestion: { line: lineOf(GO_V2, 'c = c'), text: '', description: 'Remove self-assignment' },
    });
    expect(r.progress.steps.find((s) => s.name === 'lint')?.detail).toBe(
      'eslint: 3 findings in 1 files; ruff: 1 findings in 1 files; go vet: 1 findings in 1 files',
    );
    const md = fs.readFileSync(r.report?.markdown as string, 'utf8');
    expect(md).toContain('## Suggested changes');
    expect(md).toContain('### `tools/extra.py:1` ruff/F401');
    // The index, the branch, the stash and every file are as they were.
    expect(state()).toEqual(before);

    // Nothing uncommitted: the review says so.
    const clean = polyglotRepo('clean');
    const empty = await review({ path: clean, workingTree: true });
    expect(empty.totalFindings).toBe(0);
    expect(empty.notes).toContain(
      `the working tree has no uncommitted changes against ${sh(clean, 'rev-parse', 'HEAD').slice(0, 8)}`,
    );
  },
);

test('a working tree edited while its review runs: the linters say why they do not run', async () => {
  const repo = polyglotRepo('edited');
  write(repo, 'src/app.js', APP_V2);
  const acts = createReviewActivities({
    config: app.config,
    prisma: app.prisma,
    pool: app.pool,
    logger: app.logger,
    memory: new MemoryStore(app.pool, app.config.memory),
    workerIdentity: 'test',
  });
  const env = new MockActivityEnvironment(undefined, { logger: temporalTestLogger() });
  const diff: CollectedDiff = await env.run(acts.reviewCollect, {
    path: repo,
    workingTree: true,
    chunkTokens: 6000,
    maxChunks: 40,
    maxFiles: 300,
  });
  expect(diff.files.map((f) => f.path)).toEqual(['src/app.js']);
  const lint = () => env.run(acts.reviewLint, { source: diff.source, maxFiles: 300 });
  expect(await lint()).toMatchObject({ outcome: 'ok', linter: 'eslint' });
  fs.appendFileSync(path.join(repo, 'src/app.js'), '// more\n');
  expect(await lint()).toEqual({
    outcome: 'skipped',
    reason: 'the linters read the working tree, and the working tree changed since the review began',
  });
});

/** The fake's pull request for base..head of a real repository: GitHub's per-file patches, from git. */
function pullFrom(repo: string, name: string, number: number, base: string, head: string): void {
  const files = sh(repo, 'diff', '--name-status', base, head)
    .split('\n')
    .map((l) => l.split('\t'))
    .map(([status, filename]) => {
      const diff = sh(repo, 'diff', '--no-color', base, head, '--', filename);
      const patch = diff.slice(diff.indexOf('@@'));
      const counts = sh(repo, 'diff', '--numstat', base, head, '--', filename).split('\t');
      return {
        filename,
        status: (status === 'A' ? 'added' : 'modified') as 'added' | 'modified',
        additions: Number(counts[0]),
        deletions: Number(counts[1]),
        patch,
      };
    });
  gh.addRepo(name).pulls.set(number, {
    number,
    title: 'Totals, imports and sums',
    head: { ref: 'feature', sha: head },
    base: { ref: 'main', sha: base },
    files,
  });
}

withLinters(
  `a pull request with its checkout: the linters' fixes are GitHub suggestion blocks${skipNote}`,
  async () => {
    const repo = polyglotRepo('pr');
    const base = sh(repo, 'rev-parse', 'HEAD');
    sh(repo, 'checkout', '-q', '-b', 'feature');
    write(repo, 'src/app.js', APP_V2);
    write(repo, 'tools/paths.py', PY_V2);
    write(repo, 'calc/calc.go', GO_V2);
    sh(repo, 'add', '.');
    sh(repo, 'commit', '-q', '-m', 'totals');
    const head = sh(repo, 'rev-parse', 'HEAD');
    pullFrom(repo, 'acme/poly', 7, base, head);

    const r = await review({ repo: 'acme/poly', pullRequest: 7, path: repo });
    const [posted] = gh.repo('acme/poly').reviews.get(7) ?? [];
    expect(r.review).toMatchObject({ reviewId: posted.id, reused: false });
    const on = (file: string, line: number) => posted.comments.filter((c) => c.path === file && c.line === line);

    const letLine = lineOf(APP_V2, 'let total');
    expect(on('src/app.js', letLine)).toEqual([
      expect.objectContaining({ side: 'RIGHT', body: expect.stringContaining('```suggestion\nconst total = 1;\n```') }),
    ]);
    // Two findings on one line (eqeqeq with its suggestion, no-debugger without): one comment each.
    const debuggerLine = on('src/app.js', lineOf(APP_V2, 'debugger'));
    expect(
      debuggerLine.map((c) => c.body.includes('```suggestion\nif (total === null) debugger;\n```')).sort(),
    ).toEqual([false, true]);
    // ruff's fix of a multi-line import: a comment over lines 1–4, the import rewritten.
    expect(posted.comments.find((c) => c.path === 'tools/paths.py')).toMatchObject({
      start_line: 1,
      start_side: 'RIGHT',
      line: 4,
      body: expect.stringContaining(
        'Remove unused import: `os.path` (lines 1–4):\n\n```suggestion\nfrom os import (\n    sep,\n)\n```',
      ),
    });
    expect(on('calc/calc.go', lineOf(GO_V2, 'c = c'))[0].body).toContain(
      'Remove self-assignment (line 5):\n\n```suggestion\n```',
    );
    expect(r.notes.join('\n')).not.toMatch(/linter skipped|eslint skipped|ruff skipped|go vet skipped/);

    // The checkout moved on: the linters say why they do not run, and nothing else changes.
    write(repo, 'src/app.js', `${APP_V2}// more\n`);
    sh(repo, 'commit', '-qam', 'more');
    const moved = await review({ repo: 'acme/poly', pullRequest: 7, path: repo, post: false });
    expect(moved.progress.steps.find((s) => s.name === 'lint')).toMatchObject({
      status: 'skipped',
      detail: `the linters read the working tree, and the checkout is not at the pull request's head ${head.slice(0, 12)}`,
    });
  },
);

test('a diff of tens of megabytes is read as a stream; files too large to review are listed with why', async () => {
  const repo = path.join(tmp, 'large');
  fs.mkdirSync(repo);
  sh(repo, 'init', '-q', '-b', 'main');
  write(repo, 'eslint.config.mjs', "export default [{ files: ['**/*.js'], rules: { 'no-debugger': 'error' } }];\n");
  write(repo, '.gitignore', 'node_modules\n.claude-flow/reports/\n');
  write(repo, 'README.md', '# large\n');
  sh(repo, 'add', '.');
  sh(repo, 'commit', '-q', '-m', 'first');
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(repo, 'node_modules'));
  const rows = (count: number, label: string) =>
    Array.from({ length: count }, (_, i) => `${label} row ${String(i).padStart(7, '0')} of generated data`).join('\n') +
    '\n';
  write(repo, 'data/big.csv', rows(300_000, 'big')); // about 13 MB: over one file's 1 MB
  for (let i = 0; i < 20; i++) write(repo, `gen/part-${String(i).padStart(2, '0')}.txt`, rows(14_000, `part ${i}`)); // 20 × 0.6 MB
  write(repo, 'src/app.js', 'function f() {\n  debugger;\n}\nmodule.exports = f;\n');
  sh(repo, 'add', '.');
  sh(repo, 'commit', '-q', '-m', 'data');
  const diffBytes = Number(execFileSync('sh', ['-c', 'git diff HEAD~1 HEAD | wc -c'], { cwd: repo, encoding: 'utf8' }));
  expect(diffBytes).toBeGreaterThan(20 * 1024 * 1024); // twice what git's 10 MB buffer held

  const r = await review({ path: repo, maxChunks: 3 });
  expect(r.totalFindings).toBeGreaterThan(0);
  expect(r.findings.find((f) => f.rule === 'eslint/no-debugger')).toMatchObject({ path: 'src/app.js', line: 2 });
  const note = r.notes.find((x) => x.includes('listed but not reviewed'));
  expect(note).toBe(
    '1 file(s) listed but not reviewed, their diffs too large (static checks, linters and AI skip them): data/big.csv (+300000 −0: its diff is over 1 MB, the most one file may have)',
  );
  // Every line is counted, the skipped file's too.
  expect(r.progress.steps[0].detail).toMatch(/^22 files \(\+580004 −0\)/);
});
