// Inputs and results of the codeReview activities and workflow. Plain JSON: they cross Temporal.
import type { Finding, Severity } from '../../../workflows/contract/findings';

/**
 * Where the diff comes from, with refs resolved to commits so every re-read sees the same diff. A
 * working tree's uncommitted changes are a snapshot commit of it (made without touching the index,
 * the branch or any file), so they too are a fixed base..head.
 */
export type DiffSource =
  | {
      kind: 'pr';
      repo: string;
      pull: number;
      headSha: string;
      baseSha: string;
      /** A local checkout of the pull request's head, where the linters run. */
      checkout?: string;
    }
  | { kind: 'local'; path: string; base: string; head: string; workingTree?: boolean };

/** Hunks `from` (inclusive) to `to` (exclusive) of one file. */
export interface ChunkPart {
  path: string;
  from: number;
  to: number;
}

/** One unit of AI review: a descriptor only; the activity re-reads its text from the source. */
export interface ChunkRef {
  id: number;
  parts: ChunkPart[];
  tokens: number;
}

export interface CollectInput {
  repo?: string;
  pullRequest?: number;
  path?: string;
  base?: string;
  head?: string;
  /** Review the working tree's uncommitted changes (staged, unstaged, untracked) on top of base. */
  workingTree?: boolean;
  chunkTokens: number;
  maxChunks: number;
  maxFiles: number;
}

export interface CollectedDiff {
  source: DiffSource;
  /** The pull request's title and address, or a one-line description of the local range. */
  title: string;
  url?: string;
  files: {
    path: string;
    status: string;
    additions: number;
    deletions: number;
    binary: boolean;
    /** Why it was not reviewed (its diff is too large), if it was not. */
    skipped?: string;
  }[];
  /** Files beyond `maxFiles`, not reviewed at all. */
  filesOmitted: number;
  chunks: ChunkRef[];
  /** Files the model does not see, with why (lockfiles, binaries, over the chunk limit). */
  notForAi: { path: string; reason: string }[];
  totals: { files: number; additions: number; deletions: number; hunks: number };
  /** What the review should say about the diff itself (files too large to review, an empty working tree). */
  notes?: string[];
}

/** One linter's part in a review. */
export interface LinterRun {
  linter: string;
  outcome: 'ok' | 'skipped';
  /** Findings on changed lines. */
  findings: number;
  files: number;
  reason?: string;
}

/** The linters of the changed files' languages; `linter` names those that ran. */
export type LintResult =
  | { outcome: 'ok'; linter: string; findings: Finding[]; filesLinted: number; runs?: LinterRun[] }
  | { outcome: 'skipped'; reason: string; runs?: LinterRun[] };

export type ChunkReview =
  | {
      outcome: 'ok';
      chunk: number;
      findings: Finding[];
      provider: string;
      model: string;
      /** Findings the model returned that were dropped (paths outside the chunk, bad fields). */
      dropped: number;
    }
  | { outcome: 'skipped'; chunk: number; reason: string }
  /** The model answered, but not with findings we could read. */
  | { outcome: 'unparsable'; chunk: number; reason: string };

export interface ReviewSummary {
  title: string;
  counts: Record<Severity, number>;
  findings: Finding[];
  /** One line per step that did not fully run (AI skipped, linter missing, chunks unparsable…). */
  notes: string[];
  totals: CollectedDiff['totals'];
}

export interface PublishInput {
  source: DiffSource & { kind: 'pr' };
  summary: ReviewSummary;
  /** Names the post (with the workflow id) so it happens once. */
  step: string;
  maxComments: number;
}

export interface PublishResult {
  reviewId: number;
  url: string;
  reused: boolean;
  lineComments: number;
}

export interface ReportInput {
  source: DiffSource & { kind: 'local' };
  summary: ReviewSummary;
  reportDir?: string;
  id: string;
}
