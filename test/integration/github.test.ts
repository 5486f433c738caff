// The GitHub activities run directly in an activity context (the real activity code and the real
// Octokit over HTTP) against the wire-level fake in test/fakes/github.ts, served under /api/v3 as
// GitHub Enterprise Server is: reads with pagination, posts that happen once however often they are
// retried (even when a response was lost), and every fault classified for Temporal.
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createGithubActivities } from '../../activities/github';
import { loadConfig } from '../../lib/config';
import { type FakeGithub, type FakeRepo, startFakeGithub } from '../fakes/github';
import { fileLogger, temporalTestLogger } from '../helpers/logs';

// Octokit paces writes per token (notification-triggering posts 3 s apart); a token per test run keeps
// the suite fast. The fake accepts any ghp_ token.
let tokenSeq = 0;
const HEAD = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2';
let gh: FakeGithub;
let repo: FakeRepo;

beforeAll(async () => {
  gh = await startFakeGithub({ token: /^ghp_/ });
  repo = gh.addRepo('acme/widgets');
  repo.pulls.set(7, {
    number: 7,
    title: 'Add the frobnicator',
    body: 'It frobnicates.',
    head: { ref: 'feature/frob', sha: HEAD },
    base: { ref: 'main', sha: 'b'.repeat(40) },
    files: Array.from({ length: 230 }, (_, i) => ({
      filename: `src/file${i}.ts`,
      additions: 1,
      patch: `@@ -0,0 +1 @@\n+export const x${i} = ${i};`,
    })),
  });
  repo.contents.set('feature/frob:src/frob.ts', 'export function frob() {\n  return "ü";\n}\n');
  gh.addRepo('acme/pat-only', { checksAllowed: false });
});
afterAll(async () => {
  await gh?.close();
});

type Acts = ReturnType<typeof createGithubActivities>;
let wfSeq = 0;

function activities(env: Record<string, string> = { GITHUB_TOKEN: `ghp_test_${++tokenSeq}` }): Acts {
  const config = loadConfig({ env: { GITHUB_API_URL: gh.url, LOG_LEVEL: 'warn', ...env } });
  return createGithubActivities({ config, logger: fileLogger(config.logLevel) });
}

/** Runs one activity as attempt `attempt` of workflow `workflowId`. */
function run<K extends keyof Acts>(
  name: K,
  input: Parameters<Acts[K]>[0],
  workflowId = `wf-${++wfSeq}`,
  attempt = 1,
  acts: Acts = activities(),
): ReturnType<Acts[K]> {
  const env = new MockActivityEnvironment(
    {
      attempt,
      activityId: '1',
      workflowType: 'codeReview',
      workflowExecution: { workflowId, runId: 'run-1' },
    },
    { logger: temporalTestLogger() },
  );
  const fn = acts[name] as (i: typeof input) => ReturnType<Acts[K]>;
  return env.run(fn, input) as ReturnType<Acts[K]>;
}

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

const posts = (path: RegExp) => gh.calls().filter((c) => c.startsWith('POST ') && path.test(c)).length;

describe('reads', () => {
  test('a pull request, all its files with patches across Link-header pages, and a file at a ref', async () => {
    const before = gh.requests.length;
    const pr = await run('githubGetPullRequest', { repo: 'acme/widgets', pull: 7 });
    expect(pr).toMatchObject({
      number: 7,
      title: 'Add the frobnicator',
      body: 'It frobnicates.',
      author: 'octocat',
      head: { ref: 'feature/frob', sha: HEAD },
      base: { ref: 'main' },
    });

    const files = await run('githubListPullRequestFiles', { repo: 'acme/widgets', pull: 7 });
    expect(files).toHaveLength(230);
    expect(files[229]).toEqual({
      filename: 'src/file229.ts',
      status: 'modified',
      additions: 1,
      deletions: 0,
      changes: 1,
      patch: '@@ -0,0 +1 @@\n+export const x229 = 229;',
    });
    const filePages = gh.requests.slice(before).filter((r) => r.path.includes('/pulls/7/files'));
    expect(filePages.map((r) => new URL(r.path, 'http://x').searchParams.get('page'))).toEqual([null, '2', '3']);
    // Every request carried the token, against the Enterprise-style base path.
    expect(gh.requests.slice(before).every((r) => /^token ghp_test_\d+$/.test(String(r.headers.authorization)))).toBe(
      true,
    );

    const file = await run('githubGetFileContent', { repo: 'acme/widgets', path: 'src/frob.ts', ref: 'feature/frob' });
    expect(file).toMatchObject({
      path: 'src/frob.ts',
      ref: 'feature/frob',
      content: 'export function frob() {\n  return "ü";\n}\n',
    });
  });

  test('a missing pull request fails at once, naming the repository and number', async () => {
    const err = await failure(run('githubGetPullRequest', { repo: 'acme/widgets', pull: 99 }));
    expect(err).toMatchObject({ type: 'GithubNotFound', nonRetryable: true });
    expect(err.message).toContain('pull request acme/widgets#99');
    expect(err.message).toContain('404');
  });

  test('a missing file fails at once, naming the path, ref and repository', async () => {
    const err = await failure(run('githubGetFileContent', { repo: 'acme/widgets', path: 'nope.ts', ref: 'main' }));
    expect(err).toMatchObject({ type: 'GithubNotFound', nonRetryable: true });
    expect(err.message).toContain('file nope.ts at main in acme/widgets');
  });
});

