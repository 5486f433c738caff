// Every activity the worker registers, built from its dependencies, behind the activity border
// (boundary.ts): a caller's mistake leaves as a typed, non-retryable failure.
import { createAiActivities } from './ai';
import { withBorder } from './boundary';
import type { ActivityDeps } from './deps';
import { createDevActivities } from './dev';
import { maskSecretsInOutput } from './dev/process';
import { createGithubActivities } from './github';
import { createMemoryActivities } from './memory';
import { createSessionActivities } from './session';
import { createSystemActivities } from './system';

export function createActivities(deps: ActivityDeps) {
  maskSecretsInOutput(deps.config.secrets);
  const ai = createAiActivities(deps);
  return withBorder({
    ...createSystemActivities(deps),
    ...ai,
    ...createSessionActivities(deps, ai),
    ...createMemoryActivities(deps),
    ...createGithubActivities(deps),
    ...createDevActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
