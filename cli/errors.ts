// Errors the CLI turns into one line and an exit code: 1 for failures, 2 for wrong usage.

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** Wrong usage: a bad argument or option value. Exit code 2. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string) {
    super(message, 2);
  }
}

/** The API answered with an error (problem+json). Exit code 1. */
export class ApiError extends CliError {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly body?: unknown,
  ) {
    super(detail, 1);
  }
}
