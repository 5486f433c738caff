// The catalog of workflow types users can start (API, CLI, schedules, sessions, webhooks). Each
// development workflow adds its entry here; test/static/workflow-types.test.ts checks that every
// entry is a registered workflow and a session may run it.
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

export type { WorkflowTypeDef };

export const WORKFLOW_TYPES: readonly WorkflowTypeDef[] = [
  systemCheckDef,
  aiTaskDef,
  codeReviewDef,
  securityAuditDef,
  perfMonitorDef,
  promptEvalDef,
  modelUpdateDef,
  customDef,
  testRunDef,
  deployPrepDef,
];

export function workflowType(type: string): WorkflowTypeDef | undefined {
  return WORKFLOW_TYPES.find((d) => d.type === type);
}
