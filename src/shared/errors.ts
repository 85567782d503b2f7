import { answerForFailure, type ErrorCode, statusForCode } from './error-codes.ts';
import type { AppFailure } from './result.ts';

export { answerForFailure, registerErrorCodes, statusForCode } from './error-codes.ts';

/**
 * The one exception type: thrown only at edges (HTTP handlers, CLI) to carry an expected failure
 * out of a call stack; the server's error handler and the CLI turn it into a response / exit code.
 */
export class AppError extends Error implements AppFailure {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      details?: unknown;
      cause?: unknown;
      status?: number;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? statusForCode(code);
    this.details = options.details;
    this.headers = options.headers;
  }

  /**
   * Turns an expected failure value into a throwable error, answered as the value says (a CRM
   * that answered 429 or 5xx: `answerForFailure`), else as its code.
   */
  static from(failure: AppFailure): AppError {
    const { status, headers } = answerForFailure(failure);
    return new AppError(failure.code, failure.message, {
      details: failure.details,
      status,
      ...(headers ? { headers } : {}),
    });
  }
}

/** Normalises anything caught into an Error, keeping the original as `cause`. */
export function coerceError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : JSON.stringify(err), { cause: err });
}

/** Unwraps a Result or throws its failure as an AppError (for edges only). */
export function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: AppFailure }): T {
  if (result.ok) return result.value;
  throw AppError.from(result.error);
}
