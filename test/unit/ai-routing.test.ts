import { ApplicationFailure } from '@temporalio/activity';
import { AI_ERROR, retryAfterMs, toAiFailure } from '../../activities/ai/errors';
import { costOf } from '../../activities/ai/pricing';
import { renderPrompt, statusFromStderr } from '../../activities/ai/providers/auggie';
import { resolveChain, routeForAttempt } from '../../lib/ai/router';
import { loadConfig } from '../../lib/config';

const ai = (env: Record<string, string>) => loadConfig({ env, projectRoot: '/nonexistent' }).ai;

describe('router', () => {
  test('the chain keeps configured providers only, in order, with their default models', () => {
    const cfg = ai({ ANTHROPIC_API_KEY: 'a', OPENAI_BASE_URL: 'http://localhost:11434/v1', OPENAI_MODEL: 'llama3' });
    expect(resolveChain(cfg, 'chat')).toEqual([
      { provider: 'anthropic', model: 'claude-sonnet-5' },
      { provider: 'openai', model: 'llama3' },
    ]);
    expect(resolveChain(cfg, 'embed')).toEqual([{ provider: 'openai', model: 'text-embedding-3-small' }]);
  });

  test('repository-context tasks prefer Auggie when it is configured', () => {
    const cfg = ai({ ANTHROPIC_API_KEY: 'a', AUGMENT_SESSION_AUTH: '{"accessToken":"t","tenantURL":"http://x/"}' });
    expect(resolveChain(cfg, 'code-context').map((r) => r.provider)).toEqual(['auggie', 'anthropic']);
    expect(resolveChain(cfg, 'chat').map((r) => r.provider)).toEqual(['anthropic', 'auggie']);
  });

  test('configured routes and per-call overrides win; "provider:model" picks the model', () => {
    const cfg = ai({
      ANTHROPIC_API_KEY: 'a',
      OPENAI_API_KEY: 'o',
      CLAUDE_FLOW_AI_ROUTES: JSON.stringify({ review: ['openai:gpt-4.1', 'anthropic:claude-opus-4-1'] }),
    });
    expect(resolveChain(cfg, 'review')).toEqual([
      { provider: 'openai', model: 'gpt-4.1' },
      { provider: 'anthropic', model: 'claude-opus-4-1' },
    ]);
    expect(resolveChain(cfg, 'review', ['anthropic'])).toEqual([{ provider: 'anthropic', model: 'claude-sonnet-5' }]);
  });

  test('an invalid route is refused at start-up, naming the setting', () => {
    expect(() => ai({ CLAUDE_FLOW_AI_ROUTES: '{"chat":["gemini"]}' })).toThrow(
      /^Invalid setting CLAUDE_FLOW_AI_ROUTES=/,
    );
    expect(() => ai({ CLAUDE_FLOW_AI_ROUTES: '{"chitchat":["openai"]}' })).toThrow(/CLAUDE_FLOW_AI_ROUTES/);
  });

  test('attempt N uses entry N, wrapping round', () => {
    const chain = [
      { provider: 'anthropic' as const, model: 'a' },
      { provider: 'openai' as const, model: 'b' },
    ];
    expect([1, 2, 3, 4].map((n) => routeForAttempt(chain, n).model)).toEqual(['a', 'b', 'a', 'b']);
  });
});

describe('error classification', () => {
  const headers = (h: Record<string, string>) => new Headers(h);

  test.each([
    [408, AI_ERROR.unavailable],
    [409, AI_ERROR.unavailable],
    [429, AI_ERROR.rateLimited],
    [500, AI_ERROR.unavailable],
    [503, AI_ERROR.unavailable],
    [529, AI_ERROR.unavailable],
  ])('%d is retryable (%s)', (status, type) => {
    const f = toAiFailure('openai', 'm', { status, message: 'busy' });
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe(type);
  });

  test.each([
    [400, AI_ERROR.badRequest],
    [401, AI_ERROR.auth],
    [403, AI_ERROR.auth],
    [404, AI_ERROR.unknownModel],
    [422, AI_ERROR.badRequest],
  ])('%d is not retryable (%s)', (status, type) => {
    const f = toAiFailure('openai', 'm', { status, message: 'no' });
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe(type);
  });

  test('retry-after-ms, retry-after seconds and retry-after dates become the next retry delay', () => {
    expect(retryAfterMs({ headers: headers({ 'retry-after-ms': '1500' }) })).toBe(1500);
    expect(retryAfterMs({ headers: headers({ 'retry-after': '3' }) })).toBe(3000);
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(retryAfterMs({ headers: headers({ 'retry-after': 'Wed, 25 Nov 2026 10:00:07 GMT' }) }, now)).toBe(7000);
    expect(retryAfterMs({ headers: headers({ 'retry-after': 'soon' }) })).toBeUndefined();
    const f = toAiFailure('anthropic', 'm', { status: 429, headers: headers({ 'retry-after-ms': '2500' }) });
    expect(f.nextRetryDelay).toBe(2500);
  });

  test("Anthropic's readable message is used, not the JSON body", () => {
    const f = toAiFailure('anthropic', 'm', {
      status: 401,
      message: '401 {"type":"error"}',
      apiMessage: 'invalid x-api-key',
    } as never);
    expect(f.message).toBe('anthropic refused the credentials (401: invalid x-api-key); check ANTHROPIC_API_KEY');
  });

  test('garbage, cut connections and timeouts are retryable', () => {
    expect(toAiFailure('openai', 'm', new SyntaxError('Unexpected token < in JSON')).type).toBe(AI_ERROR.badResponse);
    expect(toAiFailure('openai', 'm', new TypeError('terminated')).nonRetryable).toBe(false);
    expect(
      toAiFailure('openai', 'm', Object.assign(new Error('Request timed out.'), { name: 'APIConnectionTimeoutError' }))
        .nonRetryable,
    ).toBe(false);
  });
});

test('cost: configured prices win over the built-in table; unknown models cost null', () => {
  const u = { inputTokens: 2_000_000, outputTokens: 1_000_000, cacheReadTokens: 0, cacheWriteTokens: 0 };
  expect(costOf({}, 'openai', 'gpt-4.1', u)).toBe(2 * 2 + 8);
  expect(costOf({ 'openai:gpt-4.1': { input: 1, output: 1 } }, 'openai', 'gpt-4.1', u)).toBe(3);
  expect(costOf({}, 'openai', 'my-local-llama', u)).toBeNull();
});

describe('auggie adapter', () => {
  test('renders system prompt and conversation into one prompt', () => {
    expect(
      renderPrompt({
        task: 'code-context',
        system: 'You review code.',
        messages: [
          { role: 'user', content: 'Look at foo.ts' },
          { role: 'assistant', content: 'It has a bug.' },
          { role: 'user', content: 'Which one?' },
        ],
      }),
    ).toBe('You review code.\n\nConversation so far:\nUser: Look at foo.ts\n\nAssistant: It has a bug.\n\nWhich one?');
  });

  test.each([
    ['Error: Request failed with status 429', 429],
    ['Unauthorized: please run auggie login', 401],
    ['backend said 503 Service Unavailable', 503],
    ['something odd', undefined],
  ])('stderr %j reads as status %s', (stderr, status) => {
    expect(statusFromStderr(stderr)).toBe(status);
  });
});
