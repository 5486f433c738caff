// The API's error border (api/error-border.ts): a failure is answered by its type, never its
// message; Temporal or PostgreSQL down is a 503 with Retry-After that names which one.
import net from 'node:net';
import {
  ActivityFailure,
  ApplicationFailure,
  Client,
  Connection,
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { NamespaceNotFoundError, RetryState } from '@temporalio/common';
import request from 'supertest';
import { createApp } from '../../api/app';
import { borderProblem } from '../../api/error-border';
import { createPool, createPrisma } from '../../lib/db';
import { FAILURE_TYPES, failure, type FailureType } from '../../workflows/contract/failures';
import { startTestApp, testConfig, testLogger, type TestApp } from '../helpers/stack';

const api = '/api/claude-flow';

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const activityFailed = (cause: Error) =>
  new ActivityFailure('Activity task failed', 'rollback', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', cause);
const updateFailed = (cause: Error) => new WorkflowUpdateFailedError('Workflow Update failed', cause);
const grpcError = (code: number, text: string) =>
  Object.assign(new Error(`${code} ${text}`), { code, details: text, metadata: {} });

describe('the mapper', () => {
  const expected: Record<FailureType, number> = {
    InvalidRequest: 400,
    NotFound: 404,
    SessionEnded: 409,
    SessionPaused: 409,
    LimitReached: 409,
    Conflict: 409,
    DirtyWorkingTree: 409,
    Unprocessable: 422,
    TooLarge: 413,
  };
  const types = Object.values(FAILURE_TYPES);

  test('every failure type has a status', () => {
    expect(Object.keys(expected).sort()).toEqual([...types].sort());
  });

  test.each(types)('%s, thrown by a validator, an update or an activity, anywhere in the chain', (type) => {
    const f = () => failure(type, `the message of a ${type}`);
    for (const err of [
      f(),
      updateFailed(f()),
      updateFailed(activityFailed(f())),
      activityFailed(f()),
      new WorkflowFailedError('Workflow execution failed', f(), RetryState.NON_RETRYABLE_FAILURE),
    ]) {
      expect(borderProblem(err)).toMatchObject({ status: expected[type], detail: `the message of a ${type}` });
    }
  });

  test('the type decides, never the message', () => {
    // Messages that the old regex read as a conflict, now of an unknown type: 422 with the message kept.
    for (const message of [
      'the session has ended',
      'the session is paused',
      'already decided',
      'uncommitted changes',
    ]) {
      const err = updateFailed(ApplicationFailure.create({ type: 'Error', message }));
      expect(borderProblem(err)).toMatchObject({ status: 422, detail: message });
    }
    // A known type whose message reads like another status still gets its own type's status.
    expect(borderProblem(updateFailed(failure('NotFound', 'the session has ended')))).toMatchObject({ status: 404 });
    expect(borderProblem(updateFailed(failure('SessionPaused', 'no checkpoint c1')))).toMatchObject({ status: 409 });
    // The first known type in the chain wins; an unknown type above it is passed over.
    const nested = ApplicationFailure.create({
      type: 'WrapperError',
      message: 'outer',
      cause: failure('TooLarge', 'inner'),
    });
    expect(borderProblem(updateFailed(nested))).toMatchObject({ status: 413, detail: 'inner' });
  });

  test('an unknown type, or an update that failed without one, is a 422 with the message', () => {
    const unknown = updateFailed(activityFailed(ApplicationFailure.create({ type: 'Whatever', message: 'it broke' })));
    expect(borderProblem(unknown)).toMatchObject({ status: 422, detail: 'it broke' });
    expect(borderProblem(updateFailed(undefined as unknown as Error))).toMatchObject({ status: 422 });
  });

  test("Temporal's gRPC UNAVAILABLE, DEADLINE_EXCEEDED, FAILED_PRECONDITION and RESOURCE_EXHAUSTED are 503s naming Temporal, with a retry delay", () => {
    const down = borderProblem(
      new ServiceError('Failed to describe workflow', { cause: grpcError(14, 'UNAVAILABLE') }),
    );
    expect(down).toMatchObject({ status: 503, extra: { dependency: 'temporal', retryAfterSeconds: 5 } });
    expect(down?.detail).toMatch(/^Temporal is unreachable.*TEMPORAL_ADDRESS/);
    const slow = borderProblem(
      new ServiceError('Workflow Update failed', { cause: grpcError(4, 'DEADLINE_EXCEEDED') }),
    );
    expect(slow).toMatchObject({ status: 503, extra: { dependency: 'temporal' } });
    expect(slow?.detail).toMatch(/may or may not have taken effect/);
    // The server refusing for now (an update while the workflow's task is failing, too much in flight).
    for (const [code, name] of [
      [9, 'FAILED_PRECONDITION: Unable to perform workflow execution update due to Workflow Task in failed state.'],
      [8, 'RESOURCE_EXHAUSTED: limit on number of concurrent in-flight updates has been reached'],
    ] as const) {
      const busy = borderProblem(new ServiceError('Workflow Update failed', { cause: grpcError(code, name) }));
      expect(busy).toMatchObject({ status: 503, extra: { dependency: 'temporal', retryAfterSeconds: 5 } });
      expect(busy?.detail).toMatch(/^Temporal cannot take the request right now.*Retry in a few seconds/);
    }
    // A Temporal Server with its database down does not find the namespace for a while.
    const namespace = borderProblem(new NamespaceNotFoundError('default'));
    expect(namespace).toMatchObject({ status: 503, extra: { dependency: 'temporal', retryAfterSeconds: 5 } });
    expect(namespace?.detail).toMatch(/store is down.*TEMPORAL_NAMESPACE/);
    // Other gRPC statuses are not an outage.
    expect(borderProblem(new ServiceError('x', { cause: grpcError(3, 'INVALID_ARGUMENT') }))).toBeUndefined();
  });

  test("PostgreSQL's connection errors (pg and Prisma) are 503s naming PostgreSQL", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
      errno: -111,
    });
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
      severity: 'FATAL',
    });
    const noConnection = Object.assign(new Error('connection failure'), { code: '08006', severity: 'FATAL' });
    const prisma = Object.assign(new Error("Can't reach database server at 127.0.0.1:1"), {
      name: 'PrismaClientKnownRequestError',
      code: 'P1001',
    });
    for (const err of [refused, shutdown, noConnection, prisma, new Error('Connection terminated unexpectedly')]) {
      const p = borderProblem(err);
      expect(p).toMatchObject({ status: 503, extra: { dependency: 'postgres', retryAfterSeconds: 5 } });
      expect(p?.detail).toMatch(/^PostgreSQL is unreachable.*DATABASE_URL/);
    }
  });

  test('nothing is decided by message text: errors that only say it are not mapped', () => {
    for (const err of [
      new Error('connect ECONNREFUSED 127.0.0.1:5432'),
      new Error('14 UNAVAILABLE: No connection established'),
      new Error('the session has ended'),
      Object.assign(new Error('duplicate key'), { code: '23505', severity: 'ERROR' }),
    ]) {
      expect(borderProblem(err)).toBeUndefined();
    }
  });

  test("the client's typed errors no route translated", () => {
    expect(borderProblem(new WorkflowNotFoundError('gone', 'wf-1', undefined))).toMatchObject({
      status: 404,
      detail: 'No workflow wf-1',
    });
  });
});

