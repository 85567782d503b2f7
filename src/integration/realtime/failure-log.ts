import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import { plural } from '../../shared/plural.ts';
import { unreachableCrm } from '../crm-unreachable.ts';

/** While a failure continues, it is logged again at most this often. */
export const FAILURE_REPEAT_MS = 5 * 60_000;

export interface FailureLog {
  /** A look failed; `retryInMs`: when the next one is due, said in the log line. */
  failed(err: unknown, retryInMs?: number): void;
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
  /**
   * The connection's CRM address when known: a sign-in server that did not answer is named as
   * such, not as the CRM (`unreachableCrm`).
   */
  readonly crmUrl?: () => string | undefined;
}): FailureLog {
  const repeatMs = o.repeatMs ?? FAILURE_REPEAT_MS;
  let since: Date | undefined;
  let lastLogged = 0;
  let failures = 0;
  let unlogged = 0;
  return {
    failed(err, retryInMs) {
      const now = o.clock.now();
      const f = describeFailure(err, o.crmUrl?.());
      const next = retryInMs === undefined ? '' : `; next try in ${seconds(retryInMs)}`;
      const fields = {
        ...o.fields,
        ...f.fields,
        ...(retryInMs === undefined ? {} : { retryInMs }),
      };
      failures++;
      if (!since) {
        since = now;
        lastLogged = now.getTime();
        o.logger.warn(fields, `${o.what} failed${f.text}${next}`);
        return;
      }
      unlogged++;
      if (now.getTime() - lastLogged >= repeatMs) {
        lastLogged = now.getTime();
        o.logger.warn(
          { ...fields, failures, since: since.toISOString() },
          `${o.what} still failing${f.text} (${plural(unlogged, 'more failure', 'more failures')} since the last warning)${next}`,
        );
        unlogged = 0;
      } else {
        o.logger.debug(fields, `${o.what} failed again${f.text}${next}`);
      }
    },
    succeeded() {
      if (!since) return;
      const took = Math.round((o.clock.now().getTime() - since.getTime()) / 1000);
      o.logger.info(
        { ...o.fields, failures, since: since.toISOString() },
        `${o.what} works again after ${plural(failures, 'failure')} over ${took} s`,
      );
      since = undefined;
      failures = 0;
      unlogged = 0;
    },
  };
}

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);

/** An expected failure as the Dataverse client reports it: a value, never a thrown error. */
interface FailureValue {
  readonly code: string;
  readonly message: string;
  readonly host?: string;
  readonly cause?: string;
}

const isFailureValue = (e: unknown): e is FailureValue =>
  typeof e === 'object' &&
  e !== null &&
  !(e instanceof Error) &&
  typeof (e as FailureValue).code === 'string' &&
  typeof (e as FailureValue).message === 'string';

/**
 * What a failure adds to the log line. An expected one (the CRM refusing the connection, a
 * timeout, an HTTP error) is one line — its code, where it went, the reason — with no stack: the
 * stack of a refused connection only says where the poller is, and repeats in every line. A
 * connection that got no answer is worded as everywhere else (`unreachableCrm`). Anything else is
 * unexpected (a bug, the database) and keeps its stack under `err`.
 */
export function describeFailure(
  err: unknown,
  crmUrl?: string,
): {
  readonly text: string;
  readonly fields: Record<string, unknown>;
} {
  if (!isFailureValue(err)) return { text: '', fields: { err } };
  const unreachable = unreachableCrm(err, crmUrl);
  if (unreachable)
    return {
      text: `: ${unreachable}`,
      fields: { code: err.cause ?? err.code, host: err.host },
    };
  return {
    text: `: ${err.message} (${err.code})`,
    fields: { code: err.code, ...(err.host ? { host: err.host } : {}) },
  };
}
