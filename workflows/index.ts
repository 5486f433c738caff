// Every workflow type the worker registers. Workflow files import only @temporalio/workflow,
// types, and each other (lint enforces it): they must stay deterministic.
export { aiTask } from './ai';
export { codeReview } from './dev/code-review';
export { securityAudit } from './dev/security-audit';
export { deployPrep } from './dev/deploy-prep';
export { testRun } from './dev/test-run';
export { custom } from './dev/custom';
export { memoryMaintenance } from './memory-maintenance';
export { perfMonitor } from './dev/perf-monitor';
export { promptEval } from './dev/prompt-eval';
export { modelUpdate } from './dev/model-update';
export { session } from './session/workflow';
export { systemCheck } from './system-check';
