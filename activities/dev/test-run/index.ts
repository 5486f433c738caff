// The testRun workflow's activities.
import type { ActivityDeps } from '../../deps';
import { runTests } from './runner';
import type { RunTestsInput, RunTestsResult } from './types';

export type * from './types';

export function createTestActivities(_deps: ActivityDeps) {
  return {
    /** Runs the test command once (or a rerun of named tests) and parses its report. */
    async runTests(input: RunTestsInput): Promise<RunTestsResult> {
      return runTests(input);
    },
  };
}
