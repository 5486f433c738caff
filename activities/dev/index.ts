// The activities of the development workflows. Each workflow type owns a module here.
import type { ActivityDeps } from '../deps';
import { createCustomWorkflowActivities } from './custom';
import { createWorkflowEventActivities } from './events';
import { createReviewActivities } from './code-review';
import { createAuditActivities } from './security-audit';
import { createReleaseActivities } from './deploy-prep';
import { createTestActivities } from './test-run';
import { createPerfActivities } from './perf-monitor';
import { createEvalActivities } from './prompt-eval';

export function createDevActivities(deps: ActivityDeps) {
  return {
    ...createWorkflowEventActivities(deps),
    ...createTestActivities(deps),
    ...createReleaseActivities(deps),
    ...createCustomWorkflowActivities(deps),
    ...createReviewActivities(deps),
    ...createAuditActivities(deps),
    ...createPerfActivities(deps),
    ...createEvalActivities(deps),
  };
}
