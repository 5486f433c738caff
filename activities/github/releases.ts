// Creating a GitHub release at most once: the release body carries the marker of the workflow step,
// and the repository's releases (drafts included, which GitHub's by-tag lookup does not return) are
// searched for it before creating. A release of the same tag made by anyone else is a conflict.
import { ApplicationFailure } from '@temporalio/activity';
import { type GithubClient, NO_RETRY } from './client';
import { GITHUB_ERROR } from './errors';
import { hasMarker, withMarker } from './marker';
import type { CreateReleaseInput, PostedRelease } from './types';

type Where = { owner: string; repo: string };

/** How many recent releases (newest first) are searched for an earlier attempt's release. */
const RELEASE_SCAN_LIMIT = 500;

export async function createRelease(
  octokit: GithubClient,
  where: Where,
  input: CreateReleaseInput,
  key: string,
): Promise<PostedRelease> {
  const pages = octokit.paginate.iterator(octokit.rest.repos.listReleases, { ...where, per_page: 100 });
  let seen = 0;
  for await (const page of pages) {
    const mine = page.data.find((r) => hasMarker(r.body, key));
    if (mine) return { id: mine.id, url: mine.html_url, tag: mine.tag_name, reused: true };
    const other = page.data.find((r) => r.tag_name === input.tag);
    if (other) {
      throw ApplicationFailure.create({
        type: GITHUB_ERROR.invalid,
        nonRetryable: true,
        message: `${where.owner}/${where.repo} already has a release for tag ${input.tag} (${other.html_url}); release a new version or delete that release`,
      });
    }
    seen += page.data.length;
    if (seen >= RELEASE_SCAN_LIMIT) break;
  }
  const { data } = await octokit.rest.repos.createRelease({
    ...where,
    tag_name: input.tag,
    name: input.name ?? input.tag,
    body: withMarker(input.body, key),
    ...(input.targetCommitish ? { target_commitish: input.targetCommitish } : {}),
    draft: input.draft ?? false,
    prerelease: input.prerelease ?? false,
    ...NO_RETRY,
  });
  return { id: data.id, url: data.html_url, tag: data.tag_name, reused: false };
}
