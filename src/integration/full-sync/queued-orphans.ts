import type { Queryable } from '../../db/db.ts';
import { STALE_AFTER_MS } from './worker-reports.ts';

/**
 * The queued lines no job of `queue` will run: queued for longer than `STALE_AFTER_MS` with no job
 * waiting for them (created, or to be retried) and none taken lately. A line a shutdown handed
 * back relies on pg-boss handing its job out again, which it does only `retryLimit` times: a
 * third shutdown during the same line failed the job for good, and a process made to exit at once
 * (a second Ctrl+C) leaves it active until it expires (hours); a `kobling sync full` ended between
 * queueing a line and sending its job (Ctrl+C during *Start*) sent none. Each time the line stayed
 * `Queued`, saying it continues when a worker runs, with nothing to run it. A job taken within
 * `STALE_AFTER_MS` is its worker's: its first step moves the line to Running.
 */
export async function queuedWithoutJob(db: Queryable, queue: string): Promise<string[]> {
  const r = await db.query<{ mapping: string }>(
    `SELECT l.mapping_name AS mapping FROM integration.full_sync_lines l
      WHERE l.status = 'Queued' AND l.queued_at < now() - $2 * interval '1 millisecond'
        AND NOT EXISTS (
          SELECT 1 FROM pgboss.job j
           WHERE j.name = $1 AND j.data->>'mapping' = l.mapping_name
             AND (j.state IN ('created', 'retry')
                  OR (j.state = 'active' AND j.started_on > now() - $2 * interval '1 millisecond')))
      ORDER BY l.position`,
    [queue, STALE_AFTER_MS],
  );
  return r.rows.map((x) => x.mapping);
}
