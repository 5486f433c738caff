// What a linter of the review is given and gives back.
import type { Finding } from '../../../../workflows/contract/findings';

/** A changed file the linter reads, in the working tree (path relative to the repository). */
export interface LintTarget {
  path: string;
}

/** Every finding the linter reported in the targets (the caller keeps those on changed lines), or why it did not run. */
export type LinterOutcome = { findings: Finding[] } | { skipped: string };

export interface Linter {
  name: string;
  /** The language it lints, for notes. */
  language: string;
  matches: (file: string) => boolean;
  run(repo: string, targets: LintTarget[]): Promise<LinterOutcome>;
}
