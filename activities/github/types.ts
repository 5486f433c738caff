// Inputs and results of the GitHub activities. Repositories are named `owner/name`.

export interface PullRequestRef {
  repo: string;
  pull: number;
}

export interface PullRequest {
  repo: string;
  number: number;
  title: string;
  body: string;
  state: string;
  draft: boolean;
  author: string | undefined;
  url: string;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
}

export interface PullRequestFile {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  changes: number;
  /** The unified diff hunk text; absent for binary files and very large diffs. */
  patch?: string;
  previousFilename?: string;
}

export interface FileContent {
  repo: string;
  path: string;
  ref: string;
  sha: string;
  size: number;
  /** The file decoded as UTF-8. */
  content: string;
}

/**
 * Every post names a `step`: with the workflow id it makes the hidden marker that keeps the post
 * from happening twice. Use a different step for each distinct post in one workflow.
 */
export interface Step {
  step: string;
}

export interface ReviewComment {
  path: string;
  /** Line in the file the comment is on (the last line of a multi-line comment). */
  line: number;
  side?: 'LEFT' | 'RIGHT';
  /** First line of a multi-line comment. */
  startLine?: number;
  body: string;
}

export interface PostReviewInput extends PullRequestRef, Step {
  body: string;
  /** @default 'COMMENT' */
  event?: 'COMMENT' | 'APPROVE' | 'REQUEST_CHANGES';
  /** Commit the line comments refer to; default: the pull request's head. */
  commitId?: string;
  comments?: ReviewComment[];
}

export interface IssueCommentInput extends Step {
  repo: string;
  /** Issue or pull request number. */
  issue: number;
  body: string;
}

export interface CreateIssueInput extends Step {
  repo: string;
  title: string;
  body: string;
  labels?: string[];
}

export interface CheckRunInput extends Step {
  repo: string;
  name: string;
  headSha: string;
  /** @default 'completed' */
  status?: 'queued' | 'in_progress' | 'completed';
  /** Required by GitHub when status is completed. */
  conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';
  title: string;
  summary: string;
  text?: string;
}

/** What was posted, or the earlier attempt's post found by its marker (`reused`). */
export interface Posted {
  id: number;
  url: string;
  reused: boolean;
}

export interface PostedIssue extends Posted {
  number: number;
}

export type CheckRunResult = ({ outcome: 'created' } & Posted) | { outcome: 'skipped'; reason: string };

export interface CreateReleaseInput extends Step {
  repo: string;
  /** The tag to release, e.g. v1.2.0 (GitHub creates it at targetCommitish when it does not exist). */
  tag: string;
  /** @default the tag */
  name?: string;
  body: string;
  /** Branch or commit sha the tag is created at; default: the repository's default branch. */
  targetCommitish?: string;
  draft?: boolean;
  prerelease?: boolean;
}

export interface PostedRelease extends Posted {
  tag: string;
}
