import type { Queryable } from '../../db/db.ts';
import type { Logger } from '../../shared/logger.ts';
import { agree, plural } from '../../shared/plural.ts';
import { countersText } from '../../sync/counters-text.ts';
import { skippedAfterFailing } from '../../sync/couplings/skipped-couplings.ts';
import { openErrorsOfJobRecords } from '../../sync/error-queries.ts';
import { getLine } from './full-sync-lines.ts';

/**
 * Lines that failed, finished with failed records or were stopped, and queued lines a shutdown
 * interrupted (they continue by themselves), by mapping, with their status, message, how many
 * records failed and how many of the mapping's records were skipped after failing when the line
 * ended (`kobling status` warns about them).
 */
export async function failedLineMessages(db: Queryable): Promise<
  Map<
    string,
    {
      status: 'Failed' | 'FinishedWithErrors' | 'Stopped' | 'Queued';
      message: string | null;
      failedRecords: number;
      skippedRecords: number;
    }
  >
> {
  const r = await db.query<{
    mapping_name: string;
    status: 'Failed' | 'FinishedWithErrors' | 'Stopped' | 'Queued';
    message: string | null;
    failed: number | null;
    skipped_records: number | null;
  }>(
    `SELECT mapping_name, status, message, (counters->>'failed')::int AS failed, skipped_records
       FROM integration.full_sync_lines
      WHERE status IN ('Failed', 'FinishedWithErrors', 'Stopped')
         OR (status = 'Queued' AND message LIKE 'Interrupted by a shutdown %')`,
  );
  return new Map(
    r.rows.map((x) => [
      x.mapping_name,
      {
        status: x.status,
        message: x.message,
        failedRecords: x.failed ?? 0,
        skippedRecords: x.skipped_records ?? 0,
      },
    ]),
  );
}

/**
 * A line that finished with failed records becomes Finished once none of them is open any more:
 * the records that failed in its jobs have no open error (the mapping's regular run, `kobling
 * sync`, a retry of skipped records or a coupling settled them), and, when it ended with records
 * skipped after failing, the mapping has none left. Called after every run of the mapping outside
 * its full synchronization; cheap (the line's jobs' errors). The line keeps its counters and when
 * it finished; the move goes through the transition table, and only while the line is as read (a
 * restart meanwhile wins). Answers whether it moved.
 */
export async function settleLine(
  db: Queryable,
  mapping: string,
  logger?: Pick<Logger, 'info'>,
): Promise<boolean> {
  const line = await getLine(db, mapping);
  if (line?.status !== 'FinishedWithErrors') return false;
  if ((await openErrorsOfJobRecords(db, mapping, line.jobIds)) > 0) return false;
  const skipped = line.skippedRecords ?? 0;
  if (skipped > 0 && ((await skippedAfterFailing(db, mapping)).get(mapping) ?? 0) > 0) return false;
  const failed = line.counters.failed ?? 0;
  const what = [
    ...(failed > 0 ? [`${plural(failed, 'record')} failed`] : []),
    ...(skipped > 0
      ? [`${plural(skipped, 'record')} ${agree(skipped, 'was', 'were')} skipped after failing`]
      : []),
  ].join(' and ');
  const counted = countersText(line.counters);
  const message = `${what} in the full synchronization${counted ? ` (${counted})` : ''}; all were synchronized since`;
  const r = await db.query(
    `UPDATE integration.full_sync_lines l SET status = 'Finished', message = $2
       FROM integration.full_sync_transitions t
      WHERE l.mapping_name = $1 AND l.status = 'FinishedWithErrors' AND l.job_ids = $3::uuid[]
        AND t.from_status = l.status AND t.to_status = 'Finished'`,
    [mapping, message, line.jobIds],
  );
  const moved = (r.rowCount ?? 0) > 0;
  if (moved) logger?.info({ mapping }, 'full synchronization line settled: no failed record open');
  return moved;
}
