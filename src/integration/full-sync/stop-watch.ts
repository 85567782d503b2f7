import type { Queryable } from '../../db/db.ts';
import type { Logger } from '../../shared/logger.ts';
import { shutdownSignal } from '../../shared/stopping.ts';
import { transition } from './full-sync-lines.ts';
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
 * Ends a line its stop ended: its progress as the run left it (what it wrote stays written and
 * coupled; `progress` undefined: the run reported none, the line keeps what it had), the jobs its
 * runs wrote since `since`, and `Stopped` with who, when and how far it got.
 */
export async function saveStopped(
  db: Queryable,
  mapping: string,
  stop: LineStopped,
  o: {
    since: Date;
    progress?: { done: number; total: number | undefined; counters: Record<string, number> };
  },
): Promise<void> {
  const r = await db.query<{
    done: string;
    total: string | null;
    counters: Record<string, number>;
  }>(
    `UPDATE integration.full_sync_lines l
        SET done = coalesce($2, l.done), total = CASE WHEN $2::bigint IS NULL THEN l.total ELSE $3 END,
            counters = coalesce($4::jsonb, l.counters),
            job_ids = l.job_ids || ARRAY(
              SELECT j.id FROM integration.sync_jobs j
               WHERE j.mapping_name = l.mapping_name AND j.trigger = 'fullSynchronization'
                 AND j.started_at >= $5 AND NOT j.id = ANY(l.job_ids) ORDER BY j.started_at)
      WHERE l.mapping_name = $1 AND l.status = 'Running'
      RETURNING l.done, l.total, l.counters`,
    [
      mapping,
      o.progress?.done ?? null,
      o.progress?.total ?? null,
      o.progress ? JSON.stringify(o.progress.counters) : null,
      o.since,
    ],
  );
  const line = r.rows[0];
  if (!line) return;
  await transition(
    db,
    mapping,
    'Stopped',
    stoppedLineMessage({
      by: stop.by,
      at: stop.at,
      done: Number(line.done),
      total: line.total === null ? null : Number(line.total),
      counters: line.counters,
    }),
  );
}
