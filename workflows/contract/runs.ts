// Development workflow runs (codeReview, securityAudit, testRun, deployPrep, perfMonitor,
// promptEval, modelUpdate, custom, ...): the types a session may start, the `progress` query every
// run answers, and the shapes it reports. Plain JSON only: these cross Temporal as payloads and are
// read by the API, the CLI and the dashboard.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { WORKFLOW_TYPE_NAMES, type StartableWorkflowType } from './inputs';
import type { RunEnd } from './session';

/**
 * The workflow types a session may start as children (its runWorkflow update): every type that has
 * an input schema in the contract, which lib/workflow-types catalogs one by one.
 */
export const CHILD_WORKFLOW_TYPES = WORKFLOW_TYPE_NAMES;
export type ChildWorkflowType = StartableWorkflowType;

export type StepStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed';

export interface StepProgress {
  name: string;
  status: StepStatus;
  /** One line: what the step found, or why it was skipped / failed. */
  detail?: string;
  startedAt?: string;
  endedAt?: string;
  /**
   * Custom workflows: the start of what the step returned, or of the output a failed step gave with
   * its failure (a shell step's exit code, stdout and stderr), as JSON of at most
   * STEP_OUTPUT_PREVIEW characters.
   */
  output?: string;
}

/** The longest `StepProgress.output`, in characters. */
export const STEP_OUTPUT_PREVIEW = 2000;

/** A human decision a development workflow waits for (asked through its session when it has one). */
export interface PendingApproval {
  requestId: string;
  title: string;
  details?: string;
  deadline?: string;
  defaultOutcome?: 'approve' | 'reject';
}

/** The `progress` query of every development workflow. */
export interface WorkflowProgress {
  type: string;
  steps: StepProgress[];
  completed: number;
  total: number;
  pendingApprovals: PendingApproval[];
}

/** Where AI steps report they did not run (no provider configured, or nothing to ask). */
export interface Skipped {
  skipped: true;
  reason: string;
}

export const progressQuery = defineQuery<WorkflowProgress>('progress');

/** How a run ended, as its parent session records it. */
export interface ChildClosed {
  workflowId: string;
  status: RunEnd;
}

/**
 * Sent by a run to the session that started it when the run closes (workflows/interceptors.ts), to
 * whichever run of the session is current: the session's list of runs stays true across
 * continue-as-new.
 */
export const childClosedSignal = defineSignal<[ChildClosed]>('childClosed');
