import type { AppFailure } from './result.ts';

/**
 * Error codes shared by every part and the HTTP status each maps to. Parts add their own codes by
 * registering them here so the one error handler (server) and the CLI translate them the same way.
 */
const statusByCode = new Map<string, number>([
  ['bad_request', 400],
  ['invalid_json', 400],
  ['validation_failed', 400],
  ['unknown_field', 400],
  ['invalid_id', 400],
  ['payload_too_large', 413],
  ['unsupported_media_type', 415],
  ['unauthenticated', 401],
  ['invalid_credentials', 401],
  ['forbidden', 403],
  ['not_found', 404],
  ['method_not_allowed', 405],
  ['conflict', 409],
  ['already_exists', 409],
  ['precondition_failed', 412],
  ['precondition_required', 428],
  ['too_many_requests', 429],
  ['not_ready', 503],
  ['internal_error', 500],
]);

/** Registers the HTTP status of an error code (parts call this once at import time). */
export function registerErrorCodes(codes: Record<string, number>): void {
  for (const [code, status] of Object.entries(codes)) statusByCode.set(code, status);
}

/** HTTP status for a code; unknown codes are client errors (422) so they never pass as success. */
export function statusForCode(code: string): number {
  return statusByCode.get(code) ?? 422;
}

/**
 * The one exception type: thrown only at edges (HTTP handlers, CLI) to carry an expected failure
 * out of a call stack; the server's error handler and the CLI turn it into a response / exit code.
 */
export class AppError extends Error implements AppFailure {
  readonly code: string;
  readonly status: number;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(
    code: string,
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

  /** Turns an expected failure value into a throwable error. */
  static from(failure: AppFailure): AppError {
    return new AppError(failure.code, failure.message, { details: failure.details });
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
