// Every provider's default model has a built-in price, so a call with the default configuration
// records a cost, not null. The defaults are read from the settings table, not copied here.
import { DEFAULT_PRICING, costOf, priceOf } from '../../activities/ai/pricing';
import { PROVIDERS, SETTINGS, loadConfig, type ProviderName, type SettingSpec } from '../../lib/config';

/** What a setting is when nothing sets it: its schema's default. */
function defaultOf(spec: SettingSpec): string | undefined {
  const r = spec.schema.safeParse(undefined);
  return r.success && typeof r.data === 'string' ? r.data : undefined;
}

/** The settings that name a provider's model (`ai.<provider>.model`, `ai.<provider>.embeddingModel`). */
const modelSettings = Object.values(SETTINGS as Record<string, SettingSpec>).flatMap((spec) => {
  const m = /^ai\.([a-z]+)\.(model|embeddingModel)$/.exec(spec.file);
  return m ? [{ file: spec.file, provider: m[1] as ProviderName, model: defaultOf(spec) }] : [];
});

const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadTokens: 0, cacheWriteTokens: 0 };

test('the settings table names a model setting for each provider', () => {
  expect(new Set(modelSettings.map((s) => s.provider))).toEqual(new Set(PROVIDERS));
  expect(modelSettings.map((s) => s.file)).toEqual(
    expect.arrayContaining(['ai.anthropic.model', 'ai.openai.model', 'ai.openai.embeddingModel']),
  );
});

test.each(modelSettings.filter((s) => s.model !== undefined))(
  'the default $file ($model) has a price',
  ({ provider, model }) => {
    expect(DEFAULT_PRICING[`${provider}:${model}`]).toBeDefined();
    expect(costOf({}, provider, model as string, usage)).toBeGreaterThan(0);
  },
);

test('a configuration that sets no model uses priced models', () => {
  const { ai } = loadConfig({ env: {}, projectRoot: '/nonexistent' });
  const defaults: [ProviderName, string][] = [
    ['anthropic', ai.anthropic.model],
    ['openai', ai.openai.model],
    ['openai', ai.openai.embeddingModel],
  ];
  expect(defaults.filter(([provider, model]) => priceOf({}, provider, model) === undefined)).toEqual([]);
  expect(ai.auggie.model).toBeUndefined();
});

test('Auggie has no default model and no token price: its calls are billed to the Augment account', () => {
  // If auggie ever gets a default model with a list price per token, price it and drop this test.
  expect(modelSettings.filter((s) => s.provider === 'auggie').map((s) => s.model)).toEqual([undefined]);
  expect(Object.keys(DEFAULT_PRICING).filter((k) => k.startsWith('auggie:'))).toEqual([]);
  expect(costOf({}, 'auggie', 'default', usage)).toBeNull();
});

test('a dated snapshot, as a reply names the served model, is priced as its alias', () => {
  expect(costOf({}, 'openai', 'gpt-4.1-mini-2025-04-14', usage)).toBe(costOf({}, 'openai', 'gpt-4.1-mini', usage));
  expect(costOf({}, 'anthropic', 'claude-haiku-4-5-20251001', usage)).toBe(6);
  // A configured price for the snapshot itself wins over the alias's.
  expect(
    costOf({ 'openai:gpt-4.1-mini-2025-04-14': { input: 1, output: 1 } }, 'openai', 'gpt-4.1-mini-2025-04-14', usage),
  ).toBe(2);
  expect(costOf({}, 'openai', 'my-local-llama-20250101x', usage)).toBeNull();
});
