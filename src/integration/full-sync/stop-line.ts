import type { Queryable } from '../../db/db.ts';
import { agree, plural } from '../../shared/plural.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { mappingNameOf } from '../../sync/mappings/mapping-name.ts';
import { dependenciesOf } from '../../sync/model.ts';
import type { SyncDeps } from '../sync-runtime.ts';
import {
  type FullSyncLine,
  listLines,
  MOVED_LINE_MESSAGE,
  MOVED_STARTED_MESSAGE,
  transition,
} from './full-sync-lines.ts';
import { lineNotFound, reviewLines } from './full-sync-service.ts';
import { DONE_STATUSES, STOPPABLE, stoppedLineMessage, utc } from './line-status.ts';
import type { ReviewLine } from './review-messages.ts';

/** What a stop did: the line now, whether it is stopped already or its worker stops it soon. */
export interface LineStop {
  readonly line: ReviewLine;
  /** true: stopped at once (it was pending or queued); false: its worker stops it between chunks. */
  readonly stopped: boolean;
  readonly message: string;
}

/**
 * *Stop* of one line (pending, queued or running): a line no worker runs is `Stopped` at once; a
 * running one is asked to stop (`stop_requested_at`) and its worker ends its passes between two
 * chunks — what it sent is booked, the watermarks stay at what it wrote — then marks it `Stopped`
 * with how far it got. Its children keep waiting (as for a failed line); the mapping's regular job
 * is no longer held by it; *Restart* continues it where it stopped. `by`: who stopped it, in its
 * message (`admin`, `cli:alice`). Refused (409 line_not_stoppable) for a line that is done,
 * failed, stopped or already stopping.
 */
export async function stopLine(
  deps: SyncDeps,
  given: string,
  by: string,
): Promise<Result<LineStop>> {
  const mapping = mappingNameOf(given);
  const lines = await listLines(deps.db);
  const line = lines.find((l) => l.mapping === mapping);
  if (!line) return lineNotFound(deps, given, lines);
  const asked = await askToStop(deps.db, mapping, by);
  if (!asked) return notStoppable((await listLines(deps.db)).find((l) => l.mapping === mapping));
  // No worker has it (yet): stopped now. One that a worker took meanwhile stops on its worker.
  const now =
    asked.status !== 'Running' &&
    (await transition(
      deps.db,
      mapping,
      'Stopped',
      stoppedLineMessage({
        by,
        at: asked.at,
        done: line.done,
        total: line.total,
        counters: line.counters,
      }),
      ['Pending', 'Queued'],
    )) !== undefined;
  const review = await reviewLines(deps);
  const stopped = review.find((l) => l.mapping === mapping)!;
  const children = waitingChildren(review, mapping);
  const held =
    children.length > 0
      ? `; its dependent ${agree(children.length, 'line', 'lines')} ${children.join(', ')} ${agree(children.length, 'waits', 'wait')} until it is restarted and done`
      : '';
  const message = now
    ? `Stopped the full synchronization of ${mapping}${held}. Restart continues it where it stopped.`
    : `Stopping the full synchronization of ${mapping}: it stops once the records it is writing now are written (${plural(line.done, 'record')} done so far)${held}. Restart continues it where it stopped.`;
  return ok({ line: stopped, stopped: now, message });
}

// A line not run since a move to another organization holds its mapping's regular job by its
// message (nothing is coupled there yet): stopped, it would let that job create duplicates.
const MOVED = [MOVED_LINE_MESSAGE, MOVED_STARTED_MESSAGE];

/**
 * Marks a stoppable line as asked to stop, once: answers its status then and when it was asked,
 * or undefined when it is not stoppable (or was asked already).
 */
async function askToStop(
  db: Queryable,
  mapping: string,
  by: string,
): Promise<{ status: string; at: Date } | undefined> {
  const r = await db.query<{ status: string; stop_requested_at: Date }>(
    `UPDATE integration.full_sync_lines SET stop_requested_at = now(), stop_requested_by = $2
      WHERE mapping_name = $1 AND status = ANY($3::text[]) AND stop_requested_at IS NULL
        AND NOT (status = 'Pending' AND coalesce(message = ANY($4::text[]), false))
      RETURNING status, stop_requested_at`,
    [mapping, by, [...STOPPABLE], MOVED],
  );
  const row = r.rows[0];
  return row && { status: row.status, at: new Date(row.stop_requested_at) };
}

/** Why a line cannot be stopped, in its status's words. */
function notStoppable(line: FullSyncLine | undefined): Result<never> {
  if (!line) return failure('not_found', 'The full synchronization line is gone');
  const name = line.mapping;
  if (line.status === 'Pending' && line.message !== null && MOVED.includes(line.message))
    return failure(
      'line_not_stoppable',
      `The full synchronization of ${name} has not run since the connection moved to another Dynamics 365 organization: the mapping's regular job waits for it (nothing of it is coupled there yet), so it cannot be stopped`,
    );
  if (line.status === 'Running' || line.status === 'Queued' || line.status === 'Pending')
    return failure(
      'line_not_stoppable',
      `The full synchronization of ${name} is stopping already (asked by ${line.stopRequestedBy ?? 'someone'} on ${line.stopRequestedAt ? utc(line.stopRequestedAt) : 'an earlier moment'}): it stops once the records it is writing now are written`,
    );
  if (line.status === 'Stopped')
    return failure(
      'line_not_stoppable',
      `The full synchronization of ${name} is stopped already (${line.message ?? 'no message'}); Restart continues it`,
    );
  const status = DONE_STATUSES.has(line.status)
    ? line.status === 'NotNeeded'
      ? 'not needed (no records on either side)'
      : 'finished'
    : 'failed';
  return failure(
    'line_not_stoppable',
    `The full synchronization of ${name} is ${status}: only a pending, queued or running line can be stopped`,
  );
}

/** The lines below `mapping` that wait for it (directly or through another waiting line). */
function waitingChildren(lines: readonly ReviewLine[], mapping: string): string[] {
  const found: string[] = [];
  const frontier = [mapping];
  while (frontier.length > 0) {
    const parent = frontier.shift()!;
    for (const l of lines)
      if (
        l.status === 'Pending' &&
        !found.includes(l.mapping) &&
        dependenciesOf(l).includes(parent)
      ) {
        found.push(l.mapping);
        frontier.push(l.mapping);
      }
  }
  return found;
}
