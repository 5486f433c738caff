// Errors that know how they leave the API: an HTTP status and a message a user can act on.

/** An RFC 9457 problem: `detail` says what went wrong and what to do about it. */
export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) =>
  new ProblemError(400, 'Bad Request', detail, extra);
export const notFound = (detail: string) => new ProblemError(404, 'Not Found', detail);
export const conflict = (detail: string) => new ProblemError(409, 'Conflict', detail);
export const unavailable = (detail: string) => new ProblemError(503, 'Service Unavailable', detail);
export const contentTooLarge = (detail: string) => new ProblemError(413, 'Content Too Large', detail);
