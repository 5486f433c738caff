// Inputs and results of the codeReview activities and workflow. Plain JSON: they cross Temporal.
import type { Finding, Severity } from '../../../workflows/contract/findings';

/** Where the diff comes from, with refs resolved to commits so every re-read sees the same diff. */
export type DiffSource =
  | { kind: 'pr'; repo: string; pull: number; headSha: string; baseSha: string }
  | { kind: 'local'; path: string; base: string; head: string };

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
  chunkTokens: number;
  maxChunks: number;
  maxFiles: number;
}

export interface CollectedDiff {
  source: DiffSource;
  /** The pull request's title and address, or a one-line description of the local range. */
  title: string;
  url?: string;
  files: { path: string; status: string; additions: number; deletions: number; binary: boolean }[];
  /** Files beyond `maxFiles`, not reviewed at all. */
  filesOmitted: number;
  chunks: ChunkRef[];
  /** Files the model does not see, with why (lockfiles, binaries, over the chunk limit). */
  notForAi: { path: string; reason: string }[];
  totals: { files: number; additions: number; deletions: number; hunks: number };
}

export type LintResult =
  { outcome: 'ok'; linter: string; findings: Finding[]; filesLinted: number } | { outcome: 'skipped'; reason: string };

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
