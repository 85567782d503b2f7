import { type DataverseClient, relativeDeltaLink } from '../../dataverse/index.ts';

export interface PollerOptions {
  /** Normal interval between two looks at the delta link. */
  readonly intervalMs: number;
  /** Longest interval when the CRM throttles or fails. */
  readonly maxIntervalMs: number;
  /** The mapping's stored delta link now (a run moves it on), or null before its first run. */
  readonly deltaLink: () => Promise<string | null>;
  readonly client: () => Promise<DataverseClient | undefined>;
  /** Something changed in the CRM since the delta link. */
  readonly onChange: (firstModifiedOn: Date | undefined) => void;
  /**
   * A look failed: `err` is the client's error value (expected: the CRM down, throttling) or what
   * was thrown (unexpected); the next look is in `retryInMs`.
   */
  readonly onError: (err: unknown, retryInMs: number) => void;
  /** A look went through (after failures too): lets the caller say the CRM answers again. */
  readonly onSuccess?: () => void;
}

export interface Poller {
  /** The interval in use now (grows while the CRM throttles or fails). */
  readonly intervalMs: number;
  stop(): void;
}

/**
 * Looks at a mapping's stored change-tracking delta link every few seconds with one request that
 * asks for a single row. Throttled or failed looks double the interval (up to the maximum); the
 * client's own throttle already waits out Retry-After, so the budget is shared with other work.
 */
export function startCrmPoller(o: PollerOptions): Poller {
  let interval = o.intervalMs;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function look(): Promise<void> {
    timer = undefined;
    if (stopped) return;
    try {
      const link = await o.deltaLink();
      const client = link ? await o.client() : undefined;
      if (link && client) {
        const peek = await client.peekChanges(relativeDeltaLink(client.apiUrl, link));
        if (peek.ok) {
          interval = o.intervalMs;
          o.onSuccess?.();
          if (peek.value.changed)
            o.onChange(
              peek.value.firstModifiedOn ? new Date(peek.value.firstModifiedOn) : undefined,
            );
        } else {
          interval = Math.min(interval * 2, o.maxIntervalMs);
          o.onError(peek.error, interval);
        }
      }
    } catch (err) {
      interval = Math.min(interval * 2, o.maxIntervalMs);
      o.onError(err, interval);
    }
    if (!stopped) timer = setTimeout(look, interval);
  }
  timer = setTimeout(look, 0);

  return {
    get intervalMs() {
      return interval;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
