// The activities of the development workflows. Each workflow type owns a module here.
import type { ActivityDeps } from '../deps';
import { createWorkflowEventActivities } from './events';

export function createDevActivities(deps: ActivityDeps) {
  return {
    ...createWorkflowEventActivities(deps),
  };
}