describe('posts happen once per workflow step', () => {
  const review = {
    repo: 'acme/widgets',
    pull: 7,
    step: 'review',
    body: 'Two remarks.',
    comments: [
      { path: 'src/file1.ts', line: 1, body: 'Name this better.' },
      { path: 'src/file2.ts', line: 1, body: 'Why 2?' },
    ],
  };

  test('a review with line comments, run twice (a retry), is posted once and the retry returns it', async () => {
    const postsBefore = posts(/\/pulls\/7\/reviews$/);
    const first = await run('githubPostReview', review, 'wf-review-twice', 1);
    const again = await run('githubPostReview', review, 'wf-review-twice', 2);
    expect(first.reused).toBe(false);
    expect(again).toEqual({ ...first, reused: true });
    expect(posts(/\/pulls\/7\/reviews$/) - postsBefore).toBe(1);
    const stored = repo.reviews.get(7)?.find((r) => r.id === first.id);
    expect(stored?.body).toBe('Two remarks.\n\n<!-- claude-flow:wf-review-twice/review -->');
    expect(stored?.event).toBe('COMMENT');
    expect(stored?.comments).toEqual([
      { path: 'src/file1.ts', line: 1, side: 'RIGHT', body: 'Name this better.' },
      { path: 'src/file2.ts', line: 1, side: 'RIGHT', body: 'Why 2?' },
    ]);
  });

  test('another workflow (or step) posts its own review', async () => {
    const a = await run('githubPostReview', review, 'wf-review-a');
    const b = await run('githubPostReview', review, 'wf-review-b');
    const c = await run('githubPostReview', { ...review, step: 'second-pass' }, 'wf-review-a');
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
  });

  test('a review whose response was lost (connection died after the post) is found by the retry, not posted again', async () => {
    gh.fault({ kind: 'dieAfterHandling', method: 'POST', path: /\/pulls\/7\/reviews$/ });
    const postsBefore = posts(/\/pulls\/7\/reviews$/);
    const err = await failure(run('githubPostReview', review, 'wf-review-died', 1));
    expect(err).toMatchObject({ type: 'GithubUnavailable', nonRetryable: false });
    const stored = repo.reviews.get(7)?.filter((r) => r.body.includes('claude-flow:wf-review-died/review')) ?? [];
    expect(stored).toHaveLength(1);

    const retried = await run('githubPostReview', review, 'wf-review-died', 2);
    expect(retried).toMatchObject({ id: stored[0].id, reused: true });
    // One POST in all: neither the retry plugin nor the retried activity posted again.
    expect(posts(/\/pulls\/7\/reviews$/) - postsBefore).toBe(1);
  });

  test('an issue comment is posted once, across a retry and a lost response', async () => {
    const input = { repo: 'acme/widgets', issue: 7, step: 'summary', body: 'All good.' };
    const first = await run('githubPostIssueComment', input, 'wf-comment', 1);
    const again = await run('githubPostIssueComment', input, 'wf-comment', 2);
    expect(again).toEqual({ ...first, reused: true });

    gh.fault({ kind: 'dieAfterHandling', method: 'POST', path: /\/issues\/7\/comments$/ });
    await expect(run('githubPostIssueComment', input, 'wf-comment-died', 1)).rejects.toMatchObject({
      type: 'GithubUnavailable',
      nonRetryable: false,
    });
    const retried = await run('githubPostIssueComment', input, 'wf-comment-died', 2);
    expect(retried.reused).toBe(true);

    const mine = repo.comments.filter((c) => /claude-flow:wf-comment(-died)?\/summary/.test(c.body));
    expect(mine.map((c) => c.id).sort()).toEqual([first.id, retried.id].sort());
  });

  test('an issue is created once, across a retry and a lost response', async () => {
    const input = {
      repo: 'acme/widgets',
      step: 'audit',
      title: 'Security audit findings',
      body: 'Found 2.',
      labels: ['security'],
    };
    const first = await run('githubCreateIssue', input, 'wf-issue', 1);
    const again = await run('githubCreateIssue', input, 'wf-issue', 2);
    expect(again).toEqual({ ...first, reused: true });
    expect(repo.issues.find((i) => i.number === first.number)).toMatchObject({
      title: 'Security audit findings',
      labels: ['security'],
    });

    gh.fault({ kind: 'dieAfterHandling', method: 'POST', path: /\/issues$/ });
    await expect(run('githubCreateIssue', input, 'wf-issue-died', 1)).rejects.toMatchObject({
      type: 'GithubUnavailable',
    });
    const retried = await run('githubCreateIssue', input, 'wf-issue-died', 2);
    expect(retried.reused).toBe(true);
    expect(repo.issues.filter((i) => i.body.includes('claude-flow:wf-issue-died/audit'))).toHaveLength(1);
    expect(repo.issues.filter((i) => i.body.includes('claude-flow:wf-issue/audit'))).toHaveLength(1);
  });

  test('a check run is created once; a token that may not create check runs gets skipped with the reason', async () => {
    const input = {
      repo: 'acme/widgets',
      step: 'check',
      name: 'claude-flow/review',
      headSha: HEAD,
      conclusion: 'success' as const,
      title: 'Review',
      summary: 'No findings.',
    };
    const first = await run('githubCreateCheckRun', input, 'wf-check', 1);
    const again = await run('githubCreateCheckRun', input, 'wf-check', 2);
    expect(first).toMatchObject({ outcome: 'created', reused: false });
    expect(again).toEqual({ ...first, reused: true });
    expect(repo.checkRuns).toHaveLength(1);
    expect(repo.checkRuns[0]).toMatchObject({
      external_id: 'wf-check/check',
      status: 'completed',
      conclusion: 'success',
    });

    const skipped = await run('githubCreateCheckRun', { ...input, repo: 'acme/pat-only' }, 'wf-check-pat');
    expect(skipped).toEqual({
      outcome: 'skipped',
      reason: expect.stringContaining('Resource not accessible by personal access token'),
    });
  });
});