describe('through the app', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await app?.close();
  });

  test('Temporal unreachable: a session route answers 503 with Retry-After, not 500', async () => {
    // No gRPC retry interceptor: the first refused connection is the answer, not 20 s of retries.
    const connection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}`, interceptors: [] });
    const temporal = new Client({ connection });
    try {
      const http = createApp({ ...app, temporal });
      for (const req of [
        request(http).get(`${api}/sessions/s1`),
        request(http).post(`${api}/sessions`).send({ title: 'during an outage' }),
        request(http).get(`${api}/workflows/wf-1`),
      ]) {
        const res = await req.expect(503);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.body).toMatchObject({ status: 503, dependency: 'temporal' });
        expect(res.body.detail).toMatch(/^Temporal is unreachable/);
      }
    } finally {
      await connection.close();
    }
  });

  test('PostgreSQL unreachable: memory and session lists answer 503 with Retry-After', async () => {
    const url = `postgres://claude:flow@127.0.0.1:${await closedPort()}/none`;
    const pool = createPool(url, 1);
    const prisma = createPrisma(url, 1);
    try {
      // With the rate limiter off only the route's own query can fail; with the defaults, whichever comes first.
      const quiet = testConfig({ CLAUDE_FLOW_RATE_LIMIT_PER_IP: '0', CLAUDE_FLOW_RATE_LIMIT_PER_KEY: '0' });
      const routeFirst = createApp({ config: quiet, logger: testLogger(quiet), pool, prisma, temporal: app.client });
      const limiterFirst = createApp({ ...app, pool, prisma, temporal: app.client });
      for (const [http, path] of [
        [routeFirst, '/memory/entries'],
        [routeFirst, '/sessions'],
        [limiterFirst, '/memory/namespaces'],
      ] as const) {
        const res = await request(http).get(`${api}${path}`).expect(503);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.body).toMatchObject({ status: 503, dependency: 'postgres' });
        expect(res.body.detail).toMatch(/^PostgreSQL is unreachable.*DATABASE_URL/);
      }
    } finally {
      await pool.end();
      await prisma.$disconnect();
    }
  });

  test('a refused session update is answered by its failure type, not by its message', async () => {
    let refusal: Error = new Error('unset');
    const handle = {
      workflowId: 'session-s1',
      describe: async () => ({ status: { name: 'RUNNING' } }),
      executeUpdate: async () => Promise.reject(refusal),
    };
    const temporal = { workflow: { getHandle: () => handle } } as unknown as Client;
    const http = () => createApp({ ...app, temporal });
    const cases: [Error, number, string][] = [
      [updateFailed(failure('SessionPaused', 'resume it first')), 409, 'resume it first'],
      [updateFailed(activityFailed(failure('DirtyWorkingTree', 'commit or stash'))), 409, 'commit or stash'],
      [updateFailed(failure('NotFound', 'no checkpoint c1')), 404, 'no checkpoint c1'],
      // Reads like a conflict, but carries no known type: the message is kept, the status is 422.
      [updateFailed(ApplicationFailure.create({ type: 'Error', message: 'the session has ended' })), 422, 'has ended'],
    ];
    for (const [err, status, detail] of cases) {
      refusal = err;
      const res = await request(http()).post(`${api}/sessions/s1/checkpoints`).send({}).expect(status);
      expect(res.body.detail).toContain(detail);
    }
    // The session's own meaning stays: closed between the check and the update is a 409.
    refusal = new WorkflowNotFoundError('workflow execution already completed', 'session-s1', undefined);
    const closed = await request(http()).post(`${api}/sessions/s1/checkpoints`).send({}).expect(409);
    expect(closed.body.detail).toBe('session s1 has ended (completed); start a new one or fork it');
  });

  test('a refused runWorkflow through POST /workflows is answered by type, not "every update failure is a 409"', async () => {
    let refusal: Error = new Error('unset');
    const handle = {
      workflowId: 'session-s1',
      executeUpdate: async () => Promise.reject(refusal),
    };
    const temporal = { workflow: { getHandle: () => handle } } as unknown as Client;
    const http = () => createApp({ ...app, temporal });
    refusal = updateFailed(ApplicationFailure.create({ type: 'Error', message: 'unknown workflow type' }));
    const body = { type: 'systemCheck', sessionId: 's1' };
    const unknown = await request(http()).post(`${api}/workflows`).send(body).expect(422);
    expect(unknown.body.detail).toBe('unknown workflow type');
    refusal = updateFailed(failure('LimitReached', 'the session runs 10 children, the most it may'));
    await request(http()).post(`${api}/workflows`).send(body).expect(409);
    refusal = new WorkflowNotFoundError('not found', 'session-s1', undefined);
    const missing = await request(http()).post(`${api}/workflows`).send(body).expect(404);
    expect(missing.body.detail).toBe('No session s1');
  });
});
