// A test's identity across runs, and what a rerun says of each test that failed first. Pure, so the
// testRun workflow decides with it and the tests check it directly.
//
// The identity is the full path: file, suites and title (parameters are in the title, as runners
// print them). Some reports name the file of failures only (node --test's TAP gives passing tests
// no location): a rerun case without a file then stands for a failed one only when the rerun ran
// at least as many tests of that suite path and title as the first run did, so every one of them
// was seen again and each that still failed named its file. Anything less certain stays failed:
// a rerun may turn a failure into "flaky", never a real failure into a pass.
import type { TestCase } from '../../activities/dev/test-run/types';

type Identified = Pick<TestCase, 'title' | 'suites' | 'status'> & { file?: string };

/** The identity without the file: suites and title. */
const pathKey = (c: Identified) => JSON.stringify([...c.suites, c.title]);

export type RerunVerdict =
  | { verdict: 'flaky' }
  | { verdict: 'failed'; why: 'failed again' }
  | { verdict: 'failed'; why: 'not rerun' | 'ambiguous'; note: string };

/** What the rerun says of `failed` (a case that failed in `first`). */
export function rerunVerdict(failed: Identified, first: Identified[], rerun: Identified[]): RerunVerdict {
  const key = pathKey(failed);
  const samePath = rerun.filter((c) => pathKey(c) === key);
  const exact = samePath.filter((c) => c.file === failed.file);
  const label = [failed.file, ...failed.suites, failed.title].filter(Boolean).join(' > ');
  if (exact.length > 0) {
    const passed = exact.filter((c) => c.status === 'passed').length;
    const failedAgain = exact.filter((c) => c.status === 'failed').length;
    // Tests the report cannot tell apart (same full path): flaky only if every one of them passed.
    const twins = first.filter((c) => pathKey(c) === key && c.file === failed.file).length;
    if (twins > 1) {
      if (failedAgain === 0 && passed >= twins) return { verdict: 'flaky' };
      if (failedAgain >= twins) return { verdict: 'failed', why: 'failed again' };
      return {
        verdict: 'failed',
        why: 'ambiguous',
        note: `${twins} tests are named "${label}" in the report (no file or class tells them apart), and the rerun does not show that each of them passed`,
      };
    }
    if (failedAgain > 0) return { verdict: 'failed', why: 'failed again' };
    if (passed > 0) return { verdict: 'flaky' };
    return { verdict: 'failed', why: 'not rerun', note: `"${label}" was skipped on the rerun` };
  }
  // No case of the rerun names this file: only those that name no file can stand for it.
  const unnamed = samePath.filter((c) => c.file === undefined);
  if (failed.file !== undefined && unnamed.length > 0) {
    const firstCount = first.filter((c) => pathKey(c) === key).length;
    if (unnamed.some((c) => c.status === 'failed') || samePath.length < firstCount) {
      return {
        verdict: 'failed',
        why: 'ambiguous',
        note: `the rerun of "${label}" could not be told apart from other tests of that name`,
      };
    }
    if (unnamed.every((c) => c.status === 'passed')) return { verdict: 'flaky' };
  }
  return { verdict: 'failed', why: 'not rerun', note: `"${label}" did not run again on the rerun` };
}
