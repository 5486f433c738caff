// Shapes of the test-run activities and the testRun workflow. Plain JSON: these cross Temporal.
import type { Skipped } from '../../../workflows/contract/runs';

/** JUnit XML, TAP (Node, prove -v), Jest's --json output, `go test -json` events. */
export type ReportFormat = 'junit' | 'tap' | 'jest' | 'go-json';

export type CaseStatus = 'passed' | 'failed' | 'skipped';

/**
 * One test case as a report states it. Its identity is its full path: `file` (where the report
 * names it), `suites` and `title`, parameters included as the runner prints them in the title
 * (`test_x[2-3]`, `multiplies(int, int)[1]`). Reruns match on that identity (see
 * workflows/contract/test-identity.ts).
 */
export interface TestCase {
  /**
   * The full path for people: pytest's node id (`tests/test_calc.py::TestMul::test_x[2-3]`), else
   * the file, the suites and the title joined by " > " (`math.test.js > math > adds`).
   */
  name: string;
  /** The test's own name, exactly as the runner prints it (what a runner's name filter matches). */
  title: string;
  /** Enclosing suites, classes or packages, outermost first (not the file). */
  suites: string[];
  status: CaseStatus;
  /** First lines of the failure message, for failed cases, character references decoded. */
  message?: string;
  /** The test's file, relative to the repository when inside it. */
  file?: string;
  durationMs?: number;
}

export interface ParsedReport {
  format: ReportFormat;
  cases: TestCase[];
}

export interface RunTestsInput {
  /** Absolute path of the repository (the command's working directory). */
  path: string;
  /** The test command line, run through /bin/sh -c. */
  command: string;
  /** @default 'auto' */
  format?: ReportFormat | 'auto';
  /**
   * Report written by the command (JUnit XML or Jest JSON), relative to `path`, or a directory of
   * JUnit XML files (Surefire's `target/surefire-reports`); else stdout is parsed.
   */
  reportFile?: string;
  /** Kill the command's whole process tree after this long. @default 600000 */
  timeoutMs?: number;
  /** Re-run only these tests (as first reported), filtering by name when the runner allows. */
  only?: RerunTest[];
}

/** What a rerun needs to know of a test to narrow the command to it. */
export type RerunTest = Pick<TestCase, 'name' | 'title' | 'suites'>;

export interface RunTestsResult {
  command: string;
  /** How the rerun was narrowed: 'name-filter' (only the named tests ran) or 'whole-command'. */
  filter?: 'name-filter' | 'whole-command';
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** The format the report was read as; undefined when there was no report to read. */
  format?: ReportFormat;
  cases: TestCase[];
  /** Why no report could be read (missing file, unrecognised output). */
  reportError?: string;
  /** The last few KB of stdout and stderr, for triage and for humans. */
  outputTail: string;
}

export interface TestFailure {
  name: string;
  message: string;
  file?: string;
  /** Why the rerun could not clear it, when it did not simply fail again (not rerun, ambiguous). */
  rerun?: string;
}

/** The result of the testRun workflow. */
export interface TestRunResult {
  /** No failures (flaky tests that passed on rerun are not failures), no timeout, a readable report. */
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
  /**
   * Tests (full names) that failed and then passed when rerun: the same identity, file included.
   * Counted in neither `passed` nor `failed`.
   */
  flaky: string[];
  failures: TestFailure[];
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  format?: ReportFormat;
  reportError?: string;
  rerun?: { filter: 'name-filter' | 'whole-command'; tests: number; passedOnRerun: number; durationMs: number };
  /** AI triage of the failures, or why it did not run. */
  triage?: string | Skipped;
  outputTail: string;
}
