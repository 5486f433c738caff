// AI routing words that cross every border: the task kinds a model call is for, the providers, and
// a route (an ordered chain of "provider" or "provider:model" entries). Settings (ai.routes), API
// bodies, workflow inputs and custom workflow steps all check routes with these schemas.
import { z } from 'zod';

/** What a model call is for; each kind has its own provider chain. */
export const TASK_KINDS = ['chat', 'review', 'summarize', 'plan', 'code-context', 'embed'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const PROVIDERS = ['anthropic', 'openai', 'auggie'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** One route entry: a provider, optionally with the model to ask, e.g. "anthropic:claude-sonnet-5". */
export const ROUTE_ENTRY = new RegExp(`^(${PROVIDERS.join('|')})(:.+)?$`);

const providerList = `${PROVIDERS.slice(0, -1).join(', ')} or ${PROVIDERS[PROVIDERS.length - 1]}`;

/** What a bad route entry is told. */
export const ROUTE_ENTRY_RULE = `route entries are "provider" or "provider:model" with provider ${providerList}, e.g. "anthropic:claude-sonnet-5"`;

export const routeEntry = z.string().regex(ROUTE_ENTRY, ROUTE_ENTRY_RULE);

/** A provider chain as a request gives it: 1 to 5 entries, tried in order. */
export const route = z.array(routeEntry).min(1, 'a route names at least one "provider:model"').max(5);
