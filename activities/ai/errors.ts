// Error classification, done once for every provider: what Temporal should retry (and when), and
// what must fail at once with a message that says what to fix.
import { ApplicationFailure } from '@temporalio/activity';
import type { ProviderName } from './types';

/** Failure types callers can match on (ApplicationFailure.type). */
export const AI_ERROR = {
  rateLimited: 'AiRateLimited',
  unavailable: 'AiProviderUnavailable',
  badResponse: 'AiBadResponse',
  badRequest: 'AiBadRequest',
  auth: 'AiAuthFailed',
  unknownModel: 'AiUnknownModel',
  notConfigured: 'AiNotConfigured',
} as const;

const RETRYABLE_STATUS = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

/** Where each provider's credentials come from, for messages that say what to fix. */
export const PROVIDER_SETUP: Record<ProviderName, { key: string; model: string }> = {
  anthropic: { key: 'ANTHROPIC_API_KEY', model: 'ANTHROPIC_MODEL' },
  openai: { key: 'OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible server)', model: 'OPENAI_MODEL' },
  auggie: { key: 'AUGMENT_SESSION_AUTH (run `auggie login`, then `auggie token print`)', model: 'AUGGIE_MODEL' },
};

interface HttpishError {
  status?: number;
  headers?: Headers | Record<string, string | string[] | undefined>;
  message?: string;
  name?: string;
  code?: string;
  cause?: unknown;
}

function header(err: HttpishError, name: string): string | undefined {
  const h = err.headers;
  if (!h) return undefined;
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined;
  const v = (h as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The provider's requested wait, in ms: `retry-after-ms`, else `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(err: HttpishError, now = Date.now()): number | undefined {
  const ms = header(err, 'retry-after-ms');
  if (ms !== undefined && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Math.round(Number(ms));
  const after = header(err, 'retry-after');
  if (after === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(after.trim())) return Math.round(Number(after) * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Shortens provider messages (some embed whole JSON bodies) to one readable line. */
function brief(message: string | undefined): string {
  return (message ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
}

/**
 * Maps anything a provider call threw to an ApplicationFailure: retryable (Temporal retries, and
 * the next attempt may fall back to the next provider) or non-retryable with a fix in the message.
 */
export function toAiFailure(provider: ProviderName, model: string, err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const e = (err ?? {}) as HttpishError;
  const status = typeof e.status === 'number' ? e.status : undefined;
  // Anthropic's message is "<status> <whole JSON body>": prefer the readable part both SDKs expose.
  const readable =
    (e as { apiMessage?: string | null }).apiMessage ??
    (e as { error?: { message?: string } }).error?.message ??
    e.message;
  const detail = brief(typeof readable === 'string' ? readable : e.message);
  const setup = PROVIDER_SETUP[provider];

  if (status !== undefined && RETRYABLE_STATUS.has(status)) {
    const type = status === 429 ? AI_ERROR.rateLimited : AI_ERROR.unavailable;
    return ApplicationFailure.create({
      type,
      message: `${provider} answered ${status} (${detail || 'no detail'}); will retry`,
      nextRetryDelay: retryAfterMs(e),
      details: [{ provider, model, status }],
    });
  }
  if (status === 401 || status === 403) {
    return ApplicationFailure.create({
      type: AI_ERROR.auth,
      nonRetryable: true,
      message: `${provider} refused the credentials (${status}: ${detail}); check ${setup.key}`,
      details: [{ provider, model, status }],
    });
  }
  if (status === 404) {
    return ApplicationFailure.create({
      type: AI_ERROR.unknownModel,
      nonRetryable: true,
      message: `${provider} does not serve model "${model}" (404: ${detail}); set ${setup.model} or the route in ai.routes to a model it serves`,
      details: [{ provider, model, status }],
    });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return ApplicationFailure.create({
      type: AI_ERROR.badRequest,
      nonRetryable: true,
      message: `${provider} rejected the request (${status}: ${detail})`,
      details: [{ provider, model, status }],
    });
  }
  if (e instanceof SyntaxError || /JSON|Unexpected token|unexpected end/i.test(detail)) {
    return ApplicationFailure.create({
      type: AI_ERROR.badResponse,
      message: `${provider} sent a response that could not be read (${detail}); will retry`,
      details: [{ provider, model }],
    });
  }
  // Timeouts, refused or reset connections, streams cut off half way: transient.
  return ApplicationFailure.create({
    type: AI_ERROR.unavailable,
    message: `${provider} call failed (${e.name ?? 'Error'}: ${detail || 'no detail'}); will retry`,
    details: [{ provider, model }],
  });
}
