// Reading pull requests and files.
import { ApplicationFailure } from '@temporalio/activity';
import type { GithubClient } from './client';
import { GITHUB_ERROR } from './errors';
import type { FileContent, PullRequest, PullRequestFile } from './types';

export function pullRequestOf(repo: string, pr: Awaited<ReturnType<GithubClient['rest']['pulls']['get']>>['data']) {
  const result: PullRequest = {
    repo,
    number: pr.number,
    title: pr.title,
    body: pr.body ?? '',
    state: pr.state,
    draft: pr.draft ?? false,
    author: pr.user?.login,
    url: pr.html_url,
    head: { ref: pr.head.ref, sha: pr.head.sha },
    base: { ref: pr.base.ref, sha: pr.base.sha },
  };
  return result;
}

/** Every changed file with its patch, across all pages. */
export async function listFiles(
  octokit: GithubClient,
  where: { owner: string; repo: string },
  pull: number,
): Promise<PullRequestFile[]> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, { ...where, pull_number: pull, per_page: 100 });
  return files.map((f) => ({
    filename: f.filename,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.changes,
    ...(f.patch === undefined ? {} : { patch: f.patch }),
    ...(f.previous_filename === undefined ? {} : { previousFilename: f.previous_filename }),
  }));
}

/** A file at a ref; `undefined` when the path is a directory, a symlink or a submodule. */
export async function getFile(
  octokit: GithubClient,
  where: { owner: string; repo: string },
  path: string,
  ref: string,
): Promise<Omit<FileContent, 'repo'> | undefined> {
  const { data } = await octokit.rest.repos.getContent({ ...where, path, ref });
  if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
  if (data.encoding === 'none') {
    throw ApplicationFailure.create({
      type: GITHUB_ERROR.invalid,
      nonRetryable: true,
      message: `${path} at ${ref} is ${data.size} bytes, too large for GitHub's contents API (1 MB)`,
    });
  }
  return {
    path: data.path,
    ref,
    sha: data.sha,
    size: data.size,
    content: Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8'),
  };
}
