// The activity border: what lib/ throws as an HTTP problem leaves an activity as a Temporal failure
// with a type. A caller's mistake (a 4xx problem: a bad name, a missing entry, a stale version) is
// non-retryable, since the same input fails the same way every time; anything else is left as it is
// for the activity's retry policy (a database that is down, a 503).
import { ApplicationFailure } from '@temporalio/activity';
import { ProblemError } from '../lib/errors';
import { FAILURE_TYPES, type FailureType } from '../workflows/contract/failures';

const BY_STATUS: Record<number, FailureType> = {
  400: FAILURE_TYPES.InvalidRequest,
  404: FAILURE_TYPES.NotFound,
  409: FAILURE_TYPES.Conflict,
  413: FAILURE_TYPES.TooLarge,
  422: FAILURE_TYPES.Unprocessable,
};

/** The failure an activity raises for `err`: typed and non-retryable for a 4xx problem, else `err`. */
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof ProblemError) || err.status < 400 || err.status >= 500) return err;
  return ApplicationFailure.create({
    type: BY_STATUS[err.status] ?? FAILURE_TYPES.InvalidRequest,
    message: err.detail,
    nonRetryable: true,
    details: [{ status: err.status, ...err.extra }],
    cause: err,
  });
}

type AnyFn = (...args: never[]) => unknown;

/** The same activities, each raising {@link toActivityFailure} of what it throws. */
export function withBorder<T extends Record<string, AnyFn>>(activities: T): T {
  const wrapped: Record<string, AnyFn> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toActivityFailure(err);
      }
    };
    Object.defineProperty(wrapped[name], 'name', { value: name });
  }
  return wrapped as T;
}
