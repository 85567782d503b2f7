import type { Queryable } from '../../db/db.ts';
import type { Logger } from '../../shared/logger.ts';
import { shutdownSignal } from '../../shared/stopping.ts';
import { transition } from './full-sync-lines.ts';
import { bookCutRun, type LineRunProgress } from './line-booking.ts';
import { stoppedLineMessage } from './line-status.ts';

/**
 * Why a running line's passes ended: someone stopped it (`kobling sync full --stop`, the API, the
 * review page). The abort reason of the line's signal: a pass ends between chunks with it, its job
 * failed with this message, what was sent booked and the watermark at what was written.
 */
export class LineStopped extends Error {
  constructor(
    readonly by: string,
    readonly at: Date,
  ) {
    super(`Stopped by ${by}`);
    this.name = 'LineStopped';
  }
}

/** How often a running line looks whether it was asked to stop: a stop is seen within a second. */
export const STOP_POLL_MS = 1000;

interface StopRequest {
  stop_requested_at: Date | null;
  stop_requested_by: string | null;
}

/** Who asked the line to stop, and when; undefined while nobody did. */
export async function stopRequest(
  db: Queryable,
  mapping: string,
): Promise<LineStopped | undefined> {
  const r = await db.query<StopRequest>(
    'SELECT stop_requested_at, stop_requested_by FROM integration.full_sync_lines WHERE mapping_name = $1',
    [mapping],
  );
  const row = r.rows[0];
  return row?.stop_requested_at
    ? new LineStopped(row.stop_requested_by ?? 'someone', new Date(row.stop_requested_at))
    : undefined;
}

/**
 * Watches a running line for a stop request (a column, so any process can ask: the worker
 * running the line may be another one). `signal` aborts with `LineStopped` once asked, or with
 * the process's own stop (`shutdownSignal`), whichever comes first.
 */
export function watchStop(
  deps: { db: Queryable; logger: Logger; stopPollMs?: number },
  mapping: string,
): { signal: AbortSignal; dispose: () => void } {
  const asked = new AbortController();
  let looking = false;
  const look = async () => {
    if (looking || asked.signal.aborted) return;
    looking = true;
    try {
      const stop = await stopRequest(deps.db, mapping);
      if (stop && !asked.signal.aborted) asked.abort(stop);
    } catch (err) {
      deps.logger.warn({ err, mapping }, 'stop request not read');
    } finally {
      looking = false;
    }
  };
  const timer = setInterval(() => void look(), deps.stopPollMs ?? STOP_POLL_MS);
  void look();
  return {
    signal: AbortSignal.any([shutdownSignal, asked.signal]),
    dispose: () => clearInterval(timer),
  };
}

/**
 * Ends a line its stop ended: what its runs did booked (`bookCutRun`: its progress as the run
 * left it, the jobs they wrote since `since`), and `Stopped` with who, when and how far it got.
 */
export async function saveStopped(
  db: Queryable,
  mapping: string,
  stop: LineStopped,
  o: { since: Date; progress?: LineRunProgress | undefined },
): Promise<void> {
  const line = await bookCutRun(db, mapping, o);
  if (!line) return;
  await transition(
    db,
    mapping,
    'Stopped',
    stoppedLineMessage({ by: stop.by, at: stop.at, ...line }),
  );
}
