import { isDatabaseUnavailable } from './database-errors.ts';

/**
 * Whether this process has begun its orderly stop. Once it has, a lost database connection or a
 * query cut off by the stop is expected: such failures are logged as "stopped by shutdown", not as
 * errors.
 */
let stopping = false;

export function markStopping(): void {
  stopping = true;
}

export function isStopping(): boolean {
  return stopping;
}

/** Why work in flight ends when the process stops (the abort reason of `shutdownSignal`). */
export class StoppedByShutdown extends Error {
  constructor() {
    super('Stopped by shutdown');
    this.name = 'StoppedByShutdown';
  }
}

const abort = new AbortController();

/**
 * Aborted when the orderly stop gives up waiting for work in flight: long runs check it between
 * chunks and end with `StoppedByShutdown`, leaving their work to be picked up again (retried
 * jobs, watermarks not advanced past what was written).
 */
export const shutdownSignal: AbortSignal = abort.signal;

export function abortInFlight(): void {
  if (!abort.signal.aborted) abort.abort(new StoppedByShutdown());
}

/**
 * Whether a failure is the stop's doing: work aborted by it, or the database going away once it
 * has begun. Such a failure is logged at warn/info as "stopped by shutdown", never as an error.
 */
export function causedByShutdown(err: unknown): boolean {
  if (err instanceof StoppedByShutdown) return true;
  return stopping && isDatabaseUnavailable(err);
}

const inFlight = new Set<Promise<unknown>>();

/** Registers work the orderly stop waits for (a job, a run started by a request) until it ends. */
export function trackInFlight<T>(work: Promise<T>): Promise<T> {
  inFlight.add(work);
  const done = () => inFlight.delete(work);
  work.then(done, done);
  return work;
}

export const inFlightCount = (): number => inFlight.size;

/** Waits until no tracked work runs, or `ms` passed; answers how many are still running. */
export async function waitForInFlight(ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  while (inFlight.size > 0 && Date.now() < deadline) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...inFlight]),
      new Promise((r) => {
        timer = setTimeout(r, Math.max(0, deadline - Date.now()));
      }),
    ]);
    clearTimeout(timer);
  }
  return inFlight.size;
}

/**
 * Reports a failure a stop would explain: `whileStopping` when this process is stopping, else
 * `otherwise` — decided a moment later, because the database may go down at the same moment as
 * this process (a service manager stopping both, a PostgreSQL sharing the terminal's process
 * group), and the connections it cuts can be reported before the signal is handled.
 */
export function unlessStopping(
  otherwise: () => void,
  whileStopping: () => void,
  graceMs = 500,
): void {
  if (stopping) whileStopping();
  else setTimeout(() => (stopping ? whileStopping() : otherwise()), graceMs).unref();
}
