// The activities of the development workflows. Each workflow type owns a module here.
import type { ActivityDeps } from '../deps';
import { createCustomWorkflowActivities } from './custom';
import { createWorkflowEventActivities } from './events';
import { createPerfActivities } from './perf';

export function createDevActivities(deps: ActivityDeps) {
  return {
    ...createWorkflowEventActivities(deps),
    ...createCustomWorkflowActivities(deps),
    ...createPerfActivities(deps),
  };
}
