import type { ReviewLine } from './review-messages.ts';

/**
 * How a running line's worker reports that it is alive: a heartbeat this often, besides the
 * progress it saves at most every second while records move (both set `heartbeatAt`).
 */
export const HEARTBEAT_EVERY_MS = 10_000;

/**
 * A running line whose worker has not reported for this long, and whose mapping lock nobody
 * holds (a dead worker's session lock goes with its connection), is handed out again by the next
 * `advance`: the scheduler's, every minute on a running worker, or a line's end.
 */
export const STALE_AFTER_MS = 2 * HEARTBEAT_EVERY_MS;

/**
 * Past this a running line has missed a heartbeat (its interval plus slack for a busy database):
 * its worker may have stopped. Below STALE_AFTER_MS, so people see it before the takeover.
 */
export const SILENT_AFTER_MS = HEARTBEAT_EVERY_MS + 5_000;

/** How long a running line's worker has not reported, once that is past SILENT_AFTER_MS. */
export function silentFor(
  l: Pick<ReviewLine, 'status' | 'heartbeatAt'>,
  now: number,
): number | undefined {
  if (l.status !== 'Running' || !l.heartbeatAt) return undefined;
  const ms = now - new Date(l.heartbeatAt).getTime();
  return ms > SILENT_AFTER_MS ? ms : undefined;
}

/**
 * What a running line whose worker went silent says (CLI bar, web review): for how long, and what
 * becomes of it: with workers about, one takes it over if its worker stopped (a worker alive but
 * slow keeps its mapping's lock, and the line); with none seen lately, nobody hands it out.
 */
export function silenceNote(
  l: Pick<ReviewLine, 'status' | 'heartbeatAt'>,
  now: number,
  workerSeen: boolean,
): string | undefined {
  const ms = silentFor(l, now);
  if (ms === undefined) return undefined;
  const silent = `no report from its worker for ${Math.round(ms / 1000)} s`;
  return workerSeen
    ? `${silent}; if it stopped, another worker takes the line over within about a minute`
    : `${silent}; no worker seen lately to take it over`;
}
