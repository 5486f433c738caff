// The Octokit client the GitHub activities use. Temporal owns retries: the throttling plugin paces
// requests but never waits out a rate limit itself, and the retry plugin only retries a failed read
// once, quickly; everything else reaches toGithubFailure, which hands GitHub's wait to Temporal.
import { createHash } from 'node:crypto';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import { GITHUB_ERROR } from './errors';

const GithubOctokit = Octokit.plugin(retry, throttling);
export type GithubClient = InstanceType<typeof GithubOctokit>;

/** One attempt of one HTTP request; the activity's own timeout bounds the whole call. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Options for writes: the retry plugin must never repeat a post (only the marker check may). */
export const NO_RETRY = { request: { retries: 0 } } as const;

/** A clear, non-retryable failure: GitHub work cannot start without a token. */
export function notConfigured(): ApplicationFailure {
  return ApplicationFailure.create({
    type: GITHUB_ERROR.notConfigured,
    nonRetryable: true,
    message:
      'GitHub is not configured: set GITHUB_TOKEN (and GITHUB_API_URL for GitHub Enterprise Server) to use the GitHub activities',
  });
}

/**
 * A client for the current activity: authenticated with GITHUB_TOKEN against GITHUB_API_URL, its
 * requests aborted when the activity is cancelled. Throws notConfigured() without a token.
 */
export function githubClient(config: Config['github'], logger: Logger): GithubClient {
  if (!config.token) throw notConfigured();
  const cancelled = Context.current().cancellationSignal;
  const octokit = new GithubOctokit({
    auth: config.token,
    baseUrl: config.apiUrl,
    userAgent: 'claude-flow',
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => logger.warn({ github: true }, message),
      error: (message: string) => logger.error({ github: true }, message),
    },
    throttle: {
      // Pacing is per credential and API (GitHub's limits are): separate tokens do not wait on each other.
      id: createHash('sha256').update(`${config.apiUrl}\n${config.token}`).digest('hex').slice(0, 16),
      onRateLimit: () => false,
      onSecondaryRateLimit: () => false,
    },
    retry: {
      retries: 1,
      retryAfterBaseValue: 250,
      doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
    },
  });
  octokit.hook.before('request', (options) => {
    options.request = {
      ...options.request,
      signal: AbortSignal.any([cancelled, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    };
  });
  return octokit;
}
