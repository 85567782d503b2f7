/** One finished logical request (all its attempts), as reported to the metrics hook. */
export interface RequestInfo {
  /** What the client was doing: `retrieve`, `create`, `batch`, `token`, … */
  readonly operation: string;
  readonly method: string;
  /** Final HTTP status; 0 when no answer came (timeout, network failure). */
  readonly status: number;
  /** Wall time of the whole request, waits included. */
  readonly ms: number;
  /** Attempts beyond the first. */
  readonly retries: number;
  /** Time spent paused by the throttle or waiting out Retry-After. */
  readonly throttledMs: number;
  /** True when the request ended in an error value. */
  readonly failed: boolean;
}

/** Hooks for the server's `/metrics` (or anything else that counts). */
export interface DataverseMetricsHooks {
  onRequest(info: RequestInfo): void;
}

/** Counters since the client was built. */
export interface MetricsSnapshot {
  /** Logical requests finished. */
  readonly requests: number;
  /** HTTP attempts sent (requests + retries). */
  readonly attempts: number;
  readonly retries: number;
  /** Answers with 429. */
  readonly throttledResponses: number;
  readonly throttledMs: number;
  /** Logical requests that ended in an error value. */
  readonly errors: number;
  /** `$batch` HTTP requests finished, and the operations they carried. */
  readonly batchRequests: number;
  readonly batchOperations: number;
}

/** Mutable counters behind `DataverseClient.snapshot()`. */
export class MetricsCounters {
  #requests = 0;
  #attempts = 0;
  #retries = 0;
  #throttledResponses = 0;
  #throttledMs = 0;
  #errors = 0;
  #batchRequests = 0;
  #batchOperations = 0;

  attempt(): void {
    this.#attempts++;
  }

  throttledResponse(): void {
    this.#throttledResponses++;
  }

  batch(operations: number): void {
    this.#batchRequests++;
    this.#batchOperations += operations;
  }

  finished(info: RequestInfo): void {
    this.#requests++;
    this.#retries += info.retries;
    this.#throttledMs += info.throttledMs;
    if (info.failed) this.#errors++;
  }

  snapshot(): MetricsSnapshot {
    return {
      requests: this.#requests,
      attempts: this.#attempts,
      retries: this.#retries,
      throttledResponses: this.#throttledResponses,
      throttledMs: this.#throttledMs,
      errors: this.#errors,
      batchRequests: this.#batchRequests,
      batchOperations: this.#batchOperations,
    };
  }
}
