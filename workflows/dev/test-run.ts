// testRun: a repository's test command in a subprocess (its whole process tree killed on timeout and
// when the workflow is cancelled), its report parsed (JUnit XML, TAP, Jest JSON or go test -json),
// failed tests rerun once to tell flaky tests from failing ones (matched by their full identity, see
// contract/test-identity.ts), and an optional AI triage of what failed.
import { ActivityCancellationType, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { RunTestsResult, TestCase, TestFailure, TestRunResult } from '../../activities/dev/test-run/types';
import { ai } from '../ai';
import { Progress } from './common';
import type { Skipped } from '../contract/runs';
import { rerunVerdict, type RerunVerdict } from '../contract/test-identity';
import { testRunInput, type TestRunInput, type TestRunOptions } from '../contract/inputs/test-run';
import { parseInput } from '../contract/inputs/parse';

export type { TestRunResult };

const STEPS = ['run', 'rerun', 'triage'];

const count = (cases: TestCase[], status: TestCase['status']) => cases.filter((c) => c.status === status).length;

function summary(r: RunTestsResult): string {
  if (r.timedOut) return `timed out after ${r.durationMs} ms`;
  const counts = `${count(r.cases, 'passed')} passed, ${count(r.cases, 'failed')} failed, ${count(r.cases, 'skipped')} skipped`;
  return `${r.reportError ? r.reportError : counts} (exit ${r.exitCode}, ${r.durationMs} ms)`;
}

export async function testRun(raw: TestRunInput): Promise<TestRunResult> {
  const progress = new Progress('testRun', STEPS);
  // The contract's schema, parsed here as well (see contract/inputs/parse.ts): defaults applied;
  // a bad input is an InvalidRequest failure before anything runs.
  const input = parseInput('testRun', testRunInput, raw);
  const { timeoutMs } = input;
  // Heartbeats every few seconds carry cancellation to the activity, which kills the process tree
  // before the workflow hears the activity is done (WAIT_CANCELLATION_COMPLETED).
  const tests = proxyActivities<Activities>({
    startToCloseTimeout: timeoutMs + 60_000,
    heartbeatTimeout: '20 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { maximumAttempts: 2, nonRetryableErrorTypes: ['InvalidInput'] },
  });
  const run = (only?: TestCase[]) =>
    tests.runTests({
      path: input.path,
      command: input.command,
      format: input.format,
      reportFile: input.reportFile,
      timeoutMs,
      ...(only ? { only: only.map((c) => ({ name: c.name, title: c.title, suites: c.suites })) } : {}),
    });

  const first = await progress.step('run', () => run(), summary);
  const failedCases = first.cases.filter((c) => c.status === 'failed');

  let flaky: string[] = [];
  let rerun: TestRunResult['rerun'];
  let verdicts: RerunVerdict[] | undefined;
  if (!input.rerunFailures) await progress.skip('rerun', 'rerunFailures is off');
  else if (first.timedOut) await progress.skip('rerun', 'the run timed out');
  else if (failedCases.length === 0) await progress.skip('rerun', 'no test failed');
  else {
    const judge = (r: RunTestsResult) => failedCases.map((c) => rerunVerdict(c, first.cases, r.cases));
    const second = await progress.step(
      'rerun',
      () => run(failedCases),
      (r) => `${judge(r).filter((v) => v.verdict === 'flaky').length} of ${failedCases.length} passed on rerun`,
    );
    verdicts = judge(second);
    flaky = failedCases.filter((_, i) => verdicts?.[i].verdict === 'flaky').map((c) => c.name);
    rerun = {
      filter: second.filter ?? 'whole-command',
      tests: failedCases.length,
      passedOnRerun: flaky.length,
      durationMs: second.durationMs,
    };
  }

  const failures: TestFailure[] = [];
  failedCases.forEach((c, i) => {
    const v = verdicts?.[i];
    if (v?.verdict === 'flaky') return;
    failures.push({
      name: c.name,
      message: c.message ?? 'failed',
      ...(c.file ? { file: c.file } : {}),
      ...(v?.verdict === 'failed' && 'note' in v ? { rerun: v.note } : {}),
    });
  });
  // The command's own verdict counts too: a crash, a timeout or a non-zero exit with no failed test.
  if (first.timedOut) {
    failures.push({ name: '(test command)', message: `timed out after ${timeoutMs} ms; its process tree was killed` });
  } else if (first.exitCode !== 0 && failedCases.length === 0) {
    const why = first.reportError ? `; ${first.reportError}` : ' although no test failed';
    failures.push({ name: '(test command)', message: `exited with code ${first.exitCode}${why}` });
  }

  const result: TestRunResult = {
    ok: failures.length === 0,
    passed: count(first.cases, 'passed'),
    failed: failures.length,
    skipped: count(first.cases, 'skipped'),
    flaky,
    failures,
    exitCode: first.exitCode,
    timedOut: first.timedOut,
    durationMs: first.durationMs + (rerun?.durationMs ?? 0),
    ...(first.format ? { format: first.format } : {}),
    ...(first.reportError ? { reportError: first.reportError } : {}),
    ...(rerun ? { rerun } : {}),
    outputTail: first.outputTail,
  };

  if (!input.triage) await progress.skip('triage', 'triage is off');
  else if (failures.length === 0 && flaky.length === 0) await progress.skip('triage', 'nothing failed');
  else {
    await progress.start('triage');
    result.triage = await triage(input, result);
    if (typeof result.triage === 'string') await progress.done('triage');
    else await progress.skip('triage', result.triage.reason);
  }
  return result;
}

async function triage(input: TestRunOptions, r: TestRunResult): Promise<string | Skipped> {
  const failures = r.failures
    .slice(0, 20)
    .map((f) => `### ${f.name}${f.file ? ` (${f.file})` : ''}\n${f.message}`)
    .join('\n\n');
  const content = [
    `Test command: ${input.command}`,
    `Result: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped; exit code ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}.`,
    r.flaky.length > 0 ? `Flaky (failed, then passed on rerun): ${r.flaky.join(', ')}` : '',
    failures ? `Failures:\n\n${failures}` : '',
    `Output (tail):\n\n${r.outputTail.slice(-4_000)}`,
  ]
    .filter(Boolean)
    .join('\n\n');
  try {
    const reply = await ai.callModel({
      task: 'code-context',
      workspace: input.path,
      optional: true,
      maxTokens: 1_200,
      system:
        'You triage failing automated tests. For each failure give the likely cause (test bug, product bug, environment, flakiness) and the next step to fix it, briefly. Use Markdown.',
      messages: [{ role: 'user', content }],
    });
    if (reply.outcome === 'skipped') return { skipped: true, reason: reply.reason };
    return reply.text;
  } catch (err) {
    if (isCancellation(err)) throw err;
    // Triage is advice: the test results stand without it.
    return { skipped: true, reason: `AI triage failed: ${(err as Error).message}` };
  }
}
