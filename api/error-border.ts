// The API's one error border: what Temporal and PostgreSQL raise, as problem+json (used by
// errorHandler in problem.ts, so routes do not each translate).
//
// - A failure raised on purpose (by a workflow, an update validator or an activity) is an
//   ApplicationFailure whose `type` is a FailureType (workflows/contract/failures.ts). The first one
//   in the error's cause chain decides the status; its message is the detail. Messages are for
//   people: nothing here reads them to decide a status.
// - Temporal or PostgreSQL unreachable is a 503 with Retry-After, saying which one is down.
// - Any other failure of an update or a workflow (an ApplicationFailure of an unknown type, a
//   timeout) is a 422 with the failure's message: the request was understood but could not be done.
// - The client's typed errors no route translated: workflow or schedule not found (404), a workflow
//   id already started (409).
import {
  ApplicationFailure,
  ScheduleNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import { ProblemError } from '../lib/errors';
import { isFailureType, type FailureType } from '../workflows/contract/failures';

/** The HTTP status and title of each failure type; a new type does not compile until it has one. */
const STATUS: Record<FailureType, readonly [number, string]> = {
  InvalidRequest: [400, 'Bad Request'],
  NotFound: [404, 'Not Found'],
  SessionEnded: [409, 'Conflict'],
  SessionPaused: [409, 'Conflict'],
  LimitReached: [409, 'Conflict'],
  Conflict: [409, 'Conflict'],
  DirtyWorkingTree: [409, 'Conflict'],
  Unprocessable: [422, 'Unprocessable Content'],
  TooLarge: [413, 'Content Too Large'],
};

/** What a client waits before retrying a request refused because a dependency is down. */
export const RETRY_AFTER_SECONDS = 5;

/** gRPC status codes (@grpc/grpc-js `status`). */
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_FAILED_PRECONDITION = 9;
const GRPC_UNAVAILABLE = 14;

type Dependency = 'temporal' | 'postgres';

const DOWN: Record<Dependency | 'temporal-slow' | 'temporal-busy' | 'temporal-namespace', string> = {
  temporal:
    'Temporal is unreachable, so the request was not carried out. Check that the Temporal server is running and ' +
    'that TEMPORAL_ADDRESS points at it (GET /readyz checks every dependency), then retry.',
  'temporal-slow':
    'Temporal did not answer in time, so the request may or may not have taken effect: look at its result (e.g. GET ' +
    'the session or the run) before retrying. GET /readyz checks whether Temporal is up.',
  'temporal-namespace':
    "Temporal does not know the namespace, so the request was not carried out: either Temporal's store is down " +
    '(a Temporal Server reads its namespaces from its database) or TEMPORAL_NAMESPACE names one it does not have. ' +
    'GET /readyz checks Temporal; retry once it is ready.',
  'temporal-busy':
    'Temporal cannot take the request right now (the workflow is catching up after a failed or timed-out task, ' +
    'or has too much in flight), so it was not carried out. Retry in a few seconds.',
  postgres:
    'PostgreSQL is unreachable, so the request was not carried out. Check that the database server is running and ' +
    'that DATABASE_URL points at it (GET /readyz checks every dependency), then retry.',
};

/** `err`, its cause, the cause's cause, … (bounded, so a cycle cannot hang a request). */
function* causeChain(err: unknown): Generator<unknown> {
  let current = err;
  for (let depth = 0; depth < 16 && current !== undefined && current !== null; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

/**
 * Temporal's gRPC status, when the chain holds a gRPC error from the client's connection. A
 * FAILED_PRECONDITION or RESOURCE_EXHAUSTED is the server refusing for now: it refuses updates
 * while a workflow's task is failing or timing out (as it does on a machine too busy to finish
 * tasks in time) and past its limits of updates in flight; the same request succeeds later.
 */
function temporalDown(err: unknown): 'temporal' | 'temporal-slow' | 'temporal-busy' | 'temporal-namespace' | undefined {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return 'temporal-slow';
  // A Temporal Server whose database is down answers "namespace not found" for a while.
  if (err instanceof NamespaceNotFoundError) return 'temporal-namespace';
  for (const c of causeChain(err)) {
    if (!isGrpcServiceError(c)) continue;
    if (c.code === GRPC_UNAVAILABLE) return 'temporal';
    if (c.code === GRPC_DEADLINE_EXCEEDED) return 'temporal-slow';
    if (c.code === GRPC_FAILED_PRECONDITION || c.code === GRPC_RESOURCE_EXHAUSTED) return 'temporal-busy';
  }
  return undefined;
}

/** Socket errors of a connection that could not be made or was lost (Node's `code`). */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
]);
/** Prisma's codes for a database it cannot reach or that dropped the connection. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017']);
/** Prisma's driver adapter (@prisma/adapter-pg) kinds for the same. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout']);

/** SQLSTATE class 08 (connection exception) and 57P01-57P03 (the server shutting down or starting). */
const sqlStateDown = (code: unknown) =>
  typeof code === 'string' && (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code));

