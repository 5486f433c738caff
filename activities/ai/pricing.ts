// Prices in USD per million tokens. Configuration (ai.pricing) is merged over this table; a model
// with no price records a null cost rather than a wrong one.
import type { Price } from '../../lib/config';
import type { ProviderName, Usage } from './types';

export const DEFAULT_PRICING: Record<string, Price> = {
  'anthropic:claude-opus-4-1': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  'anthropic:claude-sonnet-4-5': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'anthropic:claude-haiku-4-5': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  'openai:gpt-4.1': { input: 2, output: 8, cacheRead: 0.5 },
  'openai:gpt-4.1-mini': { input: 0.4, output: 1.6, cacheRead: 0.1 },
  'openai:gpt-4o-mini': { input: 0.15, output: 0.6, cacheRead: 0.075 },
  'openai:text-embedding-3-small': { input: 0.02, output: 0 },
};

export function costOf(pricing: Record<string, Price>, provider: ProviderName, model: string, u: Usage): number | null {
  const p = pricing[`${provider}:${model}`] ?? DEFAULT_PRICING[`${provider}:${model}`];
  if (!p) return null;
  const usd =
    (u.inputTokens * p.input +
      u.outputTokens * p.output +
      u.cacheReadTokens * (p.cacheRead ?? p.input) +
      u.cacheWriteTokens * (p.cacheWrite ?? p.input)) /
    1_000_000;
  return Math.round(usd * 1e6) / 1e6;
}
