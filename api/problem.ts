// Every error leaves the API as application/problem+json (RFC 9457) with the request id. What
// Temporal and PostgreSQL raise is translated once, at the border (error-border.ts).
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ProblemError } from '../lib/errors';
import { borderProblem } from './error-border';

/** Sends `p`; a problem with `retryAfterSeconds` (a 429, a 503) also gets the Retry-After header. */
export function sendProblem(res: Parameters<RequestHandler>[1], p: ProblemError, requestId: string): void {
  if (typeof p.extra.retryAfterSeconds === 'number') res.setHeader('Retry-After', String(p.extra.retryAfterSeconds));
  res
    .status(p.status)
    .type('application/problem+json')
    .json({ type: 'about:blank', title: p.title, status: p.status, detail: p.detail, requestId, ...p.extra });
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, new ProblemError(404, 'Not Found', `No route ${req.method} ${req.path}`), String(req.id));
};

/**
 * Maps our own errors, Temporal's and PostgreSQL's (error-border.ts) and body-parser's to their
 * status; anything else is a 500 whose detail hides internals.
 */
export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const requestId = String(req.id);
  if (err instanceof ProblemError) {
    sendProblem(res, err, requestId);
    return;
  }
  const border = borderProblem(err);
  if (border) {
    if (border.status >= 500) req.log.warn({ err }, 'a dependency is unavailable');
    sendProblem(res, border, requestId);
    return;
  }
  const e = err as { type?: string; status?: number; message?: string; limit?: number };
  if (e.type === 'entity.parse.failed') {
    sendProblem(
      res,
      new ProblemError(400, 'Bad Request', `The request body is not valid JSON: ${e.message}`),
      requestId,
    );
    return;
  }
  if (e.type === 'entity.too.large') {
    sendProblem(
      res,
      new ProblemError(413, 'Content Too Large', `The request body is larger than the ${e.limit} byte limit`),
      requestId,
    );
    return;
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    sendProblem(res, new ProblemError(e.status, 'Bad Request', e.message ?? 'Bad request'), requestId);
    return;
  }
  req.log.error({ err }, 'unhandled error');
  sendProblem(
    res,
    new ProblemError(
      500,
      'Internal Server Error',
      `Something went wrong on our side; quote request id ${requestId} when reporting it`,
    ),
    requestId,
  );
};
