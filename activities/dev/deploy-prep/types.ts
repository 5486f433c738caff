// Shapes of the release activities and the deployPrep workflow. Plain JSON: these cross Temporal.

export type Bump = 'major' | 'minor' | 'patch';

/** One commit read as a conventional commit (https://www.conventionalcommits.org/en/v1.0.0/). */
export interface ParsedCommit {
  sha: string;
  /** The subject line as written. */
  subject: string;
  /** feat, fix, perf, …; undefined for a commit that does not follow the convention. */
  type?: string;
  scope?: string;
  /** The subject after "type(scope): ", or the whole subject for other commits. */
  description: string;
  breaking: boolean;
  /** What the BREAKING CHANGE footer says, when there is one. */
  breakingNote?: string;
}

export interface ReleasePlanInput {
  /** Absolute path of the repository. */
  path: string;
  /** Tags that are versions look like `<tagPrefix><semver>`. @default 'v' */
  tagPrefix?: string;
  /** Use this version instead of the computed one (e.g. "1.0.0" to leave 0.x). */
  version?: string;
  /** The date printed in the changelog heading (YYYY-MM-DD). */
  date: string;
}

export interface ReleasePlan {
  /** The last version tag reachable from HEAD, or undefined when there is none. */
  previousTag?: string;
  previousVersion: string;
  nextVersion: string;
  tag: string;
  /** Undefined when the version was given rather than computed. */
  bump?: Bump;
  head: string;
  commits: ParsedCommit[];
  /** The changelog section for this version, Markdown. */
  changelog: string;
}

export interface WebhookReleaseInput {
  url: string;
  /** Sent as the Idempotency-Key header: receivers drop a repeat. */
  idempotencyKey: string;
  payload: Record<string, unknown>;
}

export interface WebhookReleaseResult {
  status: number;
  /** The receiver's answer, bounded. */
  body: string;
}
