// The runTests activity: one run of a repository's test command (its whole process tree killed on
// timeout or cancellation, heartbeats while it runs), then its report parsed. A rerun of named tests
// narrows the command with the runner's own name filter when the command shows which runner it is.
import { statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { masked, runCommand } from '../process';
import { parseReport, ReportError, type ParseOptions } from './parse';
import type { ParsedReport, RerunTest, RunTestsInput, RunTestsResult } from './types';

const TAIL_BYTES = 8 * 1024;
const OUTPUT_BYTES = 8 * 1024 * 1024;

/** Non-retryable: the input cannot work, whatever the retries. */
export function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InvalidInput', nonRetryable: true, message });
}

/** Checks `repo` is an existing absolute directory. */
export async function assertRepoDir(repo: string): Promise<void> {
  if (!path.isAbsolute(repo)) throw badInput(`path "${repo}" must be absolute, e.g. /home/me/project`);
  const st = await fs.stat(repo).catch(() => undefined);
  if (!st?.isDirectory()) throw badInput(`path ${repo} is not an existing directory`);
}

/** The report file inside the repository; refuses paths that leave it. */
export function reportPath(repo: string, reportFile: string): string {
  const full = path.resolve(repo, reportFile);
  const rel = path.relative(repo, full);
  if (path.isAbsolute(reportFile) || rel.startsWith('..') || rel === '') {
    throw badInput(`reportFile "${reportFile}" must be a file path relative to the repository, inside it`);
  }
  return full;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The command narrowed to `tests` with the runner's own name filter, when the command line shows a
 * runner that has one; undefined otherwise (the whole command reruns). node --test matches a test's
 * own name; jest and vitest match the full name (describe titles and the test's, space-separated).
 * A filter selects by name only: same-named tests elsewhere run too, which the rerun's matching
 * (by file and suites as well) expects.
 */
export function filteredCommand(command: string, tests: RerunTest[]): string | undefined {
  if (tests.length === 0) return undefined;
  const pattern = (names: string[]) => shellQuote(`^(${[...new Set(names)].map(escapeRegex).join('|')})$`);
  // Only one runner per command line, and nothing after it that an appended flag could break.
  if (/[;&|<>]/.test(command)) return undefined;
  if (/\bnode\b.*\s--test\b/.test(command)) {
    return `${command} --test-name-pattern=${pattern(tests.map((t) => t.title))}`;
  }
  if (/\b(jest|vitest)\b/.test(command)) {
    return `${command} --testNamePattern=${pattern(tests.map((t) => [...t.suites, t.title].join(' ')))}`;
  }
  return undefined;
}

function tail(stdout: string, stderr: string): string {
  const cut = (s: string, n: number) => (Buffer.byteLength(s) > n ? `…${s.slice(-n)}` : s);
  const parts = [];
  if (stdout.trim()) parts.push(`--- stdout ---\n${cut(stdout, TAIL_BYTES / 2)}`);
  if (stderr.trim()) parts.push(`--- stderr ---\n${cut(stderr, TAIL_BYTES / 2)}`);
  return parts.join('\n');
}

const isXml = (name: string) => name.toLowerCase().endsWith('.xml');

/** Removes a report left by an earlier run: the file, or a report directory's XML files. */
async function removeStale(report: string): Promise<void> {
  const st = await fs.stat(report).catch(() => undefined);
  if (!st) return;
  if (!st.isDirectory()) return fs.rm(report, { force: true });
  for (const name of (await fs.readdir(report)).filter(isXml)) await fs.rm(path.join(report, name), { force: true });
}

/** The report's text: the file, or each XML file of a report directory (JUnit), in name order. */
async function readReport(report: string): Promise<string[] | undefined> {
  const st = await fs.stat(report).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isDirectory()) return [masked(await fs.readFile(report, 'utf8'))];
  const names = (await fs.readdir(report)).filter(isXml).sort();
  if (names.length === 0) return undefined;
  return Promise.all(names.map(async (n) => masked(await fs.readFile(path.join(report, n), 'utf8'))));
}

function parseAll(contents: string[], format: RunTestsInput['format'], opts: ParseOptions): ParsedReport {
  if (contents.length === 1) return parseReport(contents[0], format ?? 'auto', opts);
  // A directory of reports is JUnit's habit (one file per class).
  const parsed = contents.map((c) => parseReport(c, format === 'auto' || !format ? 'junit' : format, opts));
  return { format: parsed[0].format, cases: parsed.flatMap((p) => p.cases) };
}

export async function runTests(input: RunTestsInput): Promise<RunTestsResult> {
  await assertRepoDir(input.path);
  if (!input.command?.trim()) throw badInput('command is empty: give the test command, e.g. "npm test"');
  const format = input.format ?? 'auto';
  const report = input.reportFile ? reportPath(input.path, input.reportFile) : undefined;
  let command = input.command;
  let filter: RunTestsResult['filter'];
  if (input.only) {
    const narrowed = filteredCommand(input.command, input.only);
    command = narrowed ?? input.command;
    filter = narrowed ? 'name-filter' : 'whole-command';
  }
  // A stale report from an earlier run must never be read as this run's.
  if (report) await removeStale(report);

  const run = await runCommand({
    command,
    shell: true,
    cwd: input.path,
    timeoutMs: input.timeoutMs ?? 600_000,
    maxOutputBytes: OUTPUT_BYTES,
    // jest-junit then names each test's file, which tells same-named tests in two files apart.
    env: { CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', JEST_JUNIT_ADD_FILE_ATTRIBUTE: 'true' },
  });
  const base: RunTestsResult = {
    command,
    ...(filter ? { filter } : {}),
    exitCode: run.exitCode,
    signal: run.signal,
    timedOut: run.timedOut,
    durationMs: run.durationMs,
    cases: [],
    outputTail: tail(run.stdout, run.stderr),
  };
  if (run.timedOut) return { ...base, reportError: `the command was killed after ${input.timeoutMs ?? 600_000} ms` };

  let contents: string[];
  if (report) {
    // Written by the program, so masked like its output.
    const read = await readReport(report).catch(() => undefined);
    if (read === undefined) {
      return {
        ...base,
        reportError: `the command wrote no report at ${input.reportFile}; check that it writes one there (exit code ${run.exitCode})`,
      };
    }
    contents = read;
  } else if (run.truncated && Buffer.byteLength(run.stdout) >= OUTPUT_BYTES - 64 * 1024) {
    // Only the tail of a longer stdout is kept (masking may shorten it a little).
    return {
      ...base,
      reportError: `stdout was longer than ${OUTPUT_BYTES / 1024 / 1024} MiB, so its report would be cut: write the report to a file and give reportFile`,
    };
  } else {
    contents = [run.stdout];
  }
  const opts: ParseOptions = {
    root: input.path,
    isFile: (rel) => statSync(path.join(input.path, rel), { throwIfNoEntry: false })?.isFile() ?? false,
  };
  try {
    const parsed = parseAll(contents, format, opts);
    return { ...base, format: parsed.format, cases: parsed.cases };
  } catch (err) {
    if (err instanceof ReportError) {
      return { ...base, reportError: `${report ? input.reportFile : 'stdout'}: ${err.message}` };
    }
    throw err;
  }
}
