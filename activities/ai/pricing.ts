// Prices in USD per million tokens. Configuration (ai.pricing) is merged over this table; a model
// with no price records a null cost rather than a wrong one. Every provider's default model (see
// `ai.*.model` in lib/config) has an entry here: test/unit/pricing.test.ts checks it. Auggie has
// none: its calls are billed to the Augment account, not per token at a list price.
import type { Price } from '../../lib/config';
import type { ProviderName, Usage } from './types';

export const DEFAULT_PRICING: Record<string, Price> = {
  // Anthropic's list price for claude-sonnet-5 (the `ai.anthropic.model` default), checked 2026-12:
  // $2 input, $10 output, $0.20 cache hits, $2.50 5-minute cache writes.
  'anthropic:claude-sonnet-5': { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 },
  'anthropic:claude-opus-4-1': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  'anthropic:claude-sonnet-4-5': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'anthropic:claude-haiku-4-5': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  'openai:gpt-4.1': { input: 2, output: 8, cacheRead: 0.5 },
  'openai:gpt-4.1-mini': { input: 0.4, output: 1.6, cacheRead: 0.1 },
  'openai:gpt-4o-mini': { input: 0.15, output: 0.6, cacheRead: 0.075 },
  'openai:text-embedding-3-small': { input: 0.02, output: 0 },
};

/** A dated snapshot, as a reply names the model it served: "gpt-4.1-mini-2025-04-14", "claude-haiku-4-5-20251001". */
const SNAPSHOT = /-(\d{4}-\d{2}-\d{2}|\d{8})$/;

/** The price of `model` (or, for a dated snapshot with no price of its own, of the model it is a snapshot of). */
export function priceOf(pricing: Record<string, Price>, provider: ProviderName, model: string): Price | undefined {
  const key = `${provider}:${model}`;
  const alias = key.replace(SNAPSHOT, '');
  return pricing[key] ?? DEFAULT_PRICING[key] ?? pricing[alias] ?? DEFAULT_PRICING[alias];
}

export function costOf(pricing: Record<string, Price>, provider: ProviderName, model: string, u: Usage): number | null {
  const p = priceOf(pricing, provider, model);
  if (!p) return null;
  const usd =
    (u.inputTokens * p.input +
      u.outputTokens * p.output +
      u.cacheReadTokens * (p.cacheRead ?? p.input) +
      u.cacheWriteTokens * (p.cacheWrite ?? p.input)) /
    1_000_000;
  return Math.round(usd * 1e6) / 1e6;
}
