// The workflow types a session may start as children (its runWorkflow update). Kept equal to the
// catalog in lib/workflow-types (a static test checks), which workflow code cannot import.
export const CHILD_WORKFLOW_TYPES = [
  'systemCheck',
  'aiTask',
  'codeReview',
  'securityAudit',
  'perfMonitor',
  'promptEval',
  'modelUpdate',
  'custom',
  'testRun',
  'deployPrep',
] as const;
