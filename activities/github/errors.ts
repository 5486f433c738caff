// Error classification, done once for every GitHub call: rate limits and outages are retried by Temporal
// after the wait GitHub asks for; bad credentials, missing repositories and rejected requests fail at once.
import { ApplicationFailure } from '@temporalio/activity';

/** Failure types callers can match on (ApplicationFailure.type). */
export const GITHUB_ERROR = {
  rateLimited: 'GithubRateLimited',
  unavailable: 'GithubUnavailable',
  auth: 'GithubAuthFailed',
  forbidden: 'GithubForbidden',
  notFound: 'GithubNotFound',
  invalid: 'GithubInvalidRequest',
  notConfigured: 'GithubNotConfigured',
} as const;

/** GitHub asks for no wait on a secondary rate limit without `retry-after`; its docs say to wait a minute. */
const SECONDARY_FALLBACK_MS = 60_000;

interface OctokitishError {
  status?: number;
  message?: string;
  name?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

interface GithubErrorBody {
  message?: string;
  errors?: (string | { message?: string; field?: string; code?: string; resource?: string })[];
}

/** GitHub's own words: `message`, then each entry of `errors`. */
function githubMessage(e: OctokitishError): string {
  const data = e.response?.data as GithubErrorBody | string | undefined;
  if (data && typeof data === 'object') {
    const extra = (data.errors ?? []).map((x) =>
      typeof x === 'string' ? x : (x.message ?? [x.resource, x.field, x.code].filter(Boolean).join(' ')),
    );
    const text = [data.message, ...extra].filter(Boolean).join(': ');
    if (text) return brief(text);
  }
  return brief(e.message);
}

function brief(message: string | undefined): string {
  return (message ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** A rate limit: 429, or 403 with `x-ratelimit-remaining: 0` (primary) or a secondary rate limit message. */
export function isRateLimit(status: number | undefined, headers: Record<string, string | undefined>, message: string) {
  if (status === 429) return true;
  return status === 403 && (headers['x-ratelimit-remaining'] === '0' || /secondary rate limit/i.test(message));
}

/** The wait GitHub asks for, in ms: `retry-after` (seconds), else until `x-ratelimit-reset` (epoch seconds) + 1 s. */
export function rateLimitDelayMs(headers: Record<string, string | undefined>, now = Date.now()): number | undefined {
  const after = headers['retry-after'];
  if (after !== undefined && /^\d+$/.test(after.trim())) return Number(after) * 1000;
  const reset = headers['x-ratelimit-reset'];
  if (reset !== undefined && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset) * 1000 - now) + 1000;
  return undefined;
}

/**
 * Maps anything an Octokit call threw to an ApplicationFailure. `what` names the target for messages
 * (e.g. `pull request acme/widgets#7`).
 */
export function toGithubFailure(what: string, err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const e = (err ?? {}) as OctokitishError;
  const status = typeof e.status === 'number' ? e.status : undefined;
  const headers = e.response?.headers ?? {};
  const detail = githubMessage(e);
  const details = [{ target: what, status }];

  if (isRateLimit(status, headers, detail)) {
    const delay = rateLimitDelayMs(headers) ?? (status === 403 ? SECONDARY_FALLBACK_MS : undefined);
    return ApplicationFailure.create({
      type: GITHUB_ERROR.rateLimited,
      message: `GitHub rate limit reached for ${what} (${status}: ${detail}); will retry`,
      nextRetryDelay: delay,
      details,
    });
  }
  if (status === 401) {
    return ApplicationFailure.create({
      type: GITHUB_ERROR.auth,
      nonRetryable: true,
      message: `GitHub refused the credentials for ${what} (401: ${detail}); check GITHUB_TOKEN`,
      details,
    });
  }
  if (status === 403) {
    return ApplicationFailure.create({
      type: GITHUB_ERROR.forbidden,
      nonRetryable: true,
      message: `GitHub refused access to ${what} (403: ${detail}); give GITHUB_TOKEN the permission it needs`,
      details,
    });
  }
  if (status === 404) {
    return ApplicationFailure.create({
      type: GITHUB_ERROR.notFound,
      nonRetryable: true,
      message: `GitHub has no ${what} (404: ${detail}); check the name, and that GITHUB_TOKEN can see the repository`,
      details,
    });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408) {
    return ApplicationFailure.create({
      type: GITHUB_ERROR.invalid,
      nonRetryable: true,
      message: `GitHub rejected the request for ${what} (${status}: ${detail})`,
      details,
    });
  }
  // 408, 5xx, timeouts, refused or reset connections (Octokit reports those as 500 too): transient.
  return ApplicationFailure.create({
    type: GITHUB_ERROR.unavailable,
    message: `GitHub call for ${what} failed (${status ?? e.name ?? 'Error'}: ${detail || 'no detail'}); will retry`,
    details,
  });
}
