// Posting to GitHub, each post at most once: look for the marker first, post only when it is absent.
// A post whose response was lost (the worker died, the connection broke) is found by the next attempt.
import { type GithubClient, NO_RETRY } from './client';
import { hasMarker, withMarker } from './marker';
import type { CheckRunInput, CreateIssueInput, IssueCommentInput, Posted, PostedIssue, PostReviewInput } from './types';

type Where = { owner: string; repo: string };

/** How many recent issues (newest first) are searched for an earlier attempt's issue. */
const ISSUE_SCAN_LIMIT = 500;

export async function postReview(octokit: GithubClient, where: Where, input: PostReviewInput, key: string) {
  const pages = octokit.paginate.iterator(octokit.rest.pulls.listReviews, {
    ...where,
    pull_number: input.pull,
    per_page: 100,
  });
  for await (const page of pages) {
    const found = page.data.find((r) => hasMarker(r.body, key));
    if (found) return { id: found.id, url: found.html_url, reused: true } satisfies Posted;
  }
  const { data } = await octokit.rest.pulls.createReview({
    ...where,
    pull_number: input.pull,
    body: withMarker(input.body, key),
    event: input.event ?? 'COMMENT',
    ...(input.commitId ? { commit_id: input.commitId } : {}),
    comments: (input.comments ?? []).map((c) => ({
      path: c.path,
      line: c.line,
      body: c.body,
      side: c.side ?? 'RIGHT',
      ...(c.startLine === undefined ? {} : { start_line: c.startLine, start_side: c.side ?? 'RIGHT' }),
    })),
    ...NO_RETRY,
  });
  return { id: data.id, url: data.html_url, reused: false } satisfies Posted;
}

export async function postIssueComment(octokit: GithubClient, where: Where, input: IssueCommentInput, key: string) {
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    ...where,
    issue_number: input.issue,
    per_page: 100,
  });
  for await (const page of pages) {
    const found = page.data.find((c) => hasMarker(c.body, key));
    if (found) return { id: found.id, url: found.html_url, reused: true } satisfies Posted;
  }
  const { data } = await octokit.rest.issues.createComment({
    ...where,
    issue_number: input.issue,
    body: withMarker(input.body, key),
    ...NO_RETRY,
  });
  return { id: data.id, url: data.html_url, reused: false } satisfies Posted;
}

export async function createIssue(octokit: GithubClient, where: Where, input: CreateIssueInput, key: string) {
  const pages = octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
    ...where,
    state: 'all',
    sort: 'created',
    direction: 'desc',
    per_page: 100,
  });
  let seen = 0;
  for await (const page of pages) {
    const found = page.data.find((i) => !i.pull_request && hasMarker(i.body, key));
    if (found) return { id: found.id, number: found.number, url: found.html_url, reused: true } satisfies PostedIssue;
    seen += page.data.length;
    if (seen >= ISSUE_SCAN_LIMIT) break;
  }
  const { data } = await octokit.rest.issues.create({
    ...where,
    title: input.title,
    body: withMarker(input.body, key),
    ...(input.labels ? { labels: input.labels } : {}),
    ...NO_RETRY,
  });
  return { id: data.id, number: data.number, url: data.html_url, reused: false } satisfies PostedIssue;
}

/** Check runs have no body to mark: the key goes in `external_id`, looked up among the commit's runs. */
export async function createCheckRun(octokit: GithubClient, where: Where, input: CheckRunInput, key: string) {
  const pages = octokit.paginate.iterator(octokit.rest.checks.listForRef, {
    ...where,
    ref: input.headSha,
    check_name: input.name,
    filter: 'all',
    per_page: 100,
  });
  for await (const page of pages) {
    const found = page.data.find((r) => r.external_id === key);
    if (found) return { id: found.id, url: found.html_url ?? found.url, reused: true } satisfies Posted;
  }
  const status = input.status ?? 'completed';
  const { data } = await octokit.rest.checks.create({
    ...where,
    name: input.name,
    head_sha: input.headSha,
    external_id: key,
    status,
    ...(status === 'completed' ? { conclusion: input.conclusion ?? 'neutral' } : {}),
    output: { title: input.title, summary: input.summary, ...(input.text ? { text: input.text } : {}) },
    ...NO_RETRY,
  });
  return { id: data.id, url: data.html_url ?? data.url, reused: false } satisfies Posted;
}
