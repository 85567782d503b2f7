import {
  type FailureAnswer,
  registerErrorCodes,
  registerFailureAnswers,
} from '../shared/error-codes.ts';
import type { AppFailure } from '../shared/result.ts';

/**
 * Terminology for the connector:
 * - *attempt*: one HTTP exchange; a *request* is one logical call that may take several attempts.
 * - *throttle*: the client-wide pause after the server said "wait" (429 + Retry-After).
 * - *change set*: an atomic group of write operations inside one `$batch`.
 */

/** Every failure the connector reports, as a string-literal code. */
export type DataverseErrorCode =
  /** The token endpoint refused the credentials, or the API answered 401. Never retried. */
  | 'authentication_failed'
  /** 403: the application user lacks a privilege. */
  | 'access_denied'
  /** 404 / 0x80040217: the record (or the resource) does not exist. */
  | 'not_found'
  /** 412 with an ETag: somebody changed the record since it was read. */
  | 'concurrency_conflict'
  /** A record with that key already exists (0x80040237, or 412 with If-None-Match). */
  | 'duplicate_record'
  /** 429 still answered after every retry. */
  | 'throttled'
  /** No answer within the per-request timeout. */
  | 'timeout'
  /** Connection refused or reset, DNS failure and the like. */
  | 'network_error'
  /** Any other HTTP error status (400 validation, 5xx after retries, …). */
  | 'http_error'
  /** The server answered something the client cannot read. */
  | 'invalid_response'
  /** The client refused to send the request (bad arguments). */
  | 'invalid_request'
  /** A `$batch` operation that was never executed because an earlier one failed (stop on error). */
  | 'not_executed';

/**
 * Their HTTP statuses when a connector failure reaches an API answer unchanged: a refusal passed
 * on (422), except a record that does not exist, and a CRM that gave no answer at all (refused
 * connection, DNS, no answer in time): 502, as the sync's `crm_unreachable`, because the request
 * was fine and a client may try it again; a 422 tells clients not to. A CRM that still said "wait"
 * after the retries (`throttled`) is a 503 with Retry-After, and an `http_error` of a 5xx a 502
 * (`dataverseAnswer`): the statuses below are those of failures that say no more.
 */
export const DATAVERSE_ERROR_CODES = {
  authentication_failed: 422,
  access_denied: 422,
  not_found: 404,
  concurrency_conflict: 422,
  duplicate_record: 422,
  throttled: 503,
  timeout: 502,
  network_error: 502,
  http_error: 422,
  invalid_response: 422,
  invalid_request: 422,
  not_executed: 422,
} as const satisfies Record<DataverseErrorCode, number>;

type DataverseCodes = typeof DATAVERSE_ERROR_CODES;

/** The codes of a request that got no answer from the server: said as 502 wherever they surface. */
export const TRANSPORT_CODES: ReadonlySet<string> = new Set<DataverseErrorCode>([
  'network_error',
  'timeout',
]);

declare module '../shared/error-codes.ts' {
  interface ErrorCodeStatuses extends DataverseCodes {}
}

registerErrorCodes(DATAVERSE_ERROR_CODES);

/**
 * Seconds a client is asked to wait when the CRM throttled without saying how long (Dataverse's
 * service protection always says; a 403 with its throttling code need not).
 */
export const DEFAULT_THROTTLED_RETRY_AFTER_SECONDS = 30;

/**
 * How a connector failure is answered, as a gateway answers what the server behind it said: a CRM
 * still throttling after every retry is a 503 with its Retry-After (the request was fine, later it
 * may pass), a 5xx a 502 (the CRM's fault, not the client's; its Retry-After passed on when it gave
 * one), a 429 of the sign-in server a 503 as well; a 4xx stays the code's 422, a refusal that
 * repeating will not change.
 */
export function dataverseAnswer(
  error: Pick<DataverseError, 'code' | 'status' | 'retryAfterMs'>,
): FailureAnswer {
  const { code, status, retryAfterMs } = error;
  const seconds =
    retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000));
  if (code === 'throttled' || (code === 'http_error' && status === 429)) {
    const wait = seconds ?? DEFAULT_THROTTLED_RETRY_AFTER_SECONDS;
    return { status: 503, headers: { 'retry-after': String(wait) } };
  }
  if (code === 'http_error' && status !== undefined && status >= 500)
    return seconds === undefined
      ? { status: 502 }
      : { status: 502, headers: { 'retry-after': String(seconds) } };
  return { status: DATAVERSE_ERROR_CODES[code] };
}

/**
 * `dataverseAnswer` for a failure value of any layer above that carries the connector's `status`
 * and `retryAfterMs` (spread with a new message, or wrapped under another code, as the flows'
 * `crm_request_failed`): only the fields that are what the connector put there are read.
 */
export function carriedAnswer(code: DataverseErrorCode, failure: object): FailureAnswer {
  const f = failure as Partial<Record<'status' | 'retryAfterMs', unknown>>;
  return dataverseAnswer({
    code,
    status: typeof f.status === 'number' ? f.status : undefined,
    retryAfterMs: typeof f.retryAfterMs === 'number' ? f.retryAfterMs : undefined,
  });
}

