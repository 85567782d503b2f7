import type { Logger } from '../shared/logger.ts';
import { fail, ok, type Result } from '../shared/result.ts';
import { type DataverseError, dataverseError, errorFromResponse, hostAndPort } from './errors.ts';
import type { DataverseMetricsHooks, MetricsCounters } from './metrics.ts';
import {
  type AttemptOutcome,
  isRetryable,
  parseRetryAfter,
  type RetryClass,
  type RetryOptions,
  retryDelay,
} from './retry-policy.ts';
import { type Semaphore, sleep, type ThrottleGate } from './throttle.ts';
import { causeOf, type TokenProvider } from './token-provider.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One logical request to the Web API. */
export interface HttpRequest {
  /** Label for logs and metrics (`retrieve`, `create`, `batch`, …). */
  readonly operation: string;
  readonly method: HttpMethod;
  /** Relative to the API URL (`accounts(…)`), or absolute (an `@odata.nextLink`). */
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** JSON value (serialized here) or a ready string body (`$batch`). */
  readonly body?: unknown;
  readonly retryClass: RetryClass;
  /** A retried create that then meets "duplicate key" has succeeded (its first attempt landed). */
  readonly duplicateMeansDone?: boolean;
  /** Answers with these statuses come back as responses, not errors (`$batch` 400 bodies). */
  readonly acceptStatuses?: readonly number[];
  /** Number of operations in a `$batch` (for the counters). */
  readonly batchOperations?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  readonly retries: number;
  /** Set when `duplicateMeansDone` turned a duplicate-key answer into success. */
  readonly duplicateAfterRetry?: boolean;
}

export interface PipelineOptions {
  readonly apiUrl: string;
  readonly tokenProvider: TokenProvider;
  readonly timeoutMs: number;
  readonly retry: RetryOptions;
  readonly semaphore: Semaphore;
  readonly gate: ThrottleGate;
  readonly counters: MetricsCounters;
  readonly metrics?: DataverseMetricsHooks;
  readonly logger?: Logger;
  readonly random?: () => number;
}

type AttemptResult =
  | { kind: 'response'; status: number; headers: Headers; body: string }
  | { kind: 'timeout' }
  | { kind: 'network'; cause: string };

/**
 * Sends requests with the client's resilience rules: concurrency cap, shared throttle, per-attempt
 * timeout, token refresh on 401, and retries limited to what is safe for the request's class.
 * Every non-2xx answer becomes an error value.
 */
export class HttpPipeline {
  readonly #o: PipelineOptions;

  constructor(options: PipelineOptions) {
    this.#o = options;
  }

  get apiUrl(): string {
    return this.#o.apiUrl;
  }

  get retryOptions(): RetryOptions {
    return this.#o.retry;
  }

  /** Pauses every caller of the client for `ms` (the server said to wait). */
  pause(ms: number): void {
    this.#o.gate.pause(ms);
  }

