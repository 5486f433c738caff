// The GitHub activities: read pull requests, their files and file contents; post reviews, comments,
// issues and check runs, each at most once per workflow step (see marker.ts). Errors are classified
// once, in errors.ts; Temporal retries what is worth retrying, after the wait GitHub asks for.
import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from '../deps';
import { type GithubClient, githubClient } from './client';
import { GITHUB_ERROR, toGithubFailure } from './errors';
import { markerKey } from './marker';
import { uploadSarif, type UploadSarifInput, type UploadSarifResult } from './code-scanning';
import { createCheckRun, createIssue, postIssueComment, postReview } from './posts';
import { getFile, listFiles, pullRequestOf } from './reads';
import { createRelease } from './releases';
import type {
  CheckRunInput,
  CheckRunResult,
  CreateIssueInput,
  CreateReleaseInput,
  FileContent,
  IssueCommentInput,
  Posted,
  PostedIssue,
  PostedRelease,
  PostReviewInput,
  PullRequest,
  PullRequestFile,
  PullRequestRef,
} from './types';

export * from './types';
export type { UploadSarifInput, UploadSarifResult } from './code-scanning';
export { GITHUB_ERROR } from './errors';

type Where = { owner: string; repo: string };

function ownerRepo(repo: string): Where {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repo);
  if (!m) {
    throw ApplicationFailure.create({
      type: GITHUB_ERROR.invalid,
      nonRetryable: true,
      message: `"${repo}" is not a repository name; use owner/name, e.g. octocat/hello-world`,
    });
  }
  return { owner: m[1], repo: m[2] };
}

export function createGithubActivities(deps: Pick<ActivityDeps, 'config' | 'logger'>) {
  const { config, logger } = deps;

  /** Runs one GitHub operation with a fresh client; every error leaves classified. */
  async function call<T>(what: string, repo: string, op: (octokit: GithubClient, where: Where) => Promise<T>) {
    const where = ownerRepo(repo);
    const octokit = githubClient(config.github, logger);
    try {
      return await op(octokit, where);
    } catch (err) {
      throw toGithubFailure(what, err);
    }
  }

  return {
    async githubGetPullRequest(input: PullRequestRef): Promise<PullRequest> {
      return call(`pull request ${input.repo}#${input.pull}`, input.repo, async (octokit, where) => {
        const { data } = await octokit.rest.pulls.get({ ...where, pull_number: input.pull });
        return pullRequestOf(input.repo, data);
      });
    },

    /** Every changed file with its patch (all pages). */
    async githubListPullRequestFiles(input: PullRequestRef): Promise<PullRequestFile[]> {
      return call(`pull request ${input.repo}#${input.pull}`, input.repo, (octokit, where) =>
        listFiles(octokit, where, input.pull),
      );
    },

    /** A file's content at a ref (branch, tag or sha). A directory or a missing path fails, non-retryable. */
    async githubGetFileContent(input: { repo: string; path: string; ref: string }): Promise<FileContent> {
      const what = `file ${input.path} at ${input.ref} in ${input.repo}`;
      const file = await call(what, input.repo, (octokit, where) => getFile(octokit, where, input.path, input.ref));
      if (!file) {
        throw ApplicationFailure.create({
          type: GITHUB_ERROR.invalid,
          nonRetryable: true,
          message: `${what} is not a file (a directory, symlink or submodule)`,
        });
      }
      return { repo: input.repo, ...file };
    },

    /** A review (body and line comments) on a pull request, posted at most once per workflow step. */
    async githubPostReview(input: PostReviewInput): Promise<Posted> {
      const key = markerKey(input.step);
      return call(`pull request ${input.repo}#${input.pull}`, input.repo, (octokit, where) =>
        postReview(octokit, where, input, key),
      );
    },

    /** A comment on an issue or pull request, posted at most once per workflow step. */
    async githubPostIssueComment(input: IssueCommentInput): Promise<Posted> {
      const key = markerKey(input.step);
      return call(`issue ${input.repo}#${input.issue}`, input.repo, (octokit, where) =>
        postIssueComment(octokit, where, input, key),
      );
    },

    /** An issue, created at most once per workflow step. */
    async githubCreateIssue(input: CreateIssueInput): Promise<PostedIssue> {
      const key = markerKey(input.step);
      return call(`issues of ${input.repo}`, input.repo, (octokit, where) => createIssue(octokit, where, input, key));
    },

    /** A release (and its tag), created at most once per workflow step; a tag released by others is refused. */
    async githubCreateRelease(input: CreateReleaseInput): Promise<PostedRelease> {
      const key = markerKey(input.step);
      return call(`releases of ${input.repo}`, input.repo, (octokit, where) =>
        createRelease(octokit, where, input, key),
      );
    },

    /**
     * A SARIF log uploaded to code scanning for a commit, once across retries (see code-scanning.ts).
     * A repository where uploads are refused (403: code scanning or GitHub Advanced Security off,
     * or a token without security_events) gets `{outcome: 'skipped', reason}` instead of a failure.
     */
    async githubUploadSarif(input: UploadSarifInput): Promise<UploadSarifResult> {
      const what = `code scanning of ${input.repo}@${input.commitSha.slice(0, 12)}`;
      if (!/^[0-9a-f]{40}$/.test(input.commitSha) || !/^refs\/(heads|tags|pull)\/./.test(input.ref)) {
        throw ApplicationFailure.create({
          type: GITHUB_ERROR.invalid,
          nonRetryable: true,
          message: `${what}: commitSha must be a full 40-digit sha and ref a full ref (refs/heads/main, refs/pull/7/head); got ${input.commitSha} and ${input.ref}`,
        });
      }
      try {
        return await call(what, input.repo, (octokit, where) => uploadSarif(octokit, where, input));
      } catch (err) {
        if (
          err instanceof ApplicationFailure &&
          (err.type === GITHUB_ERROR.forbidden || err.type === GITHUB_ERROR.notFound)
        ) {
          return { outcome: 'skipped', reason: err.message };
        }
        throw err;
      }
    },

    /**
     * A check run on a commit, created at most once per workflow step. Tokens that may not create
     * check runs (only GitHub Apps may) get `{outcome: 'skipped', reason}` instead of a failure.
     */
    async githubCreateCheckRun(input: CheckRunInput): Promise<CheckRunResult> {
      const key = markerKey(input.step);
      const what = `check runs of ${input.repo}@${input.headSha.slice(0, 12)}`;
      try {
        const posted = await call(what, input.repo, (octokit, where) => createCheckRun(octokit, where, input, key));
        return { outcome: 'created', ...posted };
      } catch (err) {
        // Rate limits are GithubRateLimited, not GithubForbidden: only a refusal is skipped.
        if (err instanceof ApplicationFailure && err.type === GITHUB_ERROR.forbidden) {
          return { outcome: 'skipped', reason: err.message };
        }
        throw err;
      }
    },
  };
}
