// Shapes of the test-run activities and the testRun workflow. Plain JSON: these cross Temporal.
import type { Skipped } from '../../../workflows/contract/runs';

export type ReportFormat = 'junit' | 'tap' | 'jest';

export type CaseStatus = 'passed' | 'failed' | 'skipped';

/** One test case as a report states it. */
export interface TestCase {
  /** Suite names and the test's own name joined by " > " (unique enough to match across runs). */
  name: string;
  /** The test's own name (what a runner's name filter matches). */
  title: string;
  status: CaseStatus;
  /** First lines of the failure message, for failed cases. */
  message?: string;
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
  /** Report written by the command (JUnit XML or Jest JSON), relative to `path`; else stdout is parsed. */
  reportFile?: string;
  /** Kill the command's whole process tree after this long. @default 600000 */
  timeoutMs?: number;
  /** Re-run only these tests (names as first reported), filtering by name when the runner allows. */
  only?: { name: string; title: string }[];
}

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
}

/** The result of the testRun workflow. */
export interface TestRunResult {
  /** No failures (flaky tests that passed on rerun are not failures), no timeout, a readable report. */
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
  /** Tests that failed and then passed when rerun. Counted in neither `passed` nor `failed`. */
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
