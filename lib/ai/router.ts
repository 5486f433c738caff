// Routing: each task kind has an ordered chain of provider/model; attempt N of an activity uses
// the chain's entry for N, so Temporal's retry policy drives both retries and fallback.
import type { Config, ProviderName, TaskKind } from '../config';

export interface Route {
  provider: ProviderName;
  model: string;
}

/** Repository-aware work prefers Auggie; conversation prefers Claude, then OpenAI. */
export const DEFAULT_CHAINS: Record<TaskKind, ProviderName[]> = {
  chat: ['anthropic', 'openai', 'auggie'],
  review: ['anthropic', 'openai', 'auggie'],
  summarize: ['anthropic', 'openai', 'auggie'],
  plan: ['anthropic', 'openai', 'auggie'],
  'code-context': ['auggie', 'anthropic', 'openai'],
  embed: ['openai'],
};

/** Providers with credentials (or, for OpenAI-compatible servers, a base URL) configured. */
export function configuredProviders(ai: Config['ai']): Set<ProviderName> {
  const set = new Set<ProviderName>();
  if (ai.anthropic.apiKey) set.add('anthropic');
  if (ai.openai.apiKey || ai.openai.baseUrl) set.add('openai');
  if (ai.auggie.sessionAuth) set.add('auggie');
  return set;
}

function defaultModel(ai: Config['ai'], provider: ProviderName, task: TaskKind): string {
  if (provider === 'anthropic') return ai.anthropic.model;
  if (provider === 'openai') return task === 'embed' ? ai.openai.embeddingModel : ai.openai.model;
  return ai.auggie.model ?? 'default';
}

export function parseRoute(ai: Config['ai'], entry: string, task: TaskKind): Route {
  const i = entry.indexOf(':');
  const provider = (i < 0 ? entry : entry.slice(0, i)) as ProviderName;
  const model = i < 0 ? defaultModel(ai, provider, task) : entry.slice(i + 1);
  return { provider, model };
}

/** The chain for a task, keeping only configured providers, in order. */
export function resolveChain(ai: Config['ai'], task: TaskKind, override?: string[]): Route[] {
  const entries = override?.length ? override : (ai.routes[task] ?? DEFAULT_CHAINS[task]);
  const available = configuredProviders(ai);
  return entries.map((e) => parseRoute(ai, e, task)).filter((r) => available.has(r.provider));
}

/** Attempt 1 uses the first entry, attempt 2 the next, wrapping round for later attempts. */
export function routeForAttempt(chain: Route[], attempt: number): Route {
  return chain[(Math.max(1, attempt) - 1) % chain.length];
}

export function notConfiguredMessage(task: TaskKind): string {
  return (
    `No AI provider is configured for "${task}" tasks: set ANTHROPIC_API_KEY, OPENAI_API_KEY ` +
    '(or OPENAI_BASE_URL for Ollama/vLLM/LM Studio), or AUGMENT_SESSION_AUTH, or list a configured provider in ai.routes'
  );
}
