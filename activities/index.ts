// Every activity the worker registers, built from its dependencies.
import { createAiActivities } from './ai';
import type { ActivityDeps } from './deps';
import { createSystemActivities } from './system';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemActivities(deps),
    ...createAiActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
