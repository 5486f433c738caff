// The webhook release action: one POST of the release as JSON, with an Idempotency-Key header so a
// receiver can drop the repeat a retried attempt may send (the attempt cannot know whether an
// earlier one's request arrived).
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { WebhookReleaseInput, WebhookReleaseResult } from './types';

const TIMEOUT_MS = 30_000;

export async function postReleaseWebhook(input: WebhookReleaseInput): Promise<WebhookReleaseResult> {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw ApplicationFailure.create({
      type: 'InvalidInput',
      nonRetryable: true,
      message: `webhook url "${input.url}" is not a URL; use http(s)://host/path`,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw ApplicationFailure.create({
      type: 'InvalidInput',
      nonRetryable: true,
      message: `webhook url must be http or https, not ${url.protocol}`,
    });
  }
  let signal: AbortSignal = AbortSignal.timeout(TIMEOUT_MS);
  try {
    signal = AbortSignal.any([Context.current().cancellationSignal, signal]);
  } catch {
    /* outside an activity */
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': input.idempotencyKey,
        'user-agent': 'claude-flow',
      },
      body: JSON.stringify(input.payload),
      signal,
    });
  } catch (err) {
    // Connection refused, reset, timeout: worth another attempt.
    throw ApplicationFailure.create({
      type: 'WebhookUnreachable',
      message: `webhook ${url.origin}${url.pathname} did not answer: ${(err as Error).cause ?? (err as Error).message}`,
    });
  }
  const body = (await res.text().catch(() => '')).slice(0, 2_000);
  if (res.ok) return { status: res.status, body };
  const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
  const after = Number(res.headers.get('retry-after'));
  throw ApplicationFailure.create({
    type: retryable ? 'WebhookUnavailable' : 'WebhookRejected',
    nonRetryable: !retryable,
    message: `webhook ${url.origin}${url.pathname} answered ${res.status}: ${body.slice(0, 300) || res.statusText}`,
    ...(retryable && Number.isFinite(after) && after > 0 ? { nextRetryDelay: after * 1000 } : {}),
  });
}
