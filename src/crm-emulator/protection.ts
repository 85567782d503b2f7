import { type Clock, systemClock } from '../shared/clock.ts';
import { type ApiResponse, jsonResponse } from './api/types.ts';
import { CODES, errorBody } from './errors.ts';

/** Fault injection for reliability tests and benchmarks (off unless set). */
export interface FaultSettings {
  /** Share of API requests (0..1) answered with a fault instead of being processed. */
  rate: number;
  /** Statuses to answer with (default 429 and 503). */
  statuses?: number[];
  /** `Retry-After` seconds (default 1). */
  retryAfterSeconds?: number;
  /** Latency added to every API request. */
  latencyMs?: number;
  /**
   * Share of the requests and change sets inside an accepted `$batch` answered with a fault part
   * (not run), as service protection does per operation. Default 0.
   */
  batchOperationRate?: number;
}

/** Dataverse service protection limits, per application user (off by default). */
export interface LimitSettings {
  /** Requests per window (Dataverse: 6,000 per 300 s). */
  requestsPerWindow?: number;
  /** Combined execution time per window in ms (Dataverse: 1,200,000). */
  executionMsPerWindow?: number;
  /** Requests running at once (Dataverse: 52). */
  maxConcurrent?: number;
  /** The sliding window (default 300 s). */
  windowSeconds?: number;
}

const throttled = (code: string, message: string, retryAfter: number): ApiResponse =>
  jsonResponse(429, errorBody(code, message), { 'Retry-After': String(retryAfter) });

/** The injected fault for this request, if the dice say so. */
export function injectedFault(
  f: FaultSettings | undefined,
  random = Math.random,
): ApiResponse | undefined {
  if (!f || f.rate <= 0 || random() >= f.rate) return undefined;
  const statuses = f.statuses?.length ? f.statuses : [429, 503];
  const status = statuses[Math.floor(random() * statuses.length)]!;
  const retryAfter = f.retryAfterSeconds ?? 1;
  if (status === 429) {
    return throttled(
      CODES.tooManyRequests,
      'Number of requests exceeded the limit of 6000 over time window of 300 seconds.',
      retryAfter,
    );
  }
  return jsonResponse(
    status,
    errorBody(CODES.unavailable, 'The service is temporarily unavailable. Please try again later.'),
    { 'Retry-After': String(retryAfter) },
  );
}

interface UserWindow {
  requests: number[];
  execution: { at: number; ms: number }[];
  running: number;
}

/** Sliding-window limits per user, in memory (one "web server"). */
export class ServiceLimits {
  readonly #users = new Map<string, UserWindow>();
  constructor(
    readonly settings: LimitSettings,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Admits a request or answers 429; call the returned `done` when it finished. */
  admit(user: string, nowMs = this.clock.now().getTime()): { done: () => void } | ApiResponse {
    const s = this.settings;
    const windowMs = (s.windowSeconds ?? 300) * 1000;
    let w = this.#users.get(user);
    if (!w) {
      w = { requests: [], execution: [], running: 0 };
      this.#users.set(user, w);
    }
    const since = nowMs - windowMs;
    while (w.requests.length && w.requests[0]! <= since) w.requests.shift();
    while (w.execution.length && w.execution[0]!.at <= since) w.execution.shift();
    const retryAfter = (oldest: number | undefined) =>
      Math.max(1, Math.ceil(((oldest ?? nowMs) + windowMs - nowMs) / 1000));
    if (s.maxConcurrent !== undefined && w.running >= s.maxConcurrent) {
      return throttled(
        CODES.concurrentRequests,
        `Number of concurrent requests exceeded the limit of ${s.maxConcurrent}.`,
        1,
      );
    }
    if (s.requestsPerWindow !== undefined && w.requests.length >= s.requestsPerWindow) {
      return throttled(
        CODES.tooManyRequests,
        `Number of requests exceeded the limit of ${s.requestsPerWindow} over time window of ${windowMs / 1000} seconds.`,
        retryAfter(w.requests[0]),
      );
    }
    const used = w.execution.reduce((n, e) => n + e.ms, 0);
    if (s.executionMsPerWindow !== undefined && used >= s.executionMsPerWindow) {
      return throttled(
        CODES.executionTime,
        `Combined execution time of incoming requests exceeded limit of ${s.executionMsPerWindow} milliseconds over time window of ${windowMs / 1000} seconds.`,
        retryAfter(w.execution[0]?.at),
      );
    }
    w.requests.push(nowMs);
    w.running++;
    const win = w;
    return {
      done: () => {
        win.running--;
        const end = this.clock.now().getTime();
        win.execution.push({ at: end, ms: end - nowMs });
      },
    };
  }
}
