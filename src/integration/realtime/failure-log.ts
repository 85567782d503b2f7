import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import { plural } from '../../shared/plural.ts';

/** While a failure continues, it is logged again at most this often. */
export const FAILURE_REPEAT_MS = 5 * 60_000;

export interface FailureLog {
  failed(err: unknown): void;
  /** A look succeeded: says so once when it had been failing. */
  succeeded(): void;
}

/**
 * Logs a repeating failure (a CRM poll every few seconds) without flooding the log: a warning at
 * the first failure, then at most one every `repeatMs` with how many failed since, and an info
 * line when it works again. A poll that fails quietly for hours is what hid an unreachable CRM.
 */
export function failureLog(o: {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly what: string;
  readonly fields: Record<string, unknown>;
  readonly repeatMs?: number;
}): FailureLog {
  const repeatMs = o.repeatMs ?? FAILURE_REPEAT_MS;
  let since: Date | undefined;
  let lastLogged = 0;
  let failures = 0;
  let unlogged = 0;
  return {
    failed(err) {
      const now = o.clock.now();
      failures++;
      if (!since) {
        since = now;
        lastLogged = now.getTime();
        o.logger.warn({ ...o.fields, err }, `${o.what} failed`);
        return;
      }
      unlogged++;
      if (now.getTime() - lastLogged >= repeatMs) {
        lastLogged = now.getTime();
        o.logger.warn(
          { ...o.fields, err, failures, since: since.toISOString() },
          `${o.what} still failing (${plural(unlogged, 'more failure', 'more failures')} since the last warning)`,
        );
        unlogged = 0;
      } else {
        o.logger.debug({ ...o.fields, err }, `${o.what} failed again`);
      }
    },
    succeeded() {
      if (!since) return;
      const seconds = Math.round((o.clock.now().getTime() - since.getTime()) / 1000);
      o.logger.info(
        { ...o.fields, failures, since: since.toISOString() },
        `${o.what} works again after ${plural(failures, 'failure')} over ${seconds} s`,
      );
      since = undefined;
      failures = 0;
      unlogged = 0;
    },
  };
}
