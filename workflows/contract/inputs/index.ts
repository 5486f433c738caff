// The input schema of every workflow type users can start (API, CLI, schedules, sessions, webhooks),
// keyed by the Temporal workflow type. The keys are the one list of those types: the session's
// CHILD_WORKFLOW_TYPES are these, and lib/workflow-types has one catalog entry per key (tsc checks).
import { aiTaskInput } from './ai-task';
import { codeReviewInput } from './code-review';
import { customInput } from './custom';
import { deployPrepInput } from './deploy-prep';
import { modelUpdateInput } from './model-update';
import { perfMonitorInput } from './perf-monitor';
import { promptEvalInput } from './prompt-eval';
import { securityAuditInput } from './security-audit';
import { systemCheckInput } from './system-check';
import { testRunInput } from './test-run';

/** In catalog order (the order lists show). */
export const WORKFLOW_INPUTS = {
  systemCheck: systemCheckInput,
  aiTask: aiTaskInput,
  codeReview: codeReviewInput,
  securityAudit: securityAuditInput,
  perfMonitor: perfMonitorInput,
  promptEval: promptEvalInput,
  modelUpdate: modelUpdateInput,
  custom: customInput,
  testRun: testRunInput,
  deployPrep: deployPrepInput,
} as const;

export type StartableWorkflowType = keyof typeof WORKFLOW_INPUTS;

/** The startable workflow types, in catalog order. */
export const WORKFLOW_TYPE_NAMES = Object.keys(WORKFLOW_INPUTS) as readonly StartableWorkflowType[];
