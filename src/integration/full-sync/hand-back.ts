import { systemClock } from '../../shared/clock.ts';
import { causedByShutdown } from '../../shared/stopping.ts';
import type { SyncDeps } from '../sync-runtime.ts';
import { transition } from './full-sync-lines.ts';
import { bookCutRun, type LineRunProgress } from './line-booking.ts';
import { interruptedLineMessage } from './line-status.ts';
import { saveStopped, stopRequest } from './stop-watch.ts';

/**
 * A line the process's stop ended goes back to Queued with what its run did booked (its
 * progress, its jobs since `since`: the pass the stop cut is among them, failed as "Stopped by
 * shutdown") and a message saying it was interrupted and goes on by itself: pg-boss hands its job
 * out again (the handler rethrows), and the next run continues from the watermarks this one
 * reached — unless someone asked it to stop meanwhile: then it is `Stopped`. Should the database
 * be gone already, the line stays Running until the dead-line check hands it out (or stops it).
 */
export async function handBack(
  deps: SyncDeps,
  mapping: string,
  run: { started: number; since: Date; progress?: LineRunProgress | undefined },
): Promise<void> {
  const ms = Math.round(performance.now() - run.started);
  deps.logger.warn(
    { mapping, ms, counters: run.progress?.counters },
    'full synchronization line stopped by shutdown',
  );
  try {
    const stop = await stopRequest(deps.db, mapping);
    if (stop) return await saveStopped(deps.db, mapping, stop, run);
    const line = await bookCutRun(deps.db, mapping, run);
    if (!line) return;
    const at = (deps.clock ?? systemClock).now();
    await transition(deps.db, mapping, 'Queued', interruptedLineMessage({ at, ...line }));
  } catch (err) {
    if (!causedByShutdown(err)) throw err;
    deps.logger.debug({ mapping, err }, 'line not handed back: the database went with the stop');
  }
}
