// The failures Claude Flow raises on purpose, by type: the `type` of every ApplicationFailure that a
// workflow, an update validator or an activity throws for a caller's mistake or a state that forbids
// the request. Clients decide what a failure means by this type (the API: its HTTP status), never
// by reading the message, which is for people.
import { ApplicationFailure } from '@temporalio/workflow';

export const FAILURE_TYPES = {
  /** The request itself is wrong (a missing or malformed field): fix the request. HTTP 400. */
  InvalidRequest: 'InvalidRequest',
  /** What the request names does not exist (a checkpoint, an approval, a memory entry). HTTP 404. */
  NotFound: 'NotFound',
  /** The session has ended or failed: start a new one or fork it. HTTP 409. */
  SessionEnded: 'SessionEnded',
  /** The session is paused: resume it first. HTTP 409. */
  SessionPaused: 'SessionPaused',
  /** A bounded list is full (checkpoints, running children). HTTP 409. */
  LimitReached: 'LimitReached',
  /** The state moved on: an approval already decided, a stale expected version, an existing id. HTTP 409. */
  Conflict: 'Conflict',
  /** The project's working tree has uncommitted changes (rollback refuses to lose them). HTTP 409. */
  DirtyWorkingTree: 'DirtyWorkingTree',
  /** Well-formed, but it cannot be done (e.g. a git step that fails). HTTP 422. */
  Unprocessable: 'Unprocessable',
  /** Larger than a limit allows. HTTP 413. */
  TooLarge: 'TooLarge',
} as const;

export type FailureType = (typeof FAILURE_TYPES)[keyof typeof FAILURE_TYPES];

const KNOWN: ReadonlySet<string> = new Set(Object.values(FAILURE_TYPES));
export const isFailureType = (type: unknown): type is FailureType => typeof type === 'string' && KNOWN.has(type);

/** A non-retryable failure of a known type: retrying cannot help, the caller must change something. */
export const failure = (type: FailureType, message: string, details?: unknown): ApplicationFailure =>
  ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? [] : [details] });
