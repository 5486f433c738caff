// The runTests activity: one run of a repository's test command (its whole process tree killed on
// timeout or cancellation, heartbeats while it runs), then its report parsed. A rerun of named tests
// narrows the command with the runner's own name filter when the command shows which runner it is.
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { masked, runCommand } from '../process';
import { parseReport, ReportError } from './parse';
import type { RunTestsInput, RunTestsResult } from './types';

const TAIL_BYTES = 8 * 1024;

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
 */
export function filteredCommand(command: string, tests: { name: string; title: string }[]): string | undefined {
  if (tests.length === 0) return undefined;
  const pattern = (names: string[]) => shellQuote(`^(${[...new Set(names)].map(escapeRegex).join('|')})$`);
  // Only one runner per command line, and nothing after it that an appended flag could break.
  if (/[;&|<>]/.test(command)) return undefined;
  if (/\bnode\b.*\s--test\b/.test(command)) {
    return `${command} --test-name-pattern=${pattern(tests.map((t) => t.title))}`;
  }
  if (/\b(jest|vitest)\b/.test(command)) {
    return `${command} --testNamePattern=${pattern(tests.map((t) => t.name.split(' > ').join(' ')))}`;
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
  if (report) await fs.rm(report, { force: true });

  const run = await runCommand({
    command,
    shell: true,
    cwd: input.path,
    timeoutMs: input.timeoutMs ?? 600_000,
    maxOutputBytes: 8 * 1024 * 1024,
    env: { CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' },
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

  let content: string;
  if (report) {
    // Written by the program, so masked like its output.
    const read = await fs
      .readFile(report, 'utf8')
      .then(masked)
      .catch(() => undefined);
    if (read === undefined) {
      return {
        ...base,
        reportError: `the command wrote no report at ${input.reportFile}; check that it writes one there (exit code ${run.exitCode})`,
      };
    }
    content = read;
  } else {
    content = run.stdout;
  }
  try {
    const parsed = parseReport(content, format);
    return { ...base, format: parsed.format, cases: parsed.cases };
  } catch (err) {
    if (err instanceof ReportError) {
      return { ...base, reportError: `${report ? input.reportFile : 'stdout'}: ${err.message}` };
    }
    throw err;
  }
}
