// testRun's input: a repository's test command, its report format, the rerun and the triage. Each
// default is written here, once; deployPrep nests the same settings (without the path).
import { z } from 'zod';
import { durationMs, repoPath, staysInside } from './fields';

const command = (what: string, example: string) =>
  z
    .string()
    .max(4_000, `${what} is longer than 4000 characters`)
    .refine((c) => c.trim().length > 0, `${what} is empty; give a command line, e.g. "${example}"`)
    .refine((c) => !c.includes('\0'), `${what} must not contain NUL bytes`);

const reportFile = z
  .string()
  .min(1)
  .max(1_000)
  .refine(
    (f) => staysInside(f) && !f.includes('\0'),
    'reportFile must be a path relative to the repository, inside it (e.g. "reports/junit.xml")',
  );

const junitNeedsFile = (v: { format: string; reportFile?: string; command: string }, ctx: z.RefinementCtx) => {
  if (v.format === 'junit' && !v.reportFile && !/junit/.test(v.command)) {
    ctx.addIssue({
      code: 'custom',
      path: ['reportFile'],
      message:
        'JUnit reports are usually written to a file: give reportFile (e.g. "junit.xml") unless the command prints the XML',
    });
  }
};

const testShape = {
  command: command('command', 'node --test --test-reporter=tap').describe(
    'The test command line, run by /bin/sh in the repository, e.g. "node --test --test-reporter=tap" or "npx jest --json --outputFile=jest.json"',
  ),
  format: z
    .enum(['auto', 'junit', 'tap', 'jest', 'go-json'])
    .default('auto')
    .describe('Report format (go-json: `go test -json` output); "auto" detects it from the report file or stdout'),
  reportFile: reportFile
    .optional()
    .describe(
      'Report the command writes (JUnit XML or Jest JSON), or a directory of JUnit XML files (e.g. "target/surefire-reports"), relative to the repository; without it stdout is parsed',
    ),
  timeoutMs: durationMs('timeoutMs', 6).default(600_000).describe('Kill the whole process tree after this long (ms)'),
  rerunFailures: z
    .boolean()
    .default(true)
    .describe(
      'Rerun failed tests once (by name filter for node --test, jest and vitest, else the whole command); tests that pass are flaky',
    ),
  triage: z
    .boolean()
    .default(true)
    .describe('AI triage of failures (skipped with the reason when no AI provider is configured)'),
};

/** The test settings without the repository path (deployPrep nests them). */
export const testSettings = z.object(testShape).strict().superRefine(junitNeedsFile);

export const testRunInput = z
  .object({ path: repoPath, ...testShape })
  .strict()
  .superRefine(junitNeedsFile);

/** What a caller may send. */
export type TestRunInput = z.input<typeof testRunInput>;
/** The parsed input, defaults applied: what the workflow runs with. */
export type TestRunOptions = z.output<typeof testRunInput>;