  /** Sends one logical request, retrying as its class allows. */
  async send(request: HttpRequest): Promise<Result<HttpResponse, DataverseError>> {
    const o = this.#o;
    const started = Date.now();
    const url = request.path.startsWith('http') ? request.path : o.apiUrl + request.path;
    let parsedUrl: URL;
    try {
      parsedUrl = new URL(url);
    } catch {
      return fail(dataverseError('invalid_request', `not a URL: ${url.slice(0, 200)}`));
    }
    if (orgOrigin(parsedUrl) !== orgOrigin(new URL(o.apiUrl))) {
      // A next/delta link pointing elsewhere never gets the org's bearer token.
      return fail(dataverseError('invalid_request', `${parsedUrl.origin} is not the org's host`));
    }
    const logPath = parsedUrl.pathname;
    const ifMatch = request.headers?.['If-Match'];
    let retries = 0;
    let throttledMs = 0;
    let refreshedToken = false;
    let lastStatus = 0;

    const finish = (result: Result<HttpResponse, DataverseError>) => {
      const info = {
        operation: request.operation,
        method: request.method,
        status: lastStatus,
        ms: Date.now() - started,
        retries,
        throttledMs,
        failed: !result.ok,
      };
      o.counters.finished(info);
      if (request.batchOperations !== undefined && result.ok)
        o.counters.batch(request.batchOperations);
      o.metrics?.onRequest(info);
      o.logger?.debug(
        { ...info, path: logPath, ...(result.ok ? {} : { error: result.error.code }) },
        'dataverse request',
      );
      return result;
    };

    for (let attempt = 1; ; attempt++) {
      const release = await o.semaphore.acquire();
      let outcome: AttemptResult;
      try {
        throttledMs += await o.gate.wait();
        const token = await o.tokenProvider.getToken();
        if (!token.ok) return finish(fail(token.error));
        o.counters.attempt();
        outcome = await this.#attempt(request, url, token.value);
      } finally {
        release();
      }

      const asOutcome: AttemptOutcome =
        outcome.kind === 'response' ? { kind: 'status', status: outcome.status } : outcome;
      let error: DataverseError;
      let retryAfterMs: number | undefined;
      if (outcome.kind === 'response') {
        lastStatus = outcome.status;
        const { status, headers, body } = outcome;
        if (
          (status >= 200 && status < 300) ||
          status === 304 ||
          request.acceptStatuses?.includes(status)
        ) {
          return finish(ok({ status, headers, body, retries }));
        }
        error = errorFromResponse(status, body, headers, {
          method: request.method,
          path: logPath,
          ifMatch,
        });
        if (request.duplicateMeansDone && attempt > 1 && error.code === 'duplicate_record') {
          return finish(ok({ status, headers, body, retries, duplicateAfterRetry: true }));
        }
        if (status === 401 && !refreshedToken && o.tokenProvider.invalidate) {
          // An expired or revoked token: nothing was executed, so one fresh token is always safe.
          refreshedToken = true;
          o.tokenProvider.invalidate();
          retries++;
          continue;
        }
        retryAfterMs = parseRetryAfter(headers.get('retry-after'));
        if (status === 429) o.counters.throttledResponse();
      } else if (outcome.kind === 'timeout') {
        lastStatus = 0;
        error = dataverseError(
          'timeout',
          `${request.method} ${logPath}: no answer within ${o.timeoutMs} ms`,
          { host: hostAndPort(parsedUrl) },
        );
      } else {
        lastStatus = 0;
        error = dataverseError('network_error', `${request.method} ${logPath}: ${outcome.cause}`, {
          host: hostAndPort(parsedUrl),
          cause: outcome.cause,
        });
      }

      if (!isRetryable(request.retryClass, asOutcome) || attempt >= o.retry.maxAttempts) {
        return finish(fail(retryAfterMs === undefined ? error : { ...error, retryAfterMs }));
      }
      if (retryAfterMs !== undefined && retryAfterMs > o.retry.maxRetryAfterMs) {
        return finish(fail({ ...error, retryAfterMs }));
      }
      const delay = retryDelay(attempt, retryAfterMs, o.retry, o.random);
      retries++;
      const throttled =
        outcome.kind === 'response' && (outcome.status === 429 || retryAfterMs !== undefined);
      // A retry is the connector doing its job: what still fails after them is the caller's to
      // report, once (a pass, the pollers' one warning per mapping). At warn, a CRM that was down
      // for five minutes wrote about 570 lines. A server asking to wait is worth an info line: it
      // is why work goes slower.
      const retryLine = {
        operation: request.operation,
        method: request.method,
        path: logPath,
        status: lastStatus,
        attempt,
        delayMs: delay,
        error: error.code,
      };
      if (throttled) o.logger?.info(retryLine, 'dataverse request throttled, waiting');
      else o.logger?.debug(retryLine, 'dataverse request failed, retrying');
      if (throttled) {
        // The server said to wait: pause every caller of this client, not just this one.
        o.gate.pause(delay);
        throttledMs += await o.gate.wait();
      } else {
        await sleep(delay);
      }
    }
  }

  async #attempt(request: HttpRequest, url: string, token: string): Promise<AttemptResult> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'OData-MaxVersion': '4.0',
      'OData-Version': '4.0',
      ...request.headers,
      Authorization: `Bearer ${token}`,
    };
    let body: string | undefined;
    if (typeof request.body === 'string') body = request.body;
    else if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['Content-Type'] ??= 'application/json; charset=utf-8';
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#o.timeoutMs);
    try {
      const res = await fetch(url, {
        method: request.method,
        headers,
        body,
        signal: controller.signal,
      });
      const text = await res.text();
      return { kind: 'response', status: res.status, headers: res.headers, body: text };
    } catch (err) {
      if (controller.signal.aborted) return { kind: 'timeout' };
      return { kind: 'network', cause: causeOf(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The org's origin, treating `<org>.api.crm….dynamics.com` and `<org>.crm….dynamics.com` as one. */
function orgOrigin(url: URL): string {
  return `${url.protocol}//${url.host.toLowerCase().replace(/\.api\.(crm\d*\.dynamics\.com)$/, '.$1')}`;
}
