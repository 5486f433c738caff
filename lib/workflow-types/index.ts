// The catalog of workflow types users can start (API, CLI, schedules, sessions, webhooks): one entry
// per type of the contract's WORKFLOW_INPUTS (tsc checks there is exactly one, with that type's
// schema), listed in that order. test/static/workflow-types.test.ts checks that every entry is a
// registered workflow.
import { codeReviewDef } from './code-review';
import { securityAuditDef } from './security-audit';
import { aiTaskDef, systemCheckDef } from './core';
import { perfMonitorDef } from './perf-monitor';
import { promptEvalDef } from './prompt-eval';
import { modelUpdateDef } from './model-update';
import { customDef } from './custom';
import { deployPrepDef } from './deploy-prep';
import { testRunDef } from './test-run';
import type { WorkflowTypeDef } from './types';
import { WORKFLOW_TYPE_NAMES, type StartableWorkflowType } from '../../workflows/contract/inputs';

export type { WorkflowTypeDef };

const CATALOG: { readonly [T in StartableWorkflowType]: WorkflowTypeDef<T> } = {
  systemCheck: systemCheckDef,
  aiTask: aiTaskDef,
  codeReview: codeReviewDef,
  securityAudit: securityAuditDef,
  perfMonitor: perfMonitorDef,
  promptEval: promptEvalDef,
  modelUpdate: modelUpdateDef,
  custom: customDef,
  testRun: testRunDef,
  deployPrep: deployPrepDef,
};

export const WORKFLOW_TYPES: readonly WorkflowTypeDef[] = WORKFLOW_TYPE_NAMES.map((type) => CATALOG[type]);

export function workflowType(type: string): WorkflowTypeDef | undefined {
  return WORKFLOW_TYPES.find((d) => d.type === type);
}