registerFailureAnswers(['throttled', 'http_error'], (failure) =>
  carriedAnswer(failure.code as 'throttled' | 'http_error', failure),
);

/** An expected failure of a Dataverse call. Never carries a token or a secret. */
export interface DataverseError extends AppFailure {
  readonly code: DataverseErrorCode;
  readonly message: string;
  /** HTTP status of the answer, when there was one. */
  readonly status?: number;
  /** The Dataverse error code from the body, e.g. `0x80040217`. */
  readonly dataverseCode?: string;
  /** The server's request id (`x-ms-service-request-id` / `REQ_ID`), for support tickets. */
  readonly requestId?: string;
  /** How long the server asked us to wait (429/503 with Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;
  /** Where a request that got no answer went (`host:port`): says which server is down. */
  readonly host?: string;
  /** Why the connection failed, as the system said it (`ECONNREFUSED`, `ENOTFOUND`, …). */
  readonly cause?: string;
}

/** Builds an error value (drops undefined fields so errors compare cleanly in tests). */
export function dataverseError(
  code: DataverseErrorCode,
  message: string,
  extra: Omit<Partial<DataverseError>, 'code' | 'message'> = {},
): DataverseError {
  const error: Record<string, unknown> = { code, message };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) error[k] = v;
  return error as unknown as DataverseError;
}

/** `host:port` of a URL, the port spelled out even when it is the scheme's default. */
export function hostAndPort(url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

/** Dataverse codes the client gives a meaning to. */
export const DATAVERSE_CODES = {
  objectDoesNotExist: '0x80040217',
  duplicateRecord: '0x80040237',
  concurrencyVersionMismatch: '0x80060882',
  tooManyRequests: '0x80072322',
  executionTimeExceeded: '0x80072321',
  tooManyConcurrentRequests: '0x80072326',
} as const;

/** Reads `{"error":{"code","message"}}`; tolerates empty or non-JSON bodies. */
export function parseErrorBody(body: string): { code?: string; message?: string } {
  if (!body) return {};
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const e = parsed?.error;
    if (!e || typeof e !== 'object') return {};
    return {
      code: typeof e.code === 'string' && e.code !== '' ? e.code : undefined,
      message: typeof e.message === 'string' ? e.message : undefined,
    };
  } catch {
    return { message: body.length > 300 ? `${body.slice(0, 300)}…` : body };
  }
}

const DUPLICATE_TEXT = /duplicate key|already exists|matching key values/i;
const CONCURRENCY_TEXT = /version of the existing record|rowversion|etag|does not match/i;

/**
 * Maps an HTTP error answer to an error value: the Dataverse code and message from the body, the
 * status and the request id from the headers.
 */
export function errorFromResponse(
  status: number,
  body: string,
  headers: { get(name: string): string | null },
  context: { method: string; path: string; ifMatch?: string },
): DataverseError {
  const parsed = parseErrorBody(body);
  const requestId = requestIdOf(headers);
  const text = parsed.message ?? `HTTP ${status}`;
  const message = `${context.method} ${context.path}: ${text}`;
  const extra = { status, dataverseCode: parsed.code, requestId };
  return dataverseError(classify(status, parsed.code, text, context.ifMatch), message, extra);
}

function classify(
  status: number,
  code: string | undefined,
  text: string,
  ifMatch: string | undefined,
): DataverseErrorCode {
  if (code === DATAVERSE_CODES.duplicateRecord) return 'duplicate_record';
  if (code === DATAVERSE_CODES.objectDoesNotExist) return 'not_found';
  if (code === DATAVERSE_CODES.concurrencyVersionMismatch) return 'concurrency_conflict';
  switch (status) {
    case 401:
      return 'authentication_failed';
    case 403:
      return code === DATAVERSE_CODES.tooManyRequests ? 'throttled' : 'access_denied';
    case 404:
      return 'not_found';
    case 409:
      return DUPLICATE_TEXT.test(text) ? 'duplicate_record' : 'http_error';
    case 412:
      if (DUPLICATE_TEXT.test(text)) return 'duplicate_record';
      if (ifMatch && ifMatch !== '*') return 'concurrency_conflict';
      return CONCURRENCY_TEXT.test(text) ? 'concurrency_conflict' : 'http_error';
    case 429:
      return 'throttled';
    default:
      return status === 400 && DUPLICATE_TEXT.test(text) ? 'duplicate_record' : 'http_error';
  }
}

/** The request id Dataverse puts on every answer (several header names are in use). */
export function requestIdOf(headers: { get(name: string): string | null }): string | undefined {
  return (
    headers.get('x-ms-service-request-id') ??
    headers.get('req_id') ??
    headers.get('x-ms-request-id') ??
    headers.get('request-id') ??
    undefined
  );
}

/** Removes every occurrence of the given secrets from a text (defence in depth for messages). */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
