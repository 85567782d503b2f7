import type { ErrorCode } from './error-codes.ts';

/** A value or an expected failure; exceptions are kept for bugs. */
export type Result<T, E = AppFailure> = { ok: true; value: T } | { ok: false; error: E };

/**
 * An expected failure: a declared code (see shared/error-codes.ts; each part has its own union),
 * a human message, optional structured detail.
 */
export interface AppFailure<C extends ErrorCode = ErrorCode> {
  readonly code: C;
  readonly message: string;
  readonly details?: unknown;
}

/** Wraps a successful value. */
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });

/** Wraps an expected failure. */
export const fail = <E = AppFailure>(error: E): Result<never, E> => ({ ok: false, error });

/** Builds a failure from a code and message. */
export const failure = (code: ErrorCode, message: string, details?: unknown): Result<never> =>
  fail(details === undefined ? { code, message } : { code, message, details });
