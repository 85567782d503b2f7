/**
 * The error codes every part shares, each with the HTTP status it answers with. A part adds its own
 * codes in its `errors.ts`: one table of codes and statuses, registered for the error handlers,
 * and merged into `ErrorCodeStatuses` below so that a code nobody declared does not compile.
 */
export const SHARED_ERROR_CODES = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unknown_field: 400,
  invalid_id: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  already_exists: 409,
  precondition_failed: 412,
  precondition_required: 428,
  too_many_requests: 429,
  not_ready: 503,
  database_unavailable: 503,
  internal_error: 500,
  invalid_config: 500,
  sync_failed: 500,
} as const;

type SharedCodes = typeof SHARED_ERROR_CODES;
/** A code any part may use. */
export type SharedErrorCode = keyof SharedCodes;

/**
 * Every code of the system with its status, as a type. Parts extend it by declaration merging:
 * `declare module '../shared/error-codes.ts' { interface ErrorCodeStatuses extends ErpCodes {} }`.
 */
export interface ErrorCodeStatuses extends SharedCodes {}

/** A code some part declared; `failure` and `AppError` take nothing else. */
export type ErrorCode = keyof ErrorCodeStatuses;

const statusByCode = new Map<string, number>(Object.entries(SHARED_ERROR_CODES));

/** Registers a part's table (its `errors.ts` does this once, at import). */
export function registerErrorCodes(codes: { readonly [code: string]: number }): void {
  for (const [code, status] of Object.entries(codes)) statusByCode.set(code, status);
}

/**
 * HTTP status of a code. Every code is declared with a status, so a code without one means a
 * part's table was never loaded: a bug, answered as 500 (and logged as such), never as a success.
 */
export function statusForCode(code: ErrorCode): number {
  return statusByCode.get(code) ?? 500;
}

/** The HTTP answer of one failure: its status and the headers that go with it (`retry-after`). */
export interface FailureAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
}

const answerByCode = new Map<string, (failure: { readonly code: string }) => FailureAnswer>();

/**
 * Registers codes whose answer depends on the failure value, not on the code alone: a connector
 * failure that carries what the CRM answered (a 429 is a 503 with its Retry-After, a 5xx a 502).
 * The code's table still gives its status where the value says nothing more.
 */
export function registerFailureAnswers(
  codes: readonly string[],
  answer: (failure: { readonly code: string }) => FailureAnswer,
): void {
  for (const code of codes) answerByCode.set(code, answer);
}

/** How a failure value is answered over HTTP: its code's rule, else its code's status. */
export function answerForFailure(failure: { readonly code: string }): FailureAnswer {
  const rule = answerByCode.get(failure.code);
  return rule ? rule(failure) : { status: statusByCode.get(failure.code) ?? 500 };
}