describe('errors are classified once, for Temporal', () => {
  const read = () => run('githubGetPullRequest', { repo: 'acme/widgets', pull: 7 });

  test('secondary rate limit (403 + retry-after): retryable after retry-after, without waiting in the client', async () => {
    gh.fault({ kind: 'secondaryRateLimit', retryAfterSeconds: 60, path: /\/pulls\/7$/ });
    const before = gh.requests.length;
    const started = Date.now();
    const err = await failure(read());
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(gh.requests.length - before).toBe(1);
    expect(err).toMatchObject({ type: 'GithubRateLimited', nonRetryable: false, nextRetryDelay: 60_000 });
    expect(err.message).toContain('secondary rate limit');
  });

  test('primary rate limit (403, x-ratelimit-remaining 0): retryable once the limit resets', async () => {
    gh.fault({ kind: 'primaryRateLimit', resetInSeconds: 30, path: /\/pulls\/7$/ });
    const err = await failure(read());
    expect(err).toMatchObject({ type: 'GithubRateLimited', nonRetryable: false });
    expect(err.nextRetryDelay).toBeGreaterThanOrEqual(29_000);
    expect(err.nextRetryDelay).toBeLessThanOrEqual(32_000);
  });

  test('429: retryable after retry-after', async () => {
    gh.fault({ kind: 'tooManyRequests', retryAfterSeconds: 3, path: /\/pulls\/7$/ });
    const err = await failure(read());
    expect(err).toMatchObject({ type: 'GithubRateLimited', nonRetryable: false, nextRetryDelay: 3_000 });
  });

  test('500: retryable; a read is retried once in the client, a post never is', async () => {
    gh.fault({ kind: 'status', status: 500, path: /\/pulls\/7$/, times: 2 });
    const err = await failure(read());
    expect(err).toMatchObject({ type: 'GithubUnavailable', nonRetryable: false });
    expect(err.message).toContain('500');

    gh.fault({ kind: 'status', status: 500, method: 'POST', path: /\/issues\/7\/comments$/ });
    const postsBefore = posts(/\/issues\/7\/comments$/);
    await expect(
      run('githubPostIssueComment', { repo: 'acme/widgets', issue: 7, step: 's', body: 'x' }),
    ).rejects.toMatchObject({ type: 'GithubUnavailable', nonRetryable: false });
    expect(posts(/\/issues\/7\/comments$/) - postsBefore).toBe(1);
  });

  test('401: non-retryable, naming GITHUB_TOKEN', async () => {
    const err = await failure(
      run(
        'githubGetPullRequest',
        { repo: 'acme/widgets', pull: 7 },
        undefined,
        1,
        activities({ GITHUB_TOKEN: 'wrong' }),
      ),
    );
    expect(err).toMatchObject({ type: 'GithubAuthFailed', nonRetryable: true });
    expect(err.message).toMatch(/401: Bad credentials.*check GITHUB_TOKEN/);
  });

  test("422: non-retryable with GitHub's message", async () => {
    const err = await failure(
      run('githubPostReview', {
        repo: 'acme/widgets',
        pull: 7,
        step: 'bad',
        body: 'x',
        comments: [{ path: 'not/in/the/diff.ts', line: 3, body: 'here' }],
      }),
    );
    expect(err).toMatchObject({ type: 'GithubInvalidRequest', nonRetryable: true });
    expect(err.message).toContain('422: Unprocessable Entity: Path could not be resolved');
  });

  test('no token: non-retryable, saying to set GITHUB_TOKEN, and nothing is sent', async () => {
    const before = gh.requests.length;
    const err = await failure(
      run('githubGetPullRequest', { repo: 'acme/widgets', pull: 7 }, undefined, 1, activities({})),
    );
    expect(err).toMatchObject({ type: 'GithubNotConfigured', nonRetryable: true });
    expect(err.message).toContain('set GITHUB_TOKEN');
    expect(gh.requests.length).toBe(before);
  });
});