interface MaybeDbError {
  name?: unknown;
  code?: unknown;
  errorCode?: unknown;
  syscall?: unknown;
  severity?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: unknown };
  cause?: { kind?: unknown; code?: unknown; originalCode?: unknown };
}

/**
 * Whether `err` says PostgreSQL cannot be reached: pg's socket and server errors, and Prisma's.
 * Socket errors count only as thrown (pg throws them as they are), not deep in a cause chain, where
 * they may come from some other connection.
 */
function postgresDown(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as MaybeDbError;
  if (typeof e.syscall === 'string' && typeof e.code === 'string' && SOCKET_CODES.has(e.code)) return true;
  // A pg DatabaseError (it has a severity) with a connection SQLSTATE: the server refused or is going down.
  if (typeof e.severity === 'string' && sqlStateDown(e.code)) return true;
  // pg gives these no code: a connection that ended under a query ("Connection terminated unexpectedly",
  // "… due to connection timeout"). The messages are pg's own, of a plain Error; ours never say this.
  const plain = Object.getPrototypeOf(err) === Error.prototype;
  if (plain && typeof e.message === 'string' && e.message.startsWith('Connection terminated')) return true;
  // ... and a query on a client whose connection the server ended while the client was held.
  if (plain && e.message === 'Client has encountered a connection error and is not queryable') return true;
  if (e.name === 'PrismaClientKnownRequestError' && PRISMA_CODES.has(String(e.code))) return true;
  if (e.name === 'PrismaClientInitializationError' && PRISMA_CODES.has(String(e.errorCode))) return true;
  if (e.name === 'DriverAdapterError' && e.cause) {
    return ADAPTER_KINDS.has(String(e.cause.kind)) || sqlStateDown(e.cause.code ?? e.cause.originalCode);
  }
  if (e.meta?.driverAdapterError) return postgresDown(e.meta.driverAdapterError);
  return false;
}

/** The 503 for a dependency that is down, with Retry-After (problem.ts sends `retryAfterSeconds` as the header). */
export function unavailableProblem(err: unknown): ProblemError | undefined {
  const down = temporalDown(err) ?? (postgresDown(err) ? 'postgres' : undefined);
  if (!down) return undefined;
  const dependency: Dependency = down === 'postgres' ? 'postgres' : 'temporal';
  return new ProblemError(503, 'Service Unavailable', DOWN[down], {
    dependency,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
}

/** The first ApplicationFailure in the chain with a known type, as its status; undefined when none has one. */
export function typedFailureProblem(err: unknown): ProblemError | undefined {
  for (const c of causeChain(err)) {
    if (c instanceof ApplicationFailure && isFailureType(c.type)) {
      const [status, title] = STATUS[c.type];
      return new ProblemError(status, title, c.message || c.type);
    }
  }
  return undefined;
}

/** The message of the innermost failure worth showing: the first ApplicationFailure, else the deepest cause. */
function failureMessage(err: unknown): string {
  let deepest = '';
  for (const c of causeChain(err)) {
    if (c instanceof ApplicationFailure && c.message) return c.message;
    if (c instanceof Error && c.message) deepest = c.message;
  }
  return deepest;
}

/**
 * The problem+json for an error from Temporal or PostgreSQL; undefined for anything else (a bug:
 * errorHandler answers 500). Decided by failure type, gRPC status and error codes, never by message.
 */
export function borderProblem(err: unknown): ProblemError | undefined {
  const typed = typedFailureProblem(err);
  if (typed) return typed;
  const down = unavailableProblem(err);
  if (down) return down;
  if (err instanceof WorkflowNotFoundError) return new ProblemError(404, 'Not Found', `No workflow ${err.workflowId}`);
  if (err instanceof ScheduleNotFoundError) return new ProblemError(404, 'Not Found', `No schedule ${err.scheduleId}`);
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return new ProblemError(409, 'Conflict', `A workflow with id ${err.workflowId} is already running or was run`);
  }
  const fromTemporal =
    err instanceof WorkflowUpdateFailedError ||
    err instanceof WorkflowFailedError ||
    [...causeChain(err)].some((c) => c instanceof ApplicationFailure);
  if (fromTemporal) return new ProblemError(422, 'Unprocessable Content', failureMessage(err) || 'The request failed');
  return undefined;
}
