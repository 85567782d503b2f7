/** How persistent the client is with transient failures. */
export interface RetryOptions {
  /** Attempts per request, the first included (default 6). */
  readonly maxAttempts: number;
  /** Base of the exponential backoff (default 500 ms): attempt n waits about base·2^(n-1). */
  readonly baseDelayMs: number;
  /** Upper bound of one backoff delay (default 30 s). Retry-After is honoured beyond it. */
  readonly maxDelayMs: number;
  /** Upper bound of a server-requested wait (default 5 min); longer waits fail as `throttled`. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 300_000,
};

/**
 * Which failures a request may be retried after, decided by what a repeat could do:
 * - `idempotent`: GET, PATCH, DELETE, and POST creates that carry their client-chosen GUID.
 *   Retried on 429, 502, 503, 504, timeouts and connection failures.
 * - `rejected-only`: `$batch`. Retried only when the server refused the whole request before
 *   processing it (429, 503); after a timeout or reset nobody knows which operations ran.
 * - `never-processed`: POST actions and creates without a client GUID. Retried only on 429, which
 *   Dataverse's service protection answers without executing anything.
 */
export type RetryClass = 'idempotent' | 'rejected-only' | 'never-processed';

/** What happened to one attempt, as far as the retry decision cares. */
export type AttemptOutcome =
  | { kind: 'status'; status: number }
  | { kind: 'timeout' }
  | { kind: 'network' };

const RETRYABLE_STATUS: Record<RetryClass, ReadonlySet<number>> = {
  idempotent: new Set([429, 502, 503, 504]),
  'rejected-only': new Set([429, 503]),
  'never-processed': new Set([429]),
};

/** True when the outcome is transient and repeating the request is safe for its class. */
export function isRetryable(retryClass: RetryClass, outcome: AttemptOutcome): boolean {
  if (outcome.kind === 'status') return RETRYABLE_STATUS[retryClass].has(outcome.status);
  return retryClass === 'idempotent';
}

/**
 * Backoff before retry number `retry` (1 = first retry): exponential, capped, with "equal
 * jitter" — half the delay fixed, half random — so callers that failed together spread out.
 */
export function backoffDelay(
  retry: number,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const exp = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const half = exp / 2;
  return Math.round(half + random() * half);
}

/**
 * Parses Retry-After: delta-seconds (Dataverse sends these, possibly fractional) or an HTTP date.
 * Returns milliseconds, or undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The wait before the next attempt: the server's Retry-After when it gave one (plus a little
 * jitter so paused callers do not resume in lockstep), otherwise the exponential backoff.
 */
export function retryDelay(
  retry: number,
  retryAfterMs: number | undefined,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined)
    return retryAfterMs + Math.round(random() * Math.min(250, options.baseDelayMs));
  return backoffDelay(retry, options, random);
}
