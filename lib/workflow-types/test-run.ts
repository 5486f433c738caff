// The catalog entry of testRun: a repository's tests in a subprocess, parsed, flaky ones found by a rerun.
import { testRunInput } from '../../workflows/contract/inputs/test-run';
import type { WorkflowTypeDef } from './types';

export const testRunDef: WorkflowTypeDef<'testRun'> = {
  type: 'testRun',
  description:
    "Runs a repository's tests (JUnit XML, TAP, Jest JSON or go test -json), reruns failures to find flaky tests, AI triage",
  input: testRunInput,
};
