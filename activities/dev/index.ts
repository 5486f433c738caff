// The activities of the development workflows. Each workflow type owns a module here.
import type { ActivityDeps } from '../deps';
import { createCustomWorkflowActivities } from './custom';
import { createWorkflowEventActivities } from './events';
import { createReviewActivities } from './review';
import { createAuditActivities } from './audit';
import { createReleaseActivities } from './release';
import { createTestActivities } from './tests';
import { createPerfActivities } from './perf';
import { createEvalActivities } from './eval';

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
